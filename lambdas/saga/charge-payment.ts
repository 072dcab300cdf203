/** Saga step ChargePayment (see README.md). */
import { sagaStep } from '../shared/saga-step';

export const handler = sagaStep('ChargePayment', { idempotency: 'powertools' }, (input, { steps }) =>
  steps.charge(input.orderId, input.order),
);
