/**
 * The API's front hall: every resource router, mounted in this one place (koajs/router's restful-api-structure
 * recipe: one router per resource, composed by one root). The route descriptions of the same routers make
 * /openapi.json, so what is mounted and what is documented cannot differ (api/routes/openapi.test.ts).
 */
import Router from '@koa/router';
import type { AppState } from '../types';
import { ACTIVITY_ROUTES, activityRouter } from './activity';
import type { ActivityRouterDeps } from './activity';
import { DLQS_ROUTES, dlqsRouter } from './admin-dlqs';
import { ASYNCAPI_ROUTE, asyncApiRouter } from './asyncapi';
import { ADMIN_ORDERS_ROUTES, adminOrdersRouter } from './admin-orders';
import type { AdminOrdersRouterDeps } from './admin-orders';
import type { DlqsRouterDeps } from './admin-dlqs';
import { REPLAYS_ROUTES, replaysRouter } from './admin-replays';
import type { ReplaysRouterDeps } from './admin-replays';
import { CLIENT_CONFIG_ROUTES, clientConfigRouter } from './client-config';
import type { ClientConfigRouterDeps } from './client-config';
import { EVENTS_ROUTES, eventsRouter } from './events';
import type { EventsRouterDeps } from './events';
import { HEALTH_ROUTES, healthRouter } from './health';
import type { HealthRouterDeps } from './health';
import { INGEST_ROUTES, ingestRouter } from './ingest';
import type { IngestRouterDeps } from './ingest';
import { LOYALTY_ROUTES, loyaltyRouter } from './loyalty';
import type { LoyaltyRouterDeps } from './loyalty';
import { OPENAPI_ROUTE, openApiRouter } from './openapi';
import { ORDERS_ROUTES, ordersRouter } from './orders';
import type { OrdersRouterDeps } from './orders';
import { PRODUCTS_ROUTES, productsRouter } from './products';
import type { ProductsRouterDeps } from './products';
import { RECEIPTS_ROUTES, receiptsRouter } from './receipts';
import type { ReceiptsRouterDeps } from './receipts';
import type { RouteDoc } from './route-doc';
import { STATS_ROUTES, statsRouter } from './stats';
import type { StatsRouterDeps } from './stats';
import { STREAM_ROUTES, streamRouter } from './stream';
import type { StreamRouterDeps } from './stream';
import { TRACES_ROUTES, tracesRouter } from './traces';
import type { TracesRouterDeps } from './traces';
import { WEBHOOKS_ROUTES, webhooksRouter } from './webhooks';
import type { WebhooksRouterDeps } from './webhooks';

/** What every router needs, by resource. */
export interface RoutesDeps {
  readonly health: HealthRouterDeps;
  readonly clientConfig: ClientConfigRouterDeps;
  readonly orders: OrdersRouterDeps;
  readonly products: ProductsRouterDeps;
  readonly events: EventsRouterDeps;
  readonly receipts: ReceiptsRouterDeps;
  readonly activity: ActivityRouterDeps;
  readonly traces: TracesRouterDeps;
  readonly webhooks: WebhooksRouterDeps;
  readonly loyalty: LoyaltyRouterDeps;
  readonly dlqs: DlqsRouterDeps;
  readonly replays: ReplaysRouterDeps;
  readonly adminOrders: AdminOrdersRouterDeps;
  readonly stats: StatsRouterDeps;
  readonly stream: StreamRouterDeps;
  readonly ingest: IngestRouterDeps;
}

/** Every route the API serves, described: the source of /openapi.json. */
export const ROUTE_DOCS: readonly RouteDoc[] = [
  ...Object.values(ORDERS_ROUTES),
  ...Object.values(RECEIPTS_ROUTES),
  ...Object.values(ACTIVITY_ROUTES),
  ...Object.values(TRACES_ROUTES),
  ...Object.values(PRODUCTS_ROUTES),
  ...Object.values(EVENTS_ROUTES),
  ...Object.values(WEBHOOKS_ROUTES),
  ...Object.values(LOYALTY_ROUTES),
  ...Object.values(DLQS_ROUTES),
  ...Object.values(REPLAYS_ROUTES),
  ...Object.values(ADMIN_ORDERS_ROUTES),
  ...Object.values(STATS_ROUTES),
  ...Object.values(STREAM_ROUTES),
  ...Object.values(INGEST_ROUTES),
  ...Object.values(HEALTH_ROUTES),
  OPENAPI_ROUTE,
  ASYNCAPI_ROUTE,
  ...Object.values(CLIENT_CONFIG_ROUTES),
];

/** The root router with every resource router mounted; its allowedMethods answers 405 across all of them. */
export const mountRoutes = (deps: RoutesDeps): Router<AppState> => {
  const root = new Router<AppState>();
  const routers = [
    healthRouter(deps.health),
    openApiRouter(() => ROUTE_DOCS),
    asyncApiRouter(),
    clientConfigRouter(deps.clientConfig),
    ordersRouter(deps.orders),
    receiptsRouter(deps.receipts),
    activityRouter(deps.activity),
    tracesRouter(deps.traces),
    productsRouter(deps.products),
    eventsRouter(deps.events),
    webhooksRouter(deps.webhooks),
    loyaltyRouter(deps.loyalty),
    dlqsRouter(deps.dlqs),
    replaysRouter(deps.replays),
    adminOrdersRouter(deps.adminOrders),
    statsRouter(deps.stats),
    streamRouter(deps.stream),
    ingestRouter(deps.ingest),
  ];
  for (const router of routers) root.use(router.routes());
  return root;
};
