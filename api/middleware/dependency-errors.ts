/**
 * Tells a dependency's failure (DynamoDB, EventBridge, S3, SQS, X-Ray, Secrets Manager unreachable, throttling or
 * failing on its side) from our own bug, so the API answers 503 with Retry-After instead of 500. Classified by the
 * SDK v3 error's shape, not by a list of operations: `$fault: 'server'` or a 5xx status, the throttling error
 * names AWS documents, and Node's network error codes (the SDK rethrows them after its retries). A cause chain is
 * followed, since adapters wrap SDK errors in internal platform errors that carry no status.
 */

/** Throttling errors of the AWS services we call (4xx by HTTP status, but the dependency's to recover from). */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionInProgressException',
  'SlowDown',
  'LimitExceededException',
]);

/** Node's errors for a peer that is gone, refuses, resets or never answers. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'AbortError']);

/**
 * The SDK's retry middleware wraps a thrown value it does not see as an Error (an Error of another realm, as under
 * jest's VM contexts) into `AWS SDK error wrapper for Error: connect ECONNREFUSED ...`, dropping `code`: the
 * network code is then only in the message of an error that carries the SDK's `$metadata`.
 */
const NETWORK_MESSAGE = new RegExp(`\\b(${[...NETWORK_CODES].join('|')})\\b`);

interface SdkShape {
  readonly message?: unknown;
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly cause?: unknown;
  readonly errors?: unknown;
}

const isDependencyFailureItself = (error: SdkShape): boolean => {
  if (typeof error.name === 'string' && (THROTTLING.has(error.name) || NETWORK_NAMES.has(error.name))) return true;
  if (typeof error.code === 'string' && NETWORK_CODES.has(error.code)) return true;
  if (error.$fault === 'server') return true;
  if (error.$metadata !== undefined && typeof error.message === 'string' && NETWORK_MESSAGE.test(error.message))
    return true;
  const status = error.$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 500;
};

/**
 * True when the error, or one of its causes (AggregateError members included), is a dependency that is
 * unreachable, throttling or failing on its side. Bounded depth: a cyclic cause chain cannot hang a request.
 */
export const isDependencyFailure = (error: unknown, depth = 0): boolean => {
  if (depth > 8 || error === null || typeof error !== 'object') return false;
  const shape = error as SdkShape;
  if (isDependencyFailureItself(shape)) return true;
  if (Array.isArray(shape.errors) && shape.errors.some((inner) => isDependencyFailure(inner, depth + 1))) return true;
  return isDependencyFailure(shape.cause, depth + 1);
};

/** Seconds a client is asked to wait before retrying a request that met a dependency failure. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;
