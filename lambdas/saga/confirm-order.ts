/** Saga step ConfirmOrder (see README.md). */
import { sagaStep } from '../shared/saga-step';

export const handler = sagaStep('ConfirmOrder', { idempotency: 'conditional-writes' }, (input, { steps }) =>
  steps.confirm(input.orderId, input.order),
);
