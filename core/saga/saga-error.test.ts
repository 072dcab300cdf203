import fc from 'fast-check';
import { ORDER_STATUSES, ORDER_TRANSITIONS } from '../domain/order-status';
import { describeCaughtError, failedForwardStep, failedStepOutcome, failureReasonFor } from './saga-error';

describe('failureReasonFor', () => {
  it.each([
    ['ValidationFailedError', 'PENDING', 'VALIDATION_FAILED'],
    ['OutOfStockError', 'VALIDATED', 'OUT_OF_STOCK'],
    ['PaymentDeclinedError', 'INVENTORY_RESERVED', 'PAYMENT_DECLINED'],
    ['InjectedFaultError', 'PAYMENT_CAPTURED', 'CONFIRMATION_FAILED'],
    ['States.Timeout', 'PAYMENT_CAPTURED', 'CONFIRMATION_FAILED'],
    ['TransientDependencyError', 'INVENTORY_RESERVED', 'INTERNAL_ERROR'],
  ] as const)('%s in %s -> %s', (error, status, reason) => {
    expect(failureReasonFor(error, status)).toBe(reason);
  });

  it('property: a business error names its reason whatever the status', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ORDER_STATUSES), (status) => {
        expect(failureReasonFor('OutOfStockError', status)).toBe('OUT_OF_STOCK');
        expect(failureReasonFor('PaymentDeclinedError', status)).toBe('PAYMENT_DECLINED');
      }),
    );
  });
});

describe('describeCaughtError', () => {
  it('reads the function error message out of a Lambda Cause', () => {
    const described = describeCaughtError({
      Error: 'PaymentDeclinedError',
      Cause: JSON.stringify({
        errorType: 'PaymentDeclinedError',
        errorMessage: 'The card was declined (insufficient_funds)',
        trace: [],
      }),
    });

    expect(described).toEqual({ name: 'PaymentDeclinedError', message: 'The card was declined (insufficient_funds)' });
  });

  it('keeps a Cause that is not JSON as the message, and says when no error was passed', () => {
    expect(describeCaughtError({ Error: 'States.Timeout', Cause: 'Task timed out' })).toEqual({
      name: 'States.Timeout',
      message: 'Task timed out',
    });
    expect(describeCaughtError(undefined).name).toBe('Unknown');
  });

  it('bounds the message so a huge Cause cannot bloat the timeline', () => {
    expect(describeCaughtError({ Error: 'X', Cause: 'y'.repeat(5000) }).message.length).toBe(500);
  });
});

describe('failedForwardStep', () => {
  it.each([
    ['PENDING', 'ValidateOrder'],
    ['VALIDATED', 'ReserveInventory'],
    ['INVENTORY_RESERVED', 'ChargePayment'],
    ['PAYMENT_CAPTURED', 'ConfirmOrder'],
  ] as const)('an order still %s failed in %s', (status, step) => {
    expect(failedForwardStep(status)).toBe(step);
  });

  it('property: a failed step is named exactly for the statuses compensation can begin from', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ORDER_STATUSES), (status) => {
        expect(failedForwardStep(status) !== undefined).toBe(ORDER_TRANSITIONS[status].includes('COMPENSATING'));
      }),
    );
  });
});

describe('failedStepOutcome', () => {
  it.each([
    ['ValidationFailedError', 'invalid'],
    ['OutOfStockError', 'out-of-stock'],
    ['PaymentDeclinedError', 'declined'],
    ['States.Timeout', 'timed-out'],
    ['Sandbox.Timedout', 'timed-out'],
    ['InjectedFaultError', 'error'],
  ])('%s -> %s', (name, outcome) => {
    expect(failedStepOutcome(name)).toBe(outcome);
  });
});
