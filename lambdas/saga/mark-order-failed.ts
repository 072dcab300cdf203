/** Saga compensation MarkOrderFailed (see README.md). */
import { sagaStep } from '../shared/saga-step';

export const handler = sagaStep('MarkOrderFailed', (input, { steps }) => steps.markFailed(input.orderId, input.error));
