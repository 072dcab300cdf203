/**
 * The errors of partner ingestion, under one base (PartnerError). A refusal names why the event was not taken
 * (code) and the HTTP status both runtimes answer with (the API route and the ingest Lambda map the same field).
 */
import { PlatformError } from '../errors';
import type { ErrorDetail, PlatformErrorOptions } from '../errors';

export abstract class PartnerError extends PlatformError {
  protected constructor(message: string, options: PlatformErrorOptions) {
    super(message, options);
  }
}

/** Why ingestion refused an event; nothing was published. */
export abstract class PartnerEventRefusedError extends PartnerError {}

/** The body is over MAX_INGEST_BYTES. */
export class PartnerEventTooLargeError extends PartnerEventRefusedError {
  constructor(maxBytes: number) {
    super(`the body may be at most ${maxBytes} bytes`, { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 });
    this.name = 'PartnerEventTooLargeError';
  }
}

/** Unknown partner, missing or wrong signature: one answer, so the endpoint does not reveal who is registered. */
export class PartnerSignatureInvalidError extends PartnerEventRefusedError {
  constructor(options?: { cause?: unknown }) {
    super('the request is not signed by a registered partner', {
      code: 'INVALID_SIGNATURE',
      httpStatus: 401,
      cause: options?.cause,
    });
    this.name = 'PartnerSignatureInvalidError';
  }
}

/** webhook-timestamp missing or outside the tolerance window (a replay or a skewed clock). */
export class PartnerTimestampStaleError extends PartnerEventRefusedError {
  constructor(options?: { cause?: unknown }) {
    super('webhook-timestamp is missing or outside the tolerance window', {
      code: 'STALE_TIMESTAMP',
      httpStatus: 401,
      cause: options?.cause,
    });
    this.name = 'PartnerTimestampStaleError';
  }
}

/** The signed body is not JSON. */
export class PartnerEventMalformedError extends PartnerEventRefusedError {
  constructor(options?: { cause?: unknown }) {
    super('the body is not valid JSON', { code: 'MALFORMED_JSON', httpStatus: 400, cause: options?.cause });
    this.name = 'PartnerEventMalformedError';
  }
}

/** The signed body is JSON but not `{type, data}`. */
/**
 * The body nests deeper than MAX_PAYLOAD_DEPTH: refused before parsing, so a deep document cannot exhaust the stack
 * of a recursive validator (a 500), nor be accepted and then fail on DynamoDB's 32-level limit in its queue.
 */
export class PartnerEventTooDeepError extends PartnerEventRefusedError {
  constructor(readonly maxDepth: number) {
    super(`the body may nest objects and arrays at most ${maxDepth} levels deep`, {
      code: 'NESTED_TOO_DEEP',
      httpStatus: 400,
    });
    this.name = 'PartnerEventTooDeepError';
  }
}

export class PartnerEventInvalidError extends PartnerEventRefusedError {
  constructor(details: readonly ErrorDetail[]) {
    super('the event must be {type, data}', { code: 'VALIDATION_FAILED', httpStatus: 400, details });
    this.name = 'PartnerEventInvalidError';
  }
}

/**
 * Another request holds a live claim on this (partner, webhook-id) and has not finished publishing it: the sender
 * retries later (any non-2xx is a retry to a Standard Webhooks sender) and then gets the duplicate answer.
 */
export class PartnerMessageInProgressError extends PartnerEventRefusedError {
  constructor(readonly retryAfterSeconds: number) {
    super('this webhook-id is being processed by another request; retry later', {
      code: 'MESSAGE_IN_PROGRESS',
      httpStatus: 409,
    });
    this.name = 'PartnerMessageInProgressError';
  }
}

/** The partner-secrets secret is not the JSON map it should be: an operator's fix, not the partner's (500). */
export class PartnerSecretsInvalidError extends PartnerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { code: 'PARTNER_SECRETS_INVALID', cause: options?.cause });
    this.name = 'PartnerSecretsInvalidError';
  }
}
