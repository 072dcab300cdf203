/**
 * POST /webhooks/ingest/:partnerId, served by the API locally (in AWS by the ingest-partner-event Lambda behind
 * API Gateway): the raw body as sent, because the signature covers the exact bytes. Public: the partner's
 * signature is the authentication.
 */
import type Router from '@koa/router';
import { ingestPartnerEvent, MAX_INGEST_BYTES } from '../../core/partners/ingest';
import type { IngestDeps } from '../../core/partners/ingest';
import { ApiError } from '../errors';
import type { AppState } from '../types';

export const INGEST_PATH = '/webhooks/ingest/:partnerId';

export const registerIngestRoutes = (router: Router<AppState>, deps: IngestDeps): void => {
  router.post(INGEST_PATH, async (ctx) => {
    const declared = ctx.get('content-length');
    if (declared !== '' && Number(declared) > MAX_INGEST_BYTES) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `the body may be at most ${MAX_INGEST_BYTES} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += buffer.length;
      if (size > MAX_INGEST_BYTES) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `the body may be at most ${MAX_INGEST_BYTES} bytes`);
      chunks.push(buffer);
    }
    const headers: Record<string, string | undefined> = {};
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) headers[name] = ctx.get(name) || undefined;
    const response = await ingestPartnerEvent({ partnerId: ctx.params.partnerId, headers, body: Buffer.concat(chunks).toString('utf8') }, deps);
    if (response.status !== 202) ctx.state.logger?.warn('partner event refused', { partnerId: ctx.params.partnerId, status: response.status });
    ctx.status = response.status;
    ctx.body = response.body;
  });
};
