/**
 * Partner ingestion, one function for both runtimes (the API's POST /webhooks/ingest/:partnerId locally, the
 * ingest-partner-event Lambda behind API Gateway in AWS). Order of checks: the partner is known and the request is
 * signed with its whsec_ secret within the tolerance window (constant-time compare), refused otherwise without
 * reading the payload; then the payload is `{type, data}`, refused otherwise; then the event is published with the
 * fixed source `partner.<id>`, so a partner can never publish as the platform. A signed message is published once
 * per (partner, webhook-id): a replay within the tolerance window, or a sender's retry, is answered as a duplicate
 * (2xx, so the sender stops) without publishing again, as Standard Webhooks expects of receivers. It answers a
 * domain outcome; each runtime turns a refusal into its HTTP answer from the refusal's code and status (./errors.ts).
 */
import { z } from 'zod';
import type { PlatformEvent } from '../events/order-events';
import type { EventPublisher } from '../orders/ports';
import { verifySignedRequest, WebhookSecretInvalidError, WebhookSignatureInvalidError } from '../webhooks/signing';
import {
  PartnerEventInvalidError,
  PartnerEventMalformedError,
  PartnerEventTooDeepError,
  PartnerEventTooLargeError,
  PartnerMessageInProgressError,
  PartnerSignatureInvalidError,
  PartnerTimestampStaleError,
} from './errors';
import type { PartnerEventRefusedError } from './errors';

export const PARTNER_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const MAX_INGEST_BYTES = 256 * 1024;
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;
/**
 * Levels of objects and arrays a body may nest. DynamoDB refuses an item nested deeper than 32; the events log stores
 * the partner's `data` inside the event's detail inside its item, so 24 leaves room for that envelope.
 */
export const MAX_PAYLOAD_DEPTH = 24;
/** The longest webhook-id taken: it becomes part of a DynamoDB key (at most 2048 bytes). */
export const MAX_WEBHOOK_ID_LENGTH = 256;

/** The deepest nesting of `{`/`[` in a JSON text, strings skipped; linear, no recursion, stops once past `limit`. */
export const jsonDepthExceeds = (text: string, limit: number): boolean => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return false;
};

/** Where partner secrets come from (Secrets Manager in both runtimes). */
export interface PartnerSecrets {
  secretOf(partnerId: string): Promise<string | undefined>;
}

/** How long a claim on a message holds before another request may take it over (a publish takes seconds at most). */
export const MESSAGE_LEASE_SECONDS = 30;

/** What `claim` found: the message is this request's to publish, was published already, or another request holds it. */
export type MessageClaim = 'claimed' | 'published' | 'in-progress';

/**
 * The partner messages taken, by (partnerId, webhook-id) — Standard Webhooks' idempotency key. A message is claimed
 * before it is published and marked published after, so a crash between the two leaves a claim that expires (the
 * sender's retry then publishes), never a message answered as a duplicate that was not published.
 */
export interface PartnerMessageLedger {
  /**
   * Claims a message unless it was published or another live claim holds it. `leaseUntil` ends this claim,
   * `expiresAt` (epoch seconds, the table's TTL) is when the record may go: past the tolerance window, where a
   * replay is refused by its timestamp anyway.
   */
  claim(
    partnerId: string,
    webhookId: string,
    times: { readonly now: number; readonly leaseUntil: number; readonly expiresAt: number },
  ): Promise<MessageClaim>;
  markPublished(partnerId: string, webhookId: string): Promise<void>;
  /** Gives the claim up after a failed publish, so the sender's retry publishes at once. */
  release(partnerId: string, webhookId: string): Promise<void>;
}

export const PartnerEventSchema = z
  .object({
    type: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/, 'letters, digits, _ . - (at most 100), starting with a letter'),
    data: z.record(z.string(), z.unknown()),
  })
  .strict();

export interface IngestRequest {
  readonly partnerId: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** What became of an event: published, or refused with the reason (a PartnerEventRefusedError, whose code and status the caller answers with). */
export type IngestOutcome =
  | {
      readonly accepted: true;
      readonly source: string;
      readonly type: string;
      readonly webhookId: string;
      /** true when this webhook-id was published before: nothing was published now. */
      readonly duplicate: boolean;
    }
  | { readonly accepted: false; readonly refusal: PartnerEventRefusedError };

export interface IngestDeps {
  readonly secrets: PartnerSecrets;
  readonly publisher: EventPublisher;
  readonly messages: PartnerMessageLedger;
  readonly nowSeconds: () => number;
  readonly toleranceSeconds?: number;
}

const refuse = (refusal: PartnerEventRefusedError): IngestOutcome => ({ accepted: false, refusal });

export const partnerSource = (partnerId: string): string => `partner.${partnerId}`;

/** Verifies, validates and publishes one partner event; never throws for bad input, only for a failed publish. */
export const ingestPartnerEvent = async (request: IngestRequest, deps: IngestDeps): Promise<IngestOutcome> => {
  if (Buffer.byteLength(request.body) > MAX_INGEST_BYTES)
    return refuse(new PartnerEventTooLargeError(MAX_INGEST_BYTES));
  const secret = PARTNER_ID.test(request.partnerId) ? await deps.secrets.secretOf(request.partnerId) : undefined;
  // An unknown partner gets the same answer as a bad signature: the endpoint does not reveal who is registered.
  if (secret === undefined) return refuse(new PartnerSignatureInvalidError());
  let webhookId: string;
  try {
    webhookId = verifySignedRequest(secret, request.headers, request.body, {
      nowSeconds: deps.nowSeconds(),
      toleranceSeconds: deps.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
    }).id;
  } catch (error) {
    if (error instanceof WebhookSignatureInvalidError && error.reason === 'timestamp')
      return refuse(new PartnerTimestampStaleError({ cause: error }));
    if (error instanceof WebhookSignatureInvalidError || error instanceof WebhookSecretInvalidError)
      return refuse(new PartnerSignatureInvalidError({ cause: error }));
    throw error;
  }
  if (jsonDepthExceeds(request.body, MAX_PAYLOAD_DEPTH)) return refuse(new PartnerEventTooDeepError(MAX_PAYLOAD_DEPTH));
  let raw: unknown;
  try {
    raw = JSON.parse(request.body);
  } catch (cause) {
    return refuse(new PartnerEventMalformedError({ cause }));
  }
  const parsed = PartnerEventSchema.safeParse(raw);
  if (!parsed.success) {
    return refuse(
      new PartnerEventInvalidError(
        parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      ),
    );
  }
  if (webhookId.length > MAX_WEBHOOK_ID_LENGTH)
    return refuse(
      new PartnerEventInvalidError([{ path: 'webhook-id', message: `at most ${MAX_WEBHOOK_ID_LENGTH} characters` }]),
    );
  const source = partnerSource(request.partnerId);
  const accepted = { accepted: true, source, type: parsed.data.type, webhookId } as const;
  const now = deps.nowSeconds();
  const tolerance = deps.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  // A timestamp up to `tolerance` ahead is accepted until `tolerance` after it: the record outlives both.
  const claim = await deps.messages.claim(request.partnerId, webhookId, {
    now,
    leaseUntil: now + MESSAGE_LEASE_SECONDS,
    expiresAt: now + 2 * tolerance + MESSAGE_LEASE_SECONDS,
  });
  if (claim === 'published') return { ...accepted, duplicate: true };
  if (claim === 'in-progress') return refuse(new PartnerMessageInProgressError(MESSAGE_LEASE_SECONDS));
  const event: PlatformEvent<object> = {
    source,
    detailType: parsed.data.type,
    detail: { partnerId: request.partnerId, webhookId, data: parsed.data.data },
  };
  try {
    await deps.publisher.publish([event]);
  } catch (error) {
    // The claim expires anyway; giving it back lets the sender's next retry publish without waiting for the lease.
    await deps.messages.release(request.partnerId, webhookId).catch(() => undefined);
    throw error;
  }
  await deps.messages.markPublished(request.partnerId, webhookId);
  return { ...accepted, duplicate: false };
};
