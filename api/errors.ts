/**
 * The API area's own errors (auth, routing, request shape, settings a route lacks). Domain errors need no
 * wrapping: they carry their code and HTTP status themselves (core/errors.ts) and the error middleware maps any
 * PlatformError by those fields.
 */
import { PlatformError } from '../core/errors';
import type { ErrorDetail } from '../core/errors';

/** An error the API answers with its status and code; the message is shown to the client. */
export class ApiError extends PlatformError {
  declare readonly httpStatus: number;

  constructor(
    status: number,
    code: string,
    message: string,
    details?: readonly ErrorDetail[],
    options?: { cause?: unknown },
  ) {
    super(message, { code, httpStatus: status, ...(details === undefined ? {} : { details }), cause: options?.cause });
    this.name = 'ApiError';
  }
}

/** A route whose setting the API was started without (RECEIPTS_BUCKET, PARTNER_SECRETS_ARN): 503 naming the key. */
export class ApiNotConfiguredError extends ApiError {
  constructor(readonly key: string) {
    super(503, 'NOT_CONFIGURED', `the API was started without ${key}`);
    this.name = 'ApiNotConfiguredError';
  }
}
