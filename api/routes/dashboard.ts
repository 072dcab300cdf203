/**
 * The routes the dashboard needs beyond the orders API, in one place for the composition root: the live feed
 * (stream.ts), an order's emails and webhook deliveries (activity.ts) and the admin's orders-per-minute chart
 * (stats.ts), with their dependencies and OpenAPI paths.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type Router from '@koa/router';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { OrderRepository } from '../../core/orders/ports';
import { DynamoDashboardQueries } from '../../core/store/dashboard-queries';
import { DynamoOrderActivityStore } from '../../core/store/order-activity-store';
import type { AppState } from '../types';
import { OrderActivityResponseSchema, registerActivityRoutes } from './activity';
import { registerStatsRoutes, StatsResponseSchema } from './stats';
import { OrderFeed, registerStreamRoutes } from './stream';
import type { OrderFeedOptions } from './stream';

export interface DashboardDeps {
  readonly queries: DynamoDashboardQueries;
  readonly activity: DynamoOrderActivityStore;
  readonly feed: OrderFeed;
}

/** The dashboard's reads over the orders table; `feed` tunes the live feed (tests shorten its interval). */
export const dashboardDeps = (
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  store: Pick<OrderRepository, 'getOrder'>,
  logger: Logger,
  feed: Partial<Omit<OrderFeedOptions, 'queries' | 'store' | 'logger'>> = {},
): DashboardDeps => {
  const queries = new DynamoDashboardQueries(documentClient, tableName);
  return { queries, activity: new DynamoOrderActivityStore(documentClient, tableName), feed: new OrderFeed({ ...feed, queries, store, logger }) };
};

export const registerDashboardRoutes = (router: Router<AppState>, deps: DashboardDeps, shared: { store: Pick<OrderRepository, 'getOrder'>; now: () => Date }): void => {
  registerStreamRoutes(router, { feed: deps.feed });
  registerActivityRoutes(router, { store: shared.store, activity: deps.activity });
  registerStatsRoutes(router, { queries: deps.queries, now: shared.now });
};

const schema = (zodSchema: z.ZodType) => {
  const json = z.toJSONSchema(zodSchema, { io: 'output', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
};
const json = (body: Record<string, unknown>) => ({ content: { 'application/json': { schema: body } } });
const error = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Error' }) });

/** The OpenAPI paths of these routes (merged into /openapi.json by api/routes/openapi.ts). */
export const dashboardOpenApiPaths = () => ({
  '/api/stream': {
    get: {
      summary:
        "Server-sent events: `event: order` (an order as GET /api/orders/{id} answers it) when one of the caller's orders changes, `event: event` (an EventRecord) for the caller's bus events; the admin gets all. Heartbeat comments every 15 s. EventSource may pass the token as ?access_token= with Accept: text/event-stream.",
      parameters: [{ name: 'access_token', in: 'query', required: false, schema: { type: 'string' } }],
      responses: { '200': { description: 'the stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, '401': error('no or an invalid token') },
    },
  },
  '/api/orders/{id}/activity': {
    get: {
      summary: 'The emails and webhook delivery attempts the order caused, oldest first (owner or admin)',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '200': { description: 'the activity', ...json(schema(OrderActivityResponseSchema)) }, '404': error('no such order for this caller') },
    },
  },
  '/api/admin/stats': {
    get: {
      summary: 'Orders per minute by outcome (the minute each finished) and p50/p99 completion time (createdAt -> terminal timeline entry) over the last `minutes` (admin)',
      parameters: [{ name: 'minutes', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1440, default: 60 } }],
      responses: { '200': { description: 'the statistics', ...json(schema(StatsResponseSchema)) }, '400': error('invalid minutes'), '403': error('not the admin'), '422': error('too many orders in the window') },
    },
  },
});
