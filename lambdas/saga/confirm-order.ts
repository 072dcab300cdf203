/** Saga step ConfirmOrder (see README.md). */
import { sagaStep } from '../shared/saga-step';

export const handler = sagaStep('ConfirmOrder', (input, { steps }) => steps.confirm(input.orderId));
