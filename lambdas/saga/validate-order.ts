/** Saga step ValidateOrder (see README.md). */
import { sagaStep } from '../shared/saga-step';

export const handler = sagaStep('ValidateOrder', { idempotency: 'conditional-writes' }, (input, { steps }) =>
  steps.validate(input.orderId),
);
