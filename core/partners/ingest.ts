/**
 * Partner ingestion, one function for both runtimes (the API's POST /webhooks/ingest/:partnerId locally, the
 * ingest-partner-event Lambda behind API Gateway in AWS). Order of checks: the partner is known and the request is
 * signed with its whsec_ secret within the tolerance window (constant-time compare) -> 401 otherwise, without
 * reading the payload; then the payload is `{type, data}` -> 400 otherwise; then the event is published with the
 * fixed source `partner.<id>`, so a partner can never publish as the platform -> 202.
 */
import { z } from 'zod';
import type { PlatformEvent } from '../events/order-events';
import type { EventPublisher } from '../orders/ports';
import { verifySignedRequest, WebhookSecretInvalidError, WebhookSignatureInvalidError } from '../webhooks/signing';

export const PARTNER_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const MAX_INGEST_BYTES = 256 * 1024;
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** Where partner secrets come from (Secrets Manager in both runtimes). */
export interface PartnerSecrets {
  secretOf(partnerId: string): Promise<string | undefined>;
}

export const PartnerEventSchema = z
  .object({
    type: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/, 'letters, digits, _ . - (at most 100), starting with a letter'),
    data: z.record(z.string(), z.unknown()),
  })
  .strict();

export interface IngestRequest {
  readonly partnerId: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

export interface IngestResponse {
  readonly status: 202 | 400 | 401 | 413;
  readonly body: { readonly accepted: true; readonly source: string; readonly type: string; readonly webhookId: string } | { readonly error: { readonly code: string; readonly message: string; readonly details?: readonly { path: string; message: string }[] } };
}

export interface IngestDeps {
  readonly secrets: PartnerSecrets;
  readonly publisher: EventPublisher;
  readonly nowSeconds: () => number;
  readonly toleranceSeconds?: number;
}

const refuse = (status: 400 | 401 | 413, code: string, message: string, details?: { path: string; message: string }[]): IngestResponse => ({
  status,
  body: { error: { code, message, ...(details === undefined ? {} : { details }) } },
});

export const partnerSource = (partnerId: string): string => `partner.${partnerId}`;

/** Verifies, validates and publishes one partner event; never throws for bad input, only for a failed publish. */
export const ingestPartnerEvent = async (request: IngestRequest, deps: IngestDeps): Promise<IngestResponse> => {
  if (Buffer.byteLength(request.body) > MAX_INGEST_BYTES) return refuse(413, 'PAYLOAD_TOO_LARGE', `the body may be at most ${MAX_INGEST_BYTES} bytes`);
  const secret = PARTNER_ID.test(request.partnerId) ? await deps.secrets.secretOf(request.partnerId) : undefined;
  // An unknown partner gets the same answer as a bad signature: the endpoint does not reveal who is registered.
  if (secret === undefined) return refuse(401, 'INVALID_SIGNATURE', 'the request is not signed by a registered partner');
  let webhookId: string;
  try {
    webhookId = verifySignedRequest(secret, request.headers, request.body, { nowSeconds: deps.nowSeconds(), toleranceSeconds: deps.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS }).id;
  } catch (error) {
    if (error instanceof WebhookSignatureInvalidError && error.reason === 'timestamp') return refuse(401, 'STALE_TIMESTAMP', 'webhook-timestamp is missing or outside the tolerance window');
    if (error instanceof WebhookSignatureInvalidError || error instanceof WebhookSecretInvalidError) return refuse(401, 'INVALID_SIGNATURE', 'the request is not signed by a registered partner');
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(request.body);
  } catch {
    return refuse(400, 'MALFORMED_JSON', 'the body is not valid JSON');
  }
  const parsed = PartnerEventSchema.safeParse(raw);
  if (!parsed.success) {
    return refuse(400, 'VALIDATION_FAILED', 'the event must be {type, data}', parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
  }
  const source = partnerSource(request.partnerId);
  const event: PlatformEvent<object> = { source, detailType: parsed.data.type, detail: { partnerId: request.partnerId, webhookId, data: parsed.data.data } };
  await deps.publisher.publish([event]);
  return { status: 202, body: { accepted: true, source, type: parsed.data.type, webhookId } };
};
