/** A compensation failed after its retries: ParkOrder (see README.md). */
import { sagaStep } from '../shared/saga-step';

export const handler = sagaStep('ParkOrder', { idempotency: 'conditional-writes' }, (input, { steps }) =>
  steps.park(input.orderId, input.error, input.compensationError, input.failedState),
);
