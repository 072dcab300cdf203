/**
 * The Koa application: error handler first, then the X-Ray segment of the request (when traced), request context (request id, logger), /config.json, the caller
 * (a verified Cognito token on every /api path), the routes.
 * Dependencies come in from the composition root (api/server.ts) or a test.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { XRayClient } from '@aws-sdk/client-xray';
import Koa from 'koa';
import { ulid } from 'ulid';
import type { EventPublisher } from '../core/orders/ports';
import { OrderService } from '../core/orders/order-service';
import type { DynamoStores } from '../core/store/dynamo-stores';
import { serveDashboard } from './middleware/dashboard';
import { authenticate, clientConfigRoute, createTokenVerifier } from './middleware/auth';
import type { AuthSettings, TokenVerifier } from './middleware/auth';
import { errorHandler } from './middleware/error-handler';
import { requestContext } from './middleware/request-context';
import { tracing } from './middleware/tracing';
import { apiRouter } from './routes/api-router';
import { withLocalControlPlane } from './routes/client-config';
import { registerDashboardRoutes } from './routes/dashboard';
import type { DashboardDeps } from './routes/dashboard';
import { registerPostOrderRoutes } from './routes/post-order';
import type { PostOrderDeps } from './routes/post-order';
import { registerTraceRoutes } from './routes/traces';
import type { AppState } from './types';

export interface AppDeps {
  readonly stores: Pick<DynamoStores, 'products' | 'orders' | 'outbox' | 'events'>;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  /** The user pool whose tokens are accepted (api/middleware/auth.ts `loadAuthSettings`). */
  readonly auth: AuthSettings;
  /** Replaces the verifier the settings call for (tests of the AWS configuration without network). */
  readonly tokenVerifier?: TokenVerifier;
  readonly now?: () => Date;
  readonly newId?: () => string;
  readonly idempotencyTtlSeconds?: number;
  /** The built dashboard served at / (`npm start`); absent in AWS. */
  readonly dashboardDir?: string;
  /** Webhooks, receipts, DLQ admin and partner ingestion (api/routes/post-order.ts); absent in tests of the orders API alone. */
  readonly postOrder?: PostOrderDeps;
  /** X-Ray: a segment per request named `serviceName` (api/middleware/tracing.ts) and the trace routes read through `xray`. */
  readonly tracing?: { readonly serviceName: string; readonly xray: XRayClient };
  /** The live feed, order activity and admin stats (api/routes/dashboard.ts). */
  readonly dashboard?: DashboardDeps;
  /** The local cloud's /_local base URL, added to /config.json (api/routes/client-config.ts); absent in AWS. */
  readonly localControlPlane?: string;
}

export const createApp = (deps: AppDeps): Koa<AppState> => {
  const now = deps.now ?? (() => new Date());
  const service = new OrderService({
    orders: deps.stores.orders,
    products: deps.stores.products,
    outbox: deps.stores.outbox,
    publisher: deps.publisher,
    log: deps.logger,
    now,
    newId: deps.newId ?? (() => ulid()),
    ...(deps.idempotencyTtlSeconds === undefined ? {} : { idempotencyTtlSeconds: deps.idempotencyTtlSeconds }),
  });
  const app = new Koa<AppState>({ proxy: false });
  app.silent = true;
  const router = apiRouter({ service, stores: deps.stores, now });
  if (deps.postOrder !== undefined) registerPostOrderRoutes(router, deps.postOrder);
  if (deps.tracing !== undefined) registerTraceRoutes(router, { xray: deps.tracing.xray, store: deps.stores.orders, now });
  if (deps.dashboard !== undefined) registerDashboardRoutes(router, deps.dashboard, { store: deps.stores.orders, now });
  app.use(errorHandler());
  if (deps.tracing !== undefined) app.use(tracing(deps.tracing.serviceName));
  app.use(requestContext(deps.logger));
  if (deps.localControlPlane !== undefined) app.use(withLocalControlPlane(deps.localControlPlane));
  app.use(clientConfigRoute(deps.auth));
  if (deps.dashboardDir !== undefined) app.use(serveDashboard(deps.dashboardDir));
  app.use(authenticate(deps.tokenVerifier ?? createTokenVerifier(deps.auth)));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
};
