import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlatformError } from '../errors';
import { PaymentFencedError } from '../payments/payment-fence';
import {
  OutOfStockError,
  PaymentDeclinedError,
  SagaCompensationPendingError,
  SagaError,
  SagaOrderStateError,
  SagaStepInputInvalidError,
  StepInProgressError,
  TransientDependencyError,
  ValidationFailedError,
} from './errors';

type State = {
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[] }[];
  Branches?: { States: Record<string, State> }[];
};

const errorNamesOfAsl = (): string[] => {
  const definition = JSON.parse(readFileSync(join(__dirname, '../../lambdas/saga/order-saga.asl.json'), 'utf8')) as {
    States: Record<string, State>;
  };
  const names = new Set<string>();
  const walk = (states: Record<string, State>): void => {
    for (const state of Object.values(states)) {
      for (const rule of [...(state.Retry ?? []), ...(state.Catch ?? [])])
        for (const name of rule.ErrorEquals) names.add(name);
      for (const branch of state.Branches ?? []) walk(branch.States);
    }
  };
  walk(definition.States);
  // States.*, Lambda.* and Sandbox.* are the service's own names, not ours.
  return [...names].filter((name) => !/^(States|Lambda|Sandbox)\./.test(name)).sort();
};

describe('the saga errors under their base classes', () => {
  it('keep the `name` every ErrorEquals of the ASL expects, set literally so minified bundles keep it', () => {
    // prepare
    const thrown = [
      new OutOfStockError(['mug']),
      new PaymentDeclinedError('generic_decline'),
      new TransientDependencyError('throttled'),
      new SagaCompensationPendingError('01J', 'COMPENSATING'),
      new ValidationFailedError('o1', []),
      new PaymentFencedError('o1'),
      new SagaOrderStateError('o1', 'FAILED', 'ChargePayment'),
      new SagaStepInputInvalidError('bad'),
      new StepInProgressError('in progress'),
    ];
    // act
    const names = thrown.map((error) => error.name).sort();
    // assess
    expect(names).toEqual(errorNamesOfAsl());
  });

  it('are platform errors with a code and no HTTP status (they end in an order status, not an answer)', () => {
    // act
    const error = new ValidationFailedError('01J', [{ path: 'items.0.productId', message: 'unknown product' }]);
    // assess
    expect(error).toBeInstanceOf(SagaError);
    expect(error).toBeInstanceOf(PlatformError);
    expect([error.name, error.code, error.httpStatus]).toEqual([
      'ValidationFailedError',
      'VALIDATION_FAILED',
      undefined,
    ]);
  });
});
