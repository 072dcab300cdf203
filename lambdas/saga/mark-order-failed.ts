/** Saga compensation MarkOrderFailed (see README.md). */
import { sagaStep } from '../shared/saga-step';

export const handler = sagaStep('MarkOrderFailed', { idempotency: 'conditional-writes' }, (input, { steps }) =>
  steps.markFailed(input.orderId, input.error),
);
