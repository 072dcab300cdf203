/** Saga compensation ReleaseInventory (see README.md). */
import { sagaStep } from '../shared/saga-step';

export const handler = sagaStep('ReleaseInventory', { idempotency: 'conditional-writes' }, (input, { steps }) =>
  steps.release(input.orderId, input.error),
);
