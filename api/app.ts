/**
 * The API's composition, the one used by the server (api/server.ts) and by every API test
 * (api/test-support/api-harness.ts): settings and SDK clients in, the Koa app with every route out.
 * Middleware order: error handler first, the X-Ray segment of the request, request context (request id, logger),
 * the dashboard's files (when DASHBOARD_DIR is set), the caller (a verified Cognito token on every /api path), the
 * routes (api/routes/index.ts mounts them all).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type Router from '@koa/router';
import Koa from 'koa';
import { EventBridgePublisher } from '../core/adapters/eventbridge-publisher';
import { WebhookRoutingPublisher, WebhookSubscriptions } from '../core/webhooks/fan-out-routing';
import { SecretsManagerPartnerSecrets } from '../core/adapters/secrets-manager-partner-secrets';
import { ClaimedSagaRunner } from '../core/adapters/claimed-saga-runner';
import { DynamoSagaStartClaims } from '../core/store/saga-start-claims';
import { OrderService } from '../core/orders/order-service';
import type { EventPublisher } from '../core/orders/ports';
import { AdminOrderBrowser } from '../core/store/admin-order-browser';
import { DynamoDashboardQueries } from '../core/store/dashboard-queries';
import { CATALOG_CACHE_TTL_MS, CachedProductPrices } from '../core/store/dynamo-product-catalog';
import { createDynamoStores } from '../core/store/dynamo-stores';
import type { DynamoStores } from '../core/store/dynamo-stores';
import { DynamoLoyaltyLedger } from '../core/store/dynamo-loyalty-ledger';
import { DynamoOrderActivityStore } from '../core/store/order-activity-store';
import { DynamoPartnerMessages } from '../core/store/dynamo-partner-messages';
import { DynamoWebhookStore } from '../core/store/webhook-store';
import { SqsDeliveryQueue } from '../core/adapters/sqs-delivery-queue';
import type { AwsClients } from './aws-clients';
import type { ApiConfig } from './config';
import { serveDashboard } from './middleware/dashboard';
import { authenticate, createTokenVerifier } from './middleware/auth';
import type { TokenVerifier } from './middleware/auth';
import { errorHandler } from './middleware/error-handler';
import { requestContext } from './middleware/request-context';
import { tracing } from './middleware/tracing';
import { EventReplays } from '../core/adapters/eventbridge-replays';
import { resourcePrefixFromTableName } from './routes/admin-dlqs';
import { dynamoDbProbe, eventBridgeProbe } from './readiness';
import { newUlid } from './random-ids';
import { mountRoutes } from './routes';
import { OrderFeed } from './routes/stream';
import type { OrderFeedOptions } from './routes/stream';
import type { AppState } from './types';

export interface AppDeps {
  readonly config: Readonly<ApiConfig>;
  readonly clients: AwsClients;
  readonly logger: Logger;
  /** Replaces the verifier the settings call for (tests of the AWS configuration without network). */
  readonly tokenVerifier?: TokenVerifier;
  /**
   * Replaces the EventBridge publisher over `clients.eventBridge` (tests that count what is published); the webhook
   * routing still wraps it, so it sees the events as they would go on the bus.
   */
  readonly publisher?: EventPublisher;
  readonly now?: () => Date;
  readonly newId?: (seedTime?: number) => string;
  /** Tunes the live feed (tests shorten its poll interval). */
  readonly feed?: Partial<Omit<OrderFeedOptions, 'queries' | 'store' | 'logger'>>;
}

export interface ComposedApp {
  readonly app: Koa<AppState>;
  /** Every mounted route (api/routes/index.ts), for the test that holds it against /openapi.json. */
  readonly router: Router<AppState>;
  readonly stores: DynamoStores;
  readonly publisher: EventPublisher;
  /** The one live feed of this process; `close` stops it. */
  readonly feed: OrderFeed;
  close(): void;
  /** Resolves when the publishes started after commits (order.created) have finished: await it before shutting down. */
  settled(): Promise<void>;
}

export const createApp = (deps: AppDeps): ComposedApp => {
  const { config, clients, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? newUlid;
  const stores = createDynamoStores(clients.documentClient, config.tableName);
  const webhookStore = new DynamoWebhookStore(clients.documentClient, config.tableName);
  // order.created reaches the webhook fan-out only for a customer with a subscribed endpoint; the lookup runs in the
  // background publish after the commit, never on the request's path (core/webhooks/fan-out-routing.ts).
  const publisher = new WebhookRoutingPublisher(
    deps.publisher ?? new EventBridgePublisher(clients.eventBridge, config.eventBusName),
    new WebhookSubscriptions(webhookStore),
    logger,
  );
  const service = new OrderService({
    orders: stores.orders,
    products: new CachedProductPrices(stores.products, CATALOG_CACHE_TTL_MS),
    outbox: stores.outbox,
    publisher,
    log: logger,
    now,
    newId,
    idempotencyTtlSeconds: config.idempotencyTtlSeconds,
  });
  const queries = new DynamoDashboardQueries(clients.documentClient, config.tableName);
  const feed = new OrderFeed({ ...deps.feed, queries, store: stores.orders, logger });
  const router = mountRoutes({
    health: {
      probes: [
        dynamoDbProbe(clients.documentClient, config.tableName),
        eventBridgeProbe(clients.eventBridge, config.eventBusName),
      ],
    },
    clientConfig: {
      auth: config.auth,
      ...(config.localControlPlane === undefined ? {} : { localControlPlane: config.localControlPlane }),
    },
    orders: { service, store: stores.orders, browser: new AdminOrderBrowser(clients.documentClient, config.tableName) },
    products: { store: stores.products, now },
    events: { store: stores.events },
    receipts: { store: stores.orders, s3: clients.s3, bucket: config.receiptsBucket, now },
    activity: {
      store: stores.orders,
      activity: new DynamoOrderActivityStore(clients.documentClient, config.tableName),
    },
    traces: { xray: clients.xray, store: stores.orders, now },
    webhooks: {
      webhooks: webhookStore,
      deliveries: new SqsDeliveryQueue(clients.sqs, resourcePrefixFromTableName(config.tableName)),
      urlPolicy: { allowLoopback: config.webhookAllowLoopback, reservedPorts: config.webhookReservedPorts },
      now,
      newId,
    },
    loyalty: { accounts: new DynamoLoyaltyLedger(clients.documentClient, config.tableName) },
    dlqs: { sqs: clients.sqs, resourcePrefix: resourcePrefixFromTableName(config.tableName) },
    replays: {
      replays: new EventReplays(clients.eventBridge, {
        busName: config.eventBusName,
        resourcePrefix: resourcePrefixFromTableName(config.tableName),
        now,
      }),
    },
    adminOrders: {
      orders: stores.orders,
      runner:
        config.stateMachineArn === undefined
          ? undefined
          : new ClaimedSagaRunner(
              clients.sfn,
              config.stateMachineArn,
              new DynamoSagaStartClaims(clients.documentClient, config.tableName),
            ),
    },
    stats: { queries, now },
    stream: { feed },
    ingest: {
      secrets:
        config.partnerSecretsArn === undefined
          ? undefined
          : new SecretsManagerPartnerSecrets(clients.secretsManager, config.partnerSecretsArn),
      publisher,
      messages: new DynamoPartnerMessages(clients.documentClient, config.tableName),
      nowSeconds: () => Math.floor(now().getTime() / 1000),
    },
  });
  const app = new Koa<AppState>({ proxy: false });
  app.silent = true;
  app.use(errorHandler());
  app.use(tracing(config.serviceName, config.tracingSampling));
  app.use(requestContext(logger));
  if (config.dashboardDir !== undefined) app.use(serveDashboard(config.dashboardDir));
  app.use(authenticate(deps.tokenVerifier ?? createTokenVerifier(config.auth)));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return { app, router, stores, publisher, feed, close: () => feed.close(), settled: () => service.settled() };
};
