/**
 * /api/webhooks: outbound webhook endpoints of the caller: register (the whsec_ secret is answered once, never
 * again), list, read (with the endpoint's health: healthy / failing / disabled, its circuit, last error and next
 * attempt), delete, re-enable (after a 410 disabled it, or to close an open circuit now), its deliveries (state,
 * attempts, last status, next attempt) and resending one of them. Every route is the caller's own endpoints only.
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { DynamoWebhookStore } from '../../core/store/webhook-store';
import { HEALTHY, presentHealth } from '../../core/webhooks/endpoint-health';
import type { EndpointHealth } from '../../core/webhooks/endpoint-health';
import { presentEndpoint, RegisterWebhookRequestSchema } from '../../core/webhooks/registration';
import type { DeliveryMessage, DeliveryRecord, WebhookEndpoint } from '../../core/webhooks/registration';
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

/** Where a resent delivery goes: the webhook-deliveries queue (api/adapters/webhook-delivery-queue.ts). */
export interface DeliveryQueue {
  queue(message: DeliveryMessage): Promise<void>;
}

export interface WebhooksRouterDeps {
  readonly webhooks: Pick<
    DynamoWebhookStore,
    | 'createEndpoint'
    | 'getEndpoint'
    | 'listEndpoints'
    | 'deleteEndpoint'
    | 'listDeliveries'
    | 'getDelivery'
    | 'saveHealth'
  >;
  readonly deliveries: DeliveryQueue;
  readonly urlPolicy: UrlPolicy;
  readonly now: () => Date;
  readonly newId: () => string;
}

const HealthSchema = z.object({
  status: z.enum(['healthy', 'failing', 'disabled']),
  circuit: z.enum(['closed', 'open', 'half-open']),
  consecutiveFailures: z.number().int(),
  lastError: z.string().optional(),
  lastStatusCode: z.number().int().optional(),
  lastFailureAt: z.string().optional(),
  nextAttemptAt: z.string().optional().describe('while paused (circuit open or Retry-After): the next attempt'),
  disabledAt: z.string().optional(),
  disabledReason: z.string().optional(),
});
const EndpointSchema = z.object({
  id: z.string(),
  webhookId: z.string(),
  customerId: z.string(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  createdAt: z.string(),
  health: HealthSchema,
});
const DeliverySchema = z.object({
  deliveryId: z.string().describe('the webhook-id header of every attempt'),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  failureReason: z.enum(['schedule-exhausted', 'too-old', 'endpoint-gone', 'endpoint-disabled']).optional(),
  attempts: z.number().int(),
  lastAttemptAt: z.string().optional(),
  lastStatusCode: z.number().int().optional(),
  lastError: z.string().optional(),
  nextAttemptAt: z.string().optional(),
  deliveredAt: z.string().optional(),
  resends: z.number().int(),
  attemptLog: z.array(
    z.object({
      attempt: z.number().int(),
      at: z.string(),
      statusCode: z.number().int().optional(),
      error: z.string().optional(),
      durationMs: z.number().int(),
    }),
  ),
});
const DeliveryParams = z.object({ id: z.string(), deliveryId: z.string() });
/**
 * `msg_<eventId>_<webhookId>` (core/webhooks/signing.ts deliveryId): the webhook id a ULID, the event id an order
 * event's `<orderId>-<status>` (orderStatusEventId: a ULID, `-`, lowercase letters and `_`) or a ULID.
 */
const DELIVERY_ID = /^msg_[0-9A-HJKMNP-TV-Z]{26}(?:-[a-z_]{1,40})?_[0-9A-HJKMNP-TV-Z]{26}$/;

/** The endpoint as the owner sees it: never the secret, with its health. */
const endpointView = (endpoint: WebhookEndpoint, now: Date) => ({
  id: endpoint.webhookId,
  ...presentEndpoint(endpoint),
  health: presentHealth(endpoint.health ?? HEALTHY, now.getTime()),
});

const deliveryView = (record: DeliveryRecord) => ({
  deliveryId: record.deliveryId,
  eventId: record.eventId,
  eventType: record.eventType,
  status: record.status,
  ...(record.failureReason === undefined ? {} : { failureReason: record.failureReason }),
  attempts: record.attempts,
  ...(record.lastAttemptAt === undefined ? {} : { lastAttemptAt: record.lastAttemptAt }),
  ...(record.lastStatusCode === undefined ? {} : { lastStatusCode: record.lastStatusCode }),
  ...(record.lastError === undefined ? {} : { lastError: record.lastError }),
  ...(record.nextAttemptAt === undefined || record.status !== 'pending' ? {} : { nextAttemptAt: record.nextAttemptAt }),
  ...(record.deliveredAt === undefined ? {} : { deliveredAt: record.deliveredAt }),
  resends: record.round,
  attemptLog: record.attemptLog.map((entry) => ({ ...entry, durationMs: Math.round(entry.durationMs) })),
});

/** Tries of the conditional health write when re-enabling races a delivery's own write. */
const ENABLE_TRIES = 3;

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
  enable: {
    method: 'post',
    path: '/api/webhooks/:id/enable',
    summary:
      'Re-enable the endpoint: clears a 410 disable, closes its circuit and forgets its failures; paused deliveries go at their next turn',
    params: IdParams,
    responses: {
      200: { description: 'the endpoint, healthy again', body: EndpointSchema },
      404: errorAnswer('no such endpoint'),
      409: errorAnswer('its health changed meanwhile several times; try again'),
    },
  },
  deliveries: {
    method: 'get',
    path: '/api/webhooks/:id/deliveries',
    summary:
      'Deliveries to the endpoint, newest event first: state (pending, delivered, failed), attempts, last status and error, next attempt',
    params: IdParams,
    responses: {
      200: { description: 'deliveries', body: z.object({ items: z.array(DeliverySchema) }) },
      404: errorAnswer('no such endpoint'),
    },
  },
  resend: {
    method: 'post',
    path: '/api/webhooks/:id/deliveries/:deliveryId/resend',
    summary:
      'Send a delivery again, whatever its state: a new round of the retry schedule under the same webhook-id (receivers deduplicate on it)',
    params: DeliveryParams,
    responses: {
      202: {
        description: 'queued',
        body: z.object({ deliveryId: z.string(), round: z.number().int() }),
      },
      404: errorAnswer('no such endpoint or delivery'),
      409: errorAnswer('the endpoint is disabled: re-enable it first'),
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
    ctx.body = { secret: endpoint.secret, ...endpointView(endpoint, deps.now()) };
  });

  on(router, WEBHOOKS_ROUTES.list, async (ctx) => {
    const caller = requireCaller(ctx);
    const now = deps.now();
    ctx.body = {
      items: (await deps.webhooks.listEndpoints(caller.customerId)).map((endpoint) => endpointView(endpoint, now)),
    };
  });

  on(router, WEBHOOKS_ROUTES.get, async (ctx) => {
    const caller = requireCaller(ctx);
    const endpoint = await ownEndpoint(caller.customerId, ctx.params.id);
    ctx.body = endpointView(endpoint, deps.now());
  });

  on(router, WEBHOOKS_ROUTES.delete, async (ctx) => {
    const caller = requireCaller(ctx);
    const id = UlidSchema.safeParse(ctx.params.id);
    if (!id.success || !(await deps.webhooks.deleteEndpoint(caller.customerId, id.data)))
      throw new ApiError(404, 'NOT_FOUND', 'no such webhook');
    ctx.status = 204;
  });

  on(router, WEBHOOKS_ROUTES.enable, async (ctx) => {
    const caller = requireCaller(ctx);
    let endpoint = await ownEndpoint(caller.customerId, ctx.params.id);
    for (let attempt = 1; attempt <= ENABLE_TRIES; attempt += 1) {
      const health = endpoint.health ?? HEALTHY;
      // A fresh health under a newer version: every deliverer's breaker of this endpoint is rebuilt from it (closed).
      const fresh: EndpointHealth = { version: health.version + 1 };
      if (await deps.webhooks.saveHealth(caller.customerId, endpoint.webhookId, health.version, fresh)) {
        ctx.body = endpointView({ ...endpoint, health: fresh }, deps.now());
        return;
      }
      endpoint = await ownEndpoint(caller.customerId, ctx.params.id);
    }
    throw new ApiError(409, 'HEALTH_CHANGING', 'the endpoint health changed meanwhile; try again');
  });

  on(router, WEBHOOKS_ROUTES.deliveries, async (ctx) => {
    const caller = requireCaller(ctx);
    const endpoint = await ownEndpoint(caller.customerId, ctx.params.id);
    ctx.body = { items: (await deps.webhooks.listDeliveries(endpoint.webhookId)).map(deliveryView) };
  });

  on(router, WEBHOOKS_ROUTES.resend, async (ctx) => {
    const caller = requireCaller(ctx);
    const endpoint = await ownEndpoint(caller.customerId, ctx.params.id);
    const deliveryId = String(ctx.params.deliveryId);
    const record = DELIVERY_ID.test(deliveryId)
      ? await deps.webhooks.getDelivery(endpoint.webhookId, deliveryId)
      : undefined;
    if (record === undefined || record.customerId !== caller.customerId)
      throw new ApiError(404, 'NOT_FOUND', 'no such delivery');
    if (endpoint.health?.disabledAt !== undefined)
      throw new ApiError(409, 'ENDPOINT_DISABLED', 'the endpoint is disabled; re-enable it first');
    // No write here: the next round's message supersedes older ones, and deliver-webhook records it at its attempt.
    const round = record.round + 1;
    await deps.deliveries.queue({
      customerId: record.customerId,
      webhookId: record.webhookId,
      deliveryId: record.deliveryId,
      eventId: record.eventId,
      eventType: record.eventType,
      payload: record.payload,
      round,
    });
    ctx.status = 202;
    ctx.body = { deliveryId: record.deliveryId, round };
  });

  return router;
};
