/**
 * The API's entry: configuration once (api/config.ts), SDK clients from the environment, the app (api/app.ts, the
 * same composition the tests build), a listening server. `startApiServer` is exported for scripts/start.ts, the
 * benchmark and the end-to-end tests; run directly it starts on HOST:PORT.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Server } from 'node:http';
import { createApp } from './app';
import { createAwsClients } from './aws-clients';
import { loadConfig } from './config';
import type { ApiConfig, AuthSettings } from './config';
import { configureSampling, traceAwsClients } from './middleware/tracing';

export interface RunningApi {
  readonly url: string;
  readonly port: number;
  readonly logger: Logger;
  /** Resolves when the order.created publishes started after commits have finished. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the API of `config` on `host` (default config.host); `auth` replaces config.auth (callers that load it apart). */
export const startApiServer = async (
  config: Readonly<ApiConfig> = loadConfig(),
  host = config.host,
  auth: Readonly<AuthSettings> = config.auth,
): Promise<RunningApi> => {
  const logger = new Logger({ serviceName: config.serviceName, logLevel: config.logLevel });
  const missingKeys = [
    ...(config.receiptsBucket === undefined ? ['RECEIPTS_BUCKET'] : []),
    ...(config.partnerSecretsArn === undefined ? ['PARTNER_SECRETS_ARN'] : []),
  ];
  if (missingKeys.length > 0) logger.warn('settings missing: the routes that need them answer 503', { missingKeys });
  const clients = createAwsClients();
  // X-Ray as on Fargate with the daemon sidecar: SDK calls are subsegments, PutEvents entries carry the trace header.
  configureSampling(config.tracingSampling);
  if (config.tracingSampling !== 'off') traceAwsClients(clients.eventBridge, clients.documentClient);
  const composed = createApp({ config: { ...config, auth }, clients, logger });
  const server: Server = composed.app.listen(config.port, host);
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
    settled: () => composed.settled(),
    stop: () =>
      new Promise<void>((resolveClose) => {
        composed.close();
        server.closeAllConnections();
        // The clients go only after the order.created publishes still in flight are done (or written to the outbox).
        server.close(() => {
          void composed.settled().then(() => {
            clients.destroy();
            resolveClose();
          });
        });
      }),
  };
};

if (require.main === module) {
  Promise.resolve()
    .then(() => startApiServer(loadConfig()))
    .then(
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
