/**
 * Pure helpers over the error a Catch stored at `$.error`: `{ Error, Cause }`, where Cause is, for a Lambda
 * function error, the JSON `{ errorType, errorMessage, trace }`.
 */
import type { FailureReason, OrderStatus } from '../domain/order-status';

/** What a Catch stores in the state (ResultPath `$.error`). */
export interface CaughtError {
  readonly Error: string;
  readonly Cause?: string;
}

/** The error's name and a human message (the function's errorMessage when the Cause carries one). */
export const describeCaughtError = (
  error: CaughtError | undefined,
): { readonly name: string; readonly message: string } => {
  if (error === undefined) return { name: 'Unknown', message: 'no error was passed to the compensation' };
  let message = error.Cause ?? '';
  try {
    const parsed: unknown = JSON.parse(message);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof (parsed as { errorMessage?: unknown }).errorMessage === 'string'
    ) {
      message = (parsed as { errorMessage: string }).errorMessage;
    }
  } catch {
    // A Cause that is not JSON (States.Timeout, a States.* runtime error) is already the message.
  }
  return { name: error.Error, message: message.length > 500 ? `${message.slice(0, 497)}...` : message };
};

/**
 * The order's failure reason from the caught error and the status the order had when compensation began.
 * Business errors name their reason; any other error after the charge (status PAYMENT_CAPTURED, set by the
 * charge step as its last act) can only come from ConfirmOrder.
 */
export const failureReasonFor = (errorName: string, statusAtFailure: OrderStatus): FailureReason => {
  switch (errorName) {
    case 'ValidationFailedError':
      return 'VALIDATION_FAILED';
    case 'OutOfStockError':
      return 'OUT_OF_STOCK';
    case 'PaymentDeclinedError':
      return 'PAYMENT_DECLINED';
    default:
      if (statusAtFailure === 'PAYMENT_CAPTURED') return 'CONFIRMATION_FAILED';
      return 'INTERNAL_ERROR';
  }
};

/** The forward steps, in saga order. */
export type ForwardStepName = 'ValidateOrder' | 'ReserveInventory' | 'ChargePayment' | 'ConfirmOrder';

/**
 * The forward step that failed, derived from the order's status when compensation begins, not from the caught
 * error: each forward step moves the status as its last act, so the status names the last step that finished and
 * the failed one is the next (PENDING -> ValidateOrder, VALIDATED -> ReserveInventory, INVENTORY_RESERVED ->
 * ChargePayment, PAYMENT_CAPTURED -> ConfirmOrder). The caught error (`{Error, Cause}`) does not name the state it
 * came from. Undefined for a status no forward step fails from.
 */
export const failedForwardStep = (statusAtFailure: OrderStatus): ForwardStepName | undefined => {
  switch (statusAtFailure) {
    case 'PENDING':
      return 'ValidateOrder';
    case 'VALIDATED':
      return 'ReserveInventory';
    case 'INVENTORY_RESERVED':
      return 'ChargePayment';
    case 'PAYMENT_CAPTURED':
      return 'ConfirmOrder';
    default:
      return undefined;
  }
};

/** The timeline outcome of a failed forward step, from the caught error's name. */
export const failedStepOutcome = (errorName: string): string => {
  switch (errorName) {
    case 'ValidationFailedError':
      return 'invalid';
    case 'OutOfStockError':
      return 'out-of-stock';
    case 'PaymentDeclinedError':
      return 'declined';
    case 'States.Timeout':
    case 'Sandbox.Timedout':
      return 'timed-out';
    default:
      return 'error';
  }
};
