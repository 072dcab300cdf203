/** Saga compensation RefundPayment (see README.md). */
import { sagaStep } from '../shared/saga-step';

export const handler = sagaStep('RefundPayment', { idempotency: 'powertools' }, (input, { steps }) =>
  steps.refund(input.orderId, input.error),
);
