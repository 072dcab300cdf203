/**
 * The API's entry: configuration once, SDK clients from the environment, the app, a listening server.
 * `startApiServer` is exported for scripts/start.ts and the benchmark; run directly it starts on PORT.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { XRayClient } from '@aws-sdk/client-xray';
import type { Server } from 'node:http';
import { EventBridgePublisher } from '../core/adapters/eventbridge-publisher';
import { createDynamoStores } from '../core/store/dynamo-stores';
import { createApp } from './app';
import { createAwsClients } from './aws-clients';
import { loadConfig } from './config';
import { postOrderDepsFromEnv } from './routes/post-order';
import { localControlPlaneFromEnv } from './routes/client-config';
import { dashboardDeps } from './routes/dashboard';
import type { ApiConfig } from './config';
import { loadAuthSettings } from './middleware/auth';
import type { AuthSettings } from './middleware/auth';
import { traceAwsClients } from './middleware/tracing';

export interface RunningApi {
  readonly url: string;
  readonly port: number;
  readonly logger: Logger;
  stop(): Promise<void>;
}

/** `auth` defaults to the user pool named by the environment (USER_POOL_ID, USER_POOL_CLIENT_ID, the SDK's Cognito endpoint). */
export const startApiServer = async (config: Readonly<ApiConfig> = loadConfig(), host = '127.0.0.1', auth: Readonly<AuthSettings> = loadAuthSettings()): Promise<RunningApi> => {
  const logger = new Logger({ serviceName: config.serviceName, logLevel: config.logLevel });
  const clients = createAwsClients();
  // X-Ray as on Fargate with the daemon sidecar: SDK calls are subsegments, PutEvents entries carry the trace header.
  traceAwsClients(clients.eventBridge, clients.documentClient);
  const xray = new XRayClient({});
  const stores = createDynamoStores(clients.documentClient, config.tableName);
  const publisher = new EventBridgePublisher(clients.eventBridge, config.eventBusName);
  const postOrder = postOrderDepsFromEnv(process.env, { store: stores.orders, documentClient: clients.documentClient, publisher, tableName: config.tableName });
  if (postOrder.missingKeys.length > 0) logger.warn('settings missing: the routes that need them answer 503', { missingKeys: postOrder.missingKeys });
  const dashboard = dashboardDeps(clients.documentClient, config.tableName, stores.orders, logger);
  const localControlPlane = localControlPlaneFromEnv(process.env);
  const app = createApp({ stores, publisher, logger, auth, dashboard, ...(localControlPlane === undefined ? {} : { localControlPlane }), idempotencyTtlSeconds: config.idempotencyTtlSeconds, ...(config.dashboardDir === undefined ? {} : { dashboardDir: config.dashboardDir }), postOrder: postOrder.deps, tracing: { serviceName: config.serviceName, xray } });
  const server: Server = app.listen(config.port, host);
  await new Promise<void>((resolveListen, reject) => {
    server.once('listening', resolveListen);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  return {
    url: `http://${host}:${port}`,
    port,
    logger,
    stop: () =>
      new Promise<void>((resolveClose) => {
        dashboard.feed.close();
        server.closeAllConnections();
        server.close(() => {
          clients.destroy();
          xray.destroy();
          postOrder.deps.destroy();
          resolveClose();
        });
      }),
  };
};

if (require.main === module) {
  const host = process.env.HOST?.trim() || '127.0.0.1';
  startApiServer(loadConfig(), host).then(
    (api) => {
      api.logger.info('orders API listening', { url: api.url });
      const shutdown = () => void api.stop().then(() => process.exit(0));
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    },
    (error: unknown) => {
      new Logger({ serviceName: 'orders-api' }).error('the API could not start', error as Error);
      process.exit(1);
    },
  );
}
