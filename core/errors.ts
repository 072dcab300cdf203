/**
 * The root of the platform's own errors. Each area has one base class below it (OrderError, SagaError,
 * PartnerError, WebhookError, ConfigError, ApiError, ...) so a caller can catch an area, and every error carries
 * a stable `code` and, where the failure is the caller's to fix or a dependency's to recover, the HTTP status it
 * answers with. The API's error middleware maps by these fields, so a new subclass of a base with a status can
 * never fall through to a 500 by omission.
 *
 * `name` is set by every concrete class with a string literal, never derived from the constructor: bundles are
 * minified, and the saga's `error.name` is the contract with the ASL's Retry/Catch `ErrorEquals`.
 */

/** One violated rule of an input: where (`items.0.quantity`) and what. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

export interface PlatformErrorOptions {
  /** Stable, machine-readable, SCREAMING_SNAKE: what clients branch on. */
  readonly code: string;
  /** The HTTP status this error answers with; absent for an internal failure (the API answers 500, message hidden). */
  readonly httpStatus?: number;
  /** Per-field violations, shown to the client with a 4xx. */
  readonly details?: readonly ErrorDetail[];
  /** The message a client sees when it differs from the one logged (which may hold internals). */
  readonly publicMessage?: string;
  readonly cause?: unknown;
}

export abstract class PlatformError extends Error {
  readonly code: string;
  readonly httpStatus: number | undefined;
  readonly details: readonly ErrorDetail[] | undefined;
  readonly publicMessage: string;

  protected constructor(message: string, options: PlatformErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.httpStatus = options.httpStatus;
    this.details = options.details;
    this.publicMessage = options.publicMessage ?? message;
  }
}
