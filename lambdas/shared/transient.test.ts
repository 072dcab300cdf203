import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { OutOfStockError } from '../../core/inventory/inventory';
import { PaymentDeclinedError } from '../../core/payments/payment-provider';
import { StepInProgressError, TransientDependencyError } from '../../core/saga/errors';
import { classifyStepError, isTransient } from './transient';

const named = (name: string, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(name), { name }, extra);

describe('classifyStepError', () => {
  it('leaves business errors as they are, so the ASL catches them by name', () => {
    const declined = new PaymentDeclinedError('generic_decline');
    const outOfStock = new OutOfStockError(['p1']);

    expect(classifyStepError(declined)).toBe(declined);
    expect(classifyStepError(outOfStock)).toBe(outOfStock);
  });

  it.each([
    named('ThrottlingException'),
    named('ProvisionedThroughputExceededException'),
    named('Error', { code: 'ECONNREFUSED' }),
    named('InternalServerError', { $fault: 'server' }),
    named('SomethingNew', { $metadata: { httpStatusCode: 503 } }),
    new TransactionCanceledException({
      message: 'cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
    }),
    named('Wrapper', { cause: named('ThrottlingException') }),
  ])('turns a transient %s into TransientDependencyError with the cause kept', (error) => {
    const classified = classifyStepError(error) as Error;

    expect(classified).toBeInstanceOf(TransientDependencyError);
    expect(classified.cause).toBe(error);
  });

  it('turns an in-progress idempotency record into StepInProgressError, which the ASL retries past the in-progress window', () => {
    const inProgress = named('IdempotencyAlreadyInProgressError');

    const classified = classifyStepError(inProgress) as Error;

    expect(classified).toBeInstanceOf(StepInProgressError);
    expect(classified.cause).toBe(inProgress);
  });

  it('leaves other errors alone: they are caught and compensated, not retried', () => {
    const bug = new TypeError('x is undefined');
    const conditional = new TransactionCanceledException({
      message: 'cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
    });

    expect(classifyStepError(bug)).toBe(bug);
    expect(isTransient(conditional)).toBe(false);
  });
});
