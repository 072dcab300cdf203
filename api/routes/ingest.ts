/**
 * POST /webhooks/ingest/:partnerId, served by the API locally (in AWS by the ingest-partner-event Lambda behind
 * API Gateway): the raw body as sent, because the signature covers the exact bytes. Public: the partner's
 * signature is the authentication. A refusal of core/partners/ingest.ts answers by its class (code and status); a
 * webhook-id already published answers 200 without publishing again.
 */
import Router from '@koa/router';
import { z } from 'zod';
import { ingestPartnerEvent, MAX_INGEST_BYTES, PartnerEventSchema } from '../../core/partners/ingest';
import type { IngestDeps, PartnerSecrets } from '../../core/partners/ingest';
import { PartnerMessageInProgressError } from '../../core/partners/errors';
import { ApiError, ApiNotConfiguredError } from '../errors';
import type { AppState } from '../types';
import { errorAnswer, on } from './route-doc';
import type { RouteDoc } from './route-doc';

export interface IngestRouterDeps extends Omit<IngestDeps, 'secrets'> {
  /** Undefined when the API was started without PARTNER_SECRETS_ARN (the route answers 503). */
  readonly secrets: PartnerSecrets | undefined;
}

export const INGEST_ROUTES = {
  ingest: {
    method: 'post',
    path: '/webhooks/ingest/:partnerId',
    summary:
      'Partner events {type, data}, signed the Standard Webhooks way with the partner secret; published under partner.<id>',
    public: true,
    params: z.object({ partnerId: z.string() }),
    headers: z.object({ 'webhook-id': z.string(), 'webhook-timestamp': z.string(), 'webhook-signature': z.string() }),
    body: PartnerEventSchema,
    responses: {
      200: {
        description: 'a replay or retry of a webhook-id already published: nothing is published again',
        body: z.object({
          accepted: z.literal(true),
          duplicate: z.literal(true),
          source: z.string(),
          type: z.string(),
          webhookId: z.string(),
        }),
      },
      202: {
        description: 'published',
        body: z.object({
          accepted: z.literal(true),
          duplicate: z.literal(false),
          source: z.string(),
          type: z.string(),
          webhookId: z.string(),
        }),
      },
      400: errorAnswer('not {type, data}'),
      401: errorAnswer('bad signature or stale timestamp'),
      409: errorAnswer('another request is publishing this webhook-id; retry after Retry-After seconds'),
      413: errorAnswer('body over 256 KB'),
      503: errorAnswer('the API was started without PARTNER_SECRETS_ARN'),
    },
  },
} as const satisfies Record<string, RouteDoc>;

const tooLarge = () => new ApiError(413, 'PAYLOAD_TOO_LARGE', `the body may be at most ${MAX_INGEST_BYTES} bytes`);

/** Without PARTNER_SECRETS_ARN the lookup, not the route, fails: the checks before it (size, partner id) still answer first. */
const NOT_CONFIGURED: PartnerSecrets = {
  secretOf: () => Promise.reject(new ApiNotConfiguredError('PARTNER_SECRETS_ARN')),
};

export const ingestRouter = (deps: IngestRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  on(router, INGEST_ROUTES.ingest, async (ctx) => {
    const declared = ctx.get('content-length');
    if (declared !== '' && Number(declared) > MAX_INGEST_BYTES) throw tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += buffer.length;
      if (size > MAX_INGEST_BYTES) throw tooLarge();
      chunks.push(buffer);
    }
    const headers: Record<string, string | undefined> = {};
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'])
      headers[name] = ctx.get(name) || undefined;
    const outcome = await ingestPartnerEvent(
      { partnerId: ctx.params.partnerId, headers, body: Buffer.concat(chunks).toString('utf8') },
      { ...deps, secrets: deps.secrets ?? NOT_CONFIGURED },
    );
    if (!outcome.accepted) {
      ctx.state.logger?.warn('partner event refused', {
        partnerId: ctx.params.partnerId,
        status: outcome.refusal.httpStatus,
        code: outcome.refusal.code,
      });
      if (outcome.refusal instanceof PartnerMessageInProgressError)
        ctx.set('retry-after', String(outcome.refusal.retryAfterSeconds));
      throw outcome.refusal;
    }
    // Standard Webhooks: any 2xx stops the sender's retries; 200 tells a replay from a first delivery (202).
    ctx.status = outcome.duplicate ? 200 : 202;
    ctx.body = outcome;
  });
  return router;
};
