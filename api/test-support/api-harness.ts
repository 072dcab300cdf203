/**
 * Test harness for the API: DynamoDB Local with the table, the EventBridge stub, the local Cognito (real tokens:
 * `await api.tokenFor('alice')`, `admin` is in the group admin), and the app on a free port, built by the SAME
 * composition as api/server.ts (`createApp` over settings parsed by `loadConfig`), so every route the server mounts
 * is mounted here too. S3, SQS, Secrets Manager and X-Ray point at a closed port: a test of those routes brings its
 * own service or expects the dependency to be unreachable.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Server } from 'node:http';
import type { EventPublisher } from '../../core/orders/ports';
import type { EventLog } from '../../core/events/ports';
import type { DynamoStores } from '../../core/store/dynamo-stores';
import { demoCatalog } from '../../scripts/local-platform/demo-catalog';
import { startTestCognito } from '../../scripts/local-platform/test-cognito';
import type { TestCognito } from '../../scripts/local-platform/test-cognito';
import { localCredentials, startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { createApp } from '../app';
import { createAwsClients } from '../aws-clients';
import { loadConfig } from '../config';
import type { ApiConfig } from '../config';
import type { OrderFeed } from '../routes/stream';
import { startEventBusStub } from './event-bus-stub';
import type { EventBusStub } from './event-bus-stub';

export interface ApiHarness {
  readonly url: string;
  readonly config: Readonly<ApiConfig>;
  readonly local: LocalTable;
  readonly stores: DynamoStores;
  readonly bus: EventBusStub;
  readonly publisher: EventPublisher;
  readonly identity: TestCognito;
  /** The live feed behind GET /api/stream. */
  readonly dashboard: { readonly feed: OrderFeed };
  /** A real ID token of `username` from the local Cognito; an unknown username becomes a new customer. */
  tokenFor(username: string): Promise<string>;
  /** `{ authorization: 'Bearer <token>' }` for `username`. */
  authHeader(username: string): Promise<Record<string, string>>;
  /** Resolves when the API's publishes after commits (order.created) have finished. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** Nothing listens here: the services the harness does not run fail fast instead of reaching a real endpoint. */
const UNREACHABLE = {
  endpoint: 'http://127.0.0.1:9',
  region: 'us-east-1',
  credentials: localCredentials,
  maxAttempts: 1,
};

export const startApiHarness = async (): Promise<ApiHarness> => {
  const local = await startLocalTable();
  const identity = await startTestCognito();
  let recordEvent: (envelope: Parameters<EventLog['recordEvent']>[0]) => Promise<void> = async () => undefined;
  const bus = await startEventBusStub((envelope) => recordEvent(envelope));
  const config = loadConfig({
    TABLE_NAME: local.tableName,
    EVENT_BUS_NAME: 'local-orders',
    USER_POOL_ID: identity.userPoolId,
    USER_POOL_CLIENT_ID: identity.userPoolClientId,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: identity.endpoint,
    LOG_LEVEL: 'SILENT',
    POWERTOOLS_SERVICE_NAME: 'orders-api-test',
  });
  const clients = createAwsClients({
    dynamodb: { endpoint: local.dynamo.endpoint, region: 'us-east-1', credentials: localCredentials },
    eventBridge: { endpoint: bus.endpoint, region: 'us-east-1', credentials: localCredentials, maxAttempts: 1 },
    s3: UNREACHABLE,
    sqs: UNREACHABLE,
    sfn: UNREACHABLE,
    secretsManager: UNREACHABLE,
    xray: UNREACHABLE,
  });
  const logger = new Logger({ serviceName: config.serviceName, logLevel: 'SILENT' });
  const composed = createApp({ config, clients, logger, feed: { pollMs: 200 } });
  const { stores } = composed;
  recordEvent = async (envelope) => {
    await stores.events.recordEvent(envelope, new Date().toISOString());
  };
  for (const product of demoCatalog(new Date().toISOString())) await stores.products.putProduct(product);
  const server: Server = await new Promise((resolveListen) => {
    const listening = composed.app.listen(0, '127.0.0.1', () => resolveListen(listening));
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    local,
    stores,
    bus,
    publisher: composed.publisher,
    identity,
    dashboard: { feed: composed.feed },
    tokenFor: (username) => identity.tokenFor(username),
    authHeader: async (username) => ({ authorization: `Bearer ${await identity.tokenFor(username)}` }),
    settled: () => composed.settled(),
    stop: async () => {
      composed.close();
      await composed.settled();
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      clients.destroy();
      await bus.stop();
      await identity.stop();
      await local.stop();
    },
  };
};
