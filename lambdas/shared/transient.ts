/**
 * Which failures of a dependency are worth retrying. The saga's ASL retries exactly `TransientDependencyError`
 * (and the Lambda service errors); everything else is caught and compensated, so this mapping decides between
 * "try again" and "undo".
 */
import { StepInProgressError, TransientDependencyError } from '../../core/saga/errors';

/** Never rewrapped: business outcomes the ASL catches by name, and errors that are already classified. */
const BUSINESS = new Set([
  'ValidationFailedError',
  'OutOfStockError',
  'PaymentDeclinedError',
  'TransientDependencyError',
  'StepInProgressError',
]);

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'InternalServerError',
  'InternalFailure',
  'InternalException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TransactionConflictException',
  'TransactionInProgressException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'AbortError',
  // Our adapters and Powertools: a lost transaction race, a store hiccup (an in-progress record is its own error).
  'InventoryContentionError',
  'IdempotencyPersistenceLayerError',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

type Inspectable = Error & {
  code?: unknown;
  $retryable?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number };
  CancellationReasons?: { Code?: string }[];
};

/** True for throttling, 5xx, network faults and transaction conflicts, looking through `cause` chains. */
export const isTransient = (error: unknown, depth = 0): boolean => {
  if (!(error instanceof Error) || depth > 5) return false;
  const e = error as Inspectable;
  if (TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (e.$retryable !== undefined && e.$retryable !== null) return true;
  if (e.$fault === 'server' || (e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (
    e.name === 'TransactionCanceledException' &&
    (e.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict' || r.Code === 'ThrottlingError')
  )
    return true;
  return isTransient(e.cause, depth + 1);
};

/** A business error the ASL catches by name (not an operational failure). */
export const isBusinessOutcome = (error: unknown): boolean =>
  error instanceof Error &&
  BUSINESS.has(error.name) &&
  error.name !== 'TransientDependencyError' &&
  error.name !== 'StepInProgressError';

/**
 * The error a step should throw: business errors unchanged; an in-progress idempotency record as StepInProgressError
 * (retried past the in-progress window, not within it); transient ones as TransientDependencyError; the rest unchanged.
 */
export const classifyStepError = (error: unknown): unknown => {
  if (error instanceof Error && BUSINESS.has(error.name)) return error;
  if (error instanceof Error && error.name === 'IdempotencyAlreadyInProgressError')
    return new StepInProgressError(`the step is still in progress elsewhere: ${error.message}`, { cause: error });
  if (isTransient(error))
    return new TransientDependencyError(
      `transient dependency failure: ${(error as Error).name}: ${(error as Error).message}`,
      { cause: error },
    );
  return error;
};
