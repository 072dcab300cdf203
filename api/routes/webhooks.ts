/**
 * /api/webhooks: outbound webhook endpoints of the caller: register (the whsec_ secret is answered once, never
 * again), list, read, delete, and the delivery log (attempt, status code, time).
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { DynamoWebhookStore } from '../../core/store/webhook-store';
import { presentEndpoint, RegisterWebhookRequestSchema } from '../../core/webhooks/registration';
import { generateWebhookSecret } from '../../core/webhooks/signing';
import { checkWebhookUrl } from '../../core/webhooks/url-safety';
import type { UrlPolicy } from '../../core/webhooks/url-safety';
import { ApiError } from '../errors';
import { requireCaller } from '../middleware/auth';
import { readJsonBody } from '../middleware/json-body';
import type { AppState } from '../types';
import { errorAnswer, IdParams, on, UlidSchema } from './route-doc';
import type { RouteDoc } from './route-doc';
import { parseOr400 } from './validation';

export interface WebhooksRouterDeps {
  readonly webhooks: Pick<
    DynamoWebhookStore,
    'createEndpoint' | 'getEndpoint' | 'listEndpoints' | 'deleteEndpoint' | 'listAttempts'
  >;
  readonly urlPolicy: UrlPolicy;
  readonly now: () => Date;
  readonly newId: () => string;
}

const EndpointSchema = z.object({
  id: z.string(),
  webhookId: z.string(),
  customerId: z.string(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  createdAt: z.string(),
});
const DeliveryAttemptSchema = z.object({
  webhookId: z.string(),
  deliveryId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  attempt: z.number().int(),
  statusCode: z.number().int().optional(),
  ok: z.boolean(),
  error: z.string().optional(),
  durationMs: z.number().int(),
  at: z.string(),
});

export const WEBHOOKS_ROUTES = {
  register: {
    method: 'post',
    path: '/api/webhooks',
    summary: 'Register a webhook endpoint; the whsec_ signing secret is in this answer only',
    body: RegisterWebhookRequestSchema,
    responses: {
      201: { description: 'registered', body: EndpointSchema.extend({ secret: z.string().regex(/^whsec_/) }) },
      400: errorAnswer('invalid url or event types'),
      409: errorAnswer('too many endpoints'),
    },
  },
  list: {
    method: 'get',
    path: '/api/webhooks',
    summary: "The caller's webhook endpoints",
    responses: { 200: { description: 'endpoints', body: z.object({ items: z.array(EndpointSchema) }) } },
  },
  get: {
    method: 'get',
    path: '/api/webhooks/:id',
    summary: 'One endpoint of the caller',
    params: IdParams,
    responses: { 200: { description: 'the endpoint', body: EndpointSchema }, 404: errorAnswer('no such endpoint') },
  },
  delete: {
    method: 'delete',
    path: '/api/webhooks/:id',
    summary: 'Delete an endpoint; queued deliveries to it are dropped',
    params: IdParams,
    responses: { 204: { description: 'deleted' }, 404: errorAnswer('no such endpoint') },
  },
  deliveries: {
    method: 'get',
    path: '/api/webhooks/:id/deliveries',
    summary: 'Delivery attempts to the endpoint, newest first (attempt, status code, time)',
    params: IdParams,
    responses: {
      200: { description: 'attempts', body: z.object({ items: z.array(DeliveryAttemptSchema) }) },
      404: errorAnswer('no such endpoint'),
    },
  },
} as const satisfies Record<string, RouteDoc>;

export const webhooksRouter = (deps: WebhooksRouterDeps): Router<AppState> => {
  const router = new Router<AppState>();
  const ownEndpoint = async (customerId: string, rawId: string) => {
    const id = UlidSchema.safeParse(rawId);
    const endpoint = id.success ? await deps.webhooks.getEndpoint(customerId, id.data) : undefined;
    if (endpoint === undefined) throw new ApiError(404, 'NOT_FOUND', 'no such webhook');
    return endpoint;
  };

  on(router, WEBHOOKS_ROUTES.register, async (ctx) => {
    const caller = requireCaller(ctx);
    const request = parseOr400(RegisterWebhookRequestSchema, await readJsonBody(ctx), 'webhook');
    // WebhookUrlRejectedError (400 on `url`) and WebhookEndpointLimitError (409) answer by their class.
    checkWebhookUrl(request.url, deps.urlPolicy);
    const endpoint = {
      webhookId: deps.newId(),
      customerId: caller.customerId,
      url: request.url,
      eventTypes: request.eventTypes,
      secret: generateWebhookSecret(),
      createdAt: deps.now().toISOString(),
    };
    await deps.webhooks.createEndpoint(endpoint);
    ctx.status = 201;
    ctx.set('Location', `/api/webhooks/${endpoint.webhookId}`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { id: endpoint.webhookId, secret: endpoint.secret, ...presentEndpoint(endpoint) };
  });

  on(router, WEBHOOKS_ROUTES.list, async (ctx) => {
    const caller = requireCaller(ctx);
    ctx.body = {
      items: (await deps.webhooks.listEndpoints(caller.customerId)).map((endpoint) => ({
        id: endpoint.webhookId,
        ...presentEndpoint(endpoint),
      })),
    };
  });

  on(router, WEBHOOKS_ROUTES.get, async (ctx) => {
    const caller = requireCaller(ctx);
    const endpoint = await ownEndpoint(caller.customerId, ctx.params.id);
    ctx.body = { id: endpoint.webhookId, ...presentEndpoint(endpoint) };
  });

  on(router, WEBHOOKS_ROUTES.delete, async (ctx) => {
    const caller = requireCaller(ctx);
    const id = UlidSchema.safeParse(ctx.params.id);
    if (!id.success || !(await deps.webhooks.deleteEndpoint(caller.customerId, id.data)))
      throw new ApiError(404, 'NOT_FOUND', 'no such webhook');
    ctx.status = 204;
  });

  on(router, WEBHOOKS_ROUTES.deliveries, async (ctx) => {
    const caller = requireCaller(ctx);
    const endpoint = await ownEndpoint(caller.customerId, ctx.params.id);
    ctx.body = { items: await deps.webhooks.listAttempts(endpoint.webhookId) };
  });

  return router;
};
