/** Saga step ReserveInventory (see README.md). */
import { sagaStep } from '../shared/saga-step';

export const handler = sagaStep('ReserveInventory', { idempotency: 'conditional-writes' }, (input, { steps }) =>
  steps.reserve(input.orderId, input.order),
);
