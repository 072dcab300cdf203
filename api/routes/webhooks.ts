/**
 * Outbound webhook endpoints of the caller: register (the whsec_ secret is answered once, never again), list,
 * read, delete, and the delivery log (attempt, status code, time).
 */
import type Router from '@koa/router';
import { z } from 'zod';
import { DynamoWebhookStore, WebhookEndpointLimitError } from '../../core/store/webhook-store';
import { presentEndpoint, RegisterWebhookRequestSchema } from '../../core/webhooks/registration';
import { generateWebhookSecret } from '../../core/webhooks/signing';
import { checkWebhookUrl, WebhookUrlRejectedError } from '../../core/webhooks/url-safety';
import type { UrlPolicy } from '../../core/webhooks/url-safety';
import { ApiError } from '../errors';
import { requireCaller } from '../middleware/auth';
import { readJsonBody } from '../middleware/json-body';
import type { AppState } from '../types';
import { parseOr400 } from './validation';

export interface WebhookRoutesDeps {
  readonly webhooks: Pick<DynamoWebhookStore, 'createEndpoint' | 'getEndpoint' | 'listEndpoints' | 'deleteEndpoint' | 'listAttempts'>;
  readonly urlPolicy: UrlPolicy;
  readonly now: () => Date;
  readonly newId: () => string;
}

const WebhookIdSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/);

export const registerWebhookRoutes = (router: Router<AppState>, deps: WebhookRoutesDeps): void => {
  const ownEndpoint = async (customerId: string, rawId: string) => {
    const id = WebhookIdSchema.safeParse(rawId);
    const endpoint = id.success ? await deps.webhooks.getEndpoint(customerId, id.data) : undefined;
    if (endpoint === undefined) throw new ApiError(404, 'NOT_FOUND', 'no such webhook');
    return endpoint;
  };

  router.post('/api/webhooks', async (ctx) => {
    const caller = requireCaller(ctx);
    const request = parseOr400(RegisterWebhookRequestSchema, await readJsonBody(ctx), 'webhook');
    try {
      checkWebhookUrl(request.url, deps.urlPolicy);
    } catch (error) {
      if (error instanceof WebhookUrlRejectedError) throw new ApiError(400, 'VALIDATION_FAILED', 'the webhook is invalid', [{ path: 'url', message: error.message }], { cause: error });
      throw error;
    }
    const endpoint = { webhookId: deps.newId(), customerId: caller.customerId, url: request.url, eventTypes: request.eventTypes, secret: generateWebhookSecret(), createdAt: deps.now().toISOString() };
    try {
      await deps.webhooks.createEndpoint(endpoint);
    } catch (error) {
      if (error instanceof WebhookEndpointLimitError) throw new ApiError(409, 'WEBHOOK_LIMIT', error.message, undefined, { cause: error });
      throw error;
    }
    ctx.status = 201;
    ctx.set('Location', `/api/webhooks/${endpoint.webhookId}`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { id: endpoint.webhookId, secret: endpoint.secret, ...presentEndpoint(endpoint) };
  });

  router.get('/api/webhooks', async (ctx) => {
    const caller = requireCaller(ctx);
    ctx.body = { items: (await deps.webhooks.listEndpoints(caller.customerId)).map((endpoint) => ({ id: endpoint.webhookId, ...presentEndpoint(endpoint) })) };
  });

  router.get('/api/webhooks/:id', async (ctx) => {
    const caller = requireCaller(ctx);
    const endpoint = await ownEndpoint(caller.customerId, ctx.params.id);
    ctx.body = { id: endpoint.webhookId, ...presentEndpoint(endpoint) };
  });

  router.delete('/api/webhooks/:id', async (ctx) => {
    const caller = requireCaller(ctx);
    const id = WebhookIdSchema.safeParse(ctx.params.id);
    if (!id.success || !(await deps.webhooks.deleteEndpoint(caller.customerId, id.data))) throw new ApiError(404, 'NOT_FOUND', 'no such webhook');
    ctx.status = 204;
  });

  router.get('/api/webhooks/:id/deliveries', async (ctx) => {
    const caller = requireCaller(ctx);
    const endpoint = await ownEndpoint(caller.customerId, ctx.params.id);
    ctx.body = { items: await deps.webhooks.listAttempts(endpoint.webhookId) };
  });
};
