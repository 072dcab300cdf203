/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the headers webhook-id, webhook-timestamp and
 * webhook-signature `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the base64 part of a `whsec_`
 * secret. Used for our outbound deliveries and to verify partners' inbound events. The signature itself comes from
 * the `standardwebhooks` library (the specification's reference implementation); this module adds our policy: a
 * tolerance window against an injectable clock, several space-separated signatures, a constant-time compare.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { WebhookError } from './errors';

export const SECRET_PREFIX = 'whsec_';

export class WebhookSecretInvalidError extends WebhookError {
  constructor(message: string) {
    super(message, { code: 'WEBHOOK_SECRET_INVALID' });
    this.name = 'WebhookSecretInvalidError';
  }
}

export class WebhookSignatureInvalidError extends WebhookError {
  constructor(
    message: string,
    /** `signature` for a missing or wrong signature, `timestamp` for one outside the tolerance window. */
    readonly reason: 'headers' | 'signature' | 'timestamp',
  ) {
    super(message, { code: 'WEBHOOK_SIGNATURE_INVALID' });
    this.name = 'WebhookSignatureInvalidError';
  }
}

export interface SignedHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** A new `whsec_` secret: 32 random bytes, base64. */
export const generateWebhookSecret = (): string => `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;

/** The library's signer for a `whsec_` secret of at least 16 random bytes. */
const signer = (secret: string): Webhook => {
  if (!secret.startsWith(SECRET_PREFIX))
    throw new WebhookSecretInvalidError(`a signing secret starts with ${SECRET_PREFIX}`);
  const encoded = secret.slice(SECRET_PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 16 || key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, ''))
    throw new WebhookSecretInvalidError('a signing secret is whsec_ followed by at least 16 base64 bytes');
  return new Webhook(secret);
};

/** The `v1,<base64>` signature of `id.timestamp.body`. */
export const signPayload = (secret: string, id: string, timestampSeconds: number, body: string): string =>
  signer(secret).sign(id, new Date(timestampSeconds * 1000), body);

/** The three headers of a signed delivery. */
export const signedHeaders = (secret: string, id: string, timestampSeconds: number, body: string): SignedHeaders => ({
  'webhook-id': id,
  'webhook-timestamp': String(timestampSeconds),
  'webhook-signature': signPayload(secret, id, timestampSeconds, body),
});

export interface VerifyOptions {
  readonly nowSeconds: number;
  /** How far the timestamp may lie from now, either way; the specification suggests 5 minutes. */
  readonly toleranceSeconds: number;
}

/**
 * Verifies a signed request: the timestamp within the tolerance window, then any of the space-separated `v1,`
 * signatures equal to ours, compared in constant time. Throws WebhookSignatureInvalidError otherwise.
 */
export const verifySignedRequest = (
  secret: string,
  headers: Readonly<Record<string, string | undefined>>,
  body: string,
  options: VerifyOptions,
): { id: string; timestamp: number } => {
  const id = headers['webhook-id'];
  const timestampText = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestampText || !signatures)
    throw new WebhookSignatureInvalidError(
      'webhook-id, webhook-timestamp and webhook-signature are required',
      'headers',
    );
  if (!/^\d{1,12}$/.test(timestampText))
    throw new WebhookSignatureInvalidError('webhook-timestamp must be integer seconds since the epoch', 'timestamp');
  const timestamp = Number(timestampText);
  if (Math.abs(options.nowSeconds - timestamp) > options.toleranceSeconds)
    throw new WebhookSignatureInvalidError('webhook-timestamp is outside the tolerance window', 'timestamp');
  const expected = Buffer.from(signPayload(secret, id, timestamp, body).slice('v1,'.length), 'base64');
  for (const candidate of signatures.split(' ')) {
    const [version, encoded] = candidate.split(',', 2);
    if (version !== 'v1' || encoded === undefined) continue;
    const given = Buffer.from(encoded, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { id, timestamp };
  }
  throw new WebhookSignatureInvalidError('no signature matches', 'signature');
};

/**
 * The webhook-id of a delivery: the same for every retry and redrive of one (event, endpoint), so receivers can
 * deduplicate, and different for every other pair.
 */
export const deliveryId = (eventId: string, endpointId: string): string => `msg_${eventId}_${endpointId}`;
