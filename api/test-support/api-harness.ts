/**
 * Test harnesses for the API, both built by the SAME composition as api/server.ts (`createApp` over settings parsed
 * by `loadConfig`), so every route the server mounts is mounted here too. Real Cognito tokens from the local Cognito
 * in both: `await api.tokenFor('alice')`, `admin` is in the group admin.
 *
 * - `startApiHarness()`: DynamoDB Local with the table and the PutEvents stand-in (./event-bus-stub.ts, which can be
 *   told to fail entries); S3, SQS, Step Functions, Secrets Manager and X-Ray point at a closed port, so those routes
 *   meet an unreachable dependency. Nothing reaches the events log here: no rule runs.
 * - `startCloudApiHarness()`: the whole local cloud (scripts/local-platform/cloud.ts) behind the app, with the API
 *   task's credentials (the local IAM enforces its policy): PutEvents -> rules -> queues -> the functions, the saga,
 *   S3, SQS, X-Ray as `npm start` has them. What the events log and the live feed show went that way.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Server } from 'node:http';
import type { EventPublisher } from '../../core/orders/ports';
import { createDynamoStores } from '../../core/store/dynamo-stores';
import type { DynamoStores } from '../../core/store/dynamo-stores';
import { startLocalCloud } from '../../scripts/local-platform/cloud';
import type { RunningLocalCloud } from '../../scripts/local-platform/cloud';
import { demoCatalog } from '../../scripts/local-platform/demo-catalog';
import { startTestCognito } from '../../scripts/local-platform/test-cognito';
import type { TestCognito } from '../../scripts/local-platform/test-cognito';
import { clientFor, localCredentials, startLocalTable } from '../../scripts/local-platform/local-table';
import { createApp } from '../app';
import type { AppDeps } from '../app';
import { createAwsClients } from '../aws-clients';
import type { AwsClientOverrides, AwsClients } from '../aws-clients';
import { loadConfig } from '../config';
import type { ApiConfig } from '../config';
import type { OrderFeed } from '../routes/stream';
import { startEventBusStub } from './event-bus-stub';
import type { EventBusStub } from './event-bus-stub';

/** The table the app uses, reached directly (not through the app) for the tests' own reads and writes. */
export interface HarnessTable {
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  /** The physical name of the `orders` table. */
  readonly tableName: string;
  /** The DynamoDB Local process (tests kill it to see the API without its table). */
  readonly dynamo: { readonly endpoint: string; readonly pid: number };
}

export interface ApiHarnessBase {
  readonly url: string;
  readonly config: Readonly<ApiConfig>;
  readonly local: HarnessTable;
  readonly stores: DynamoStores;
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

export interface ApiHarness extends ApiHarnessBase {
  readonly bus: EventBusStub;
}

export interface CloudApiHarness extends ApiHarnessBase {
  /** The local cloud behind the app: its rules, queues, functions and state machine run. */
  readonly cloud: RunningLocalCloud;
}

/** Nothing listens here: the services the harness does not run fail fast instead of reaching a real endpoint. */
const UNREACHABLE = {
  endpoint: 'http://127.0.0.1:9',
  region: 'us-east-1',
  credentials: localCredentials,
  maxAttempts: 1,
};

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The app of `config` over `clients`, listening on a free port; the demo catalog seeded. */
const listen = async (
  config: Readonly<ApiConfig>,
  clients: AwsClients,
  seedStores: DynamoStores,
  extra: Pick<AppDeps, 'feed'> = {},
) => {
  const logger = new Logger({ serviceName: config.serviceName, logLevel: 'SILENT' });
  const composed = createApp({ config, clients, logger, ...extra });
  for (const product of demoCatalog(new Date().toISOString())) await seedStores.products.putProduct(product);
  const server: Server = await new Promise((resolveListen) => {
    const listening = composed.app.listen(0, '127.0.0.1', () => resolveListen(listening));
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    composed,
    close: async () => {
      composed.close();
      await composed.settled();
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      clients.destroy();
    },
  };
};

/** The settings of the test Cognito's pool, for `loadConfig`. */
const identitySettings = (identity: TestCognito) => ({
  USER_POOL_ID: identity.userPoolId,
  USER_POOL_CLIENT_ID: identity.userPoolClientId,
  AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: identity.endpoint,
  LOG_LEVEL: 'SILENT',
  POWERTOOLS_SERVICE_NAME: 'orders-api-test',
});

const tokens = (identity: TestCognito) => ({
  tokenFor: (username: string) => identity.tokenFor(username),
  authHeader: async (username: string) => ({ authorization: `Bearer ${await identity.tokenFor(username)}` }),
});

export const startApiHarness = async (): Promise<ApiHarness> => {
  const local = await startLocalTable();
  const identity = await startTestCognito();
  const bus = await startEventBusStub();
  const config = loadConfig({
    TABLE_NAME: local.tableName,
    EVENT_BUS_NAME: 'local-orders',
    ...identitySettings(identity),
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
  const stores = createDynamoStores(clients.documentClient, config.tableName);
  const running = await listen(config, clients, stores, { feed: { pollMs: 200 } });
  return {
    url: running.url,
    config,
    local,
    stores: running.composed.stores,
    bus,
    publisher: running.composed.publisher,
    identity,
    dashboard: { feed: running.composed.feed },
    ...tokens(identity),
    settled: () => running.composed.settled(),
    stop: async () => {
      await running.close();
      await bus.stop();
      await identity.stop();
      await local.stop();
    },
  };
};

/**
 * The app over the whole local cloud (about 15 s to start on a quiet machine: DynamoDB Local and every function's
 * module). Retry and Wait delays of the saga are scaled down (timeScale 0.001), never by editing the ASL.
 */
export const startCloudApiHarness = async (): Promise<CloudApiHarness> => {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'CRITICAL';
  const cloud = await startLocalCloud({ edgePort: 0, timeScale: 0.001, logger: quiet });
  const identity = await startTestCognito();
  // The API task's settings and credentials as npm start hands them over; only the user pool is the test Cognito's.
  const config = loadConfig({ ...cloud.env, ...identitySettings(identity) });
  const edge = {
    endpoint: cloud.edgeUrl,
    region: cloud.env.AWS_REGION,
    credentials: { accessKeyId: cloud.env.AWS_ACCESS_KEY_ID, secretAccessKey: cloud.env.AWS_SECRET_ACCESS_KEY },
    maxAttempts: 1,
  };
  const overrides: AwsClientOverrides = {
    dynamodb: edge,
    eventBridge: edge,
    s3: { ...edge, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' },
    sqs: edge,
    sfn: edge,
    secretsManager: edge,
    xray: edge,
  };
  const clients = createAwsClients(overrides);
  const client = clientFor(cloud.services.dynamoDbEndpoint);
  const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const local: HarnessTable = {
    client,
    documentClient,
    tableName: config.tableName,
    dynamo: { endpoint: cloud.services.dynamoDbEndpoint, pid: cloud.services.dynamoDbPid },
  };
  const running = await listen(config, clients, createDynamoStores(documentClient, config.tableName), {
    feed: { pollMs: 200 },
  });
  return {
    url: running.url,
    config,
    local,
    stores: running.composed.stores,
    publisher: running.composed.publisher,
    identity,
    cloud,
    dashboard: { feed: running.composed.feed },
    ...tokens(identity),
    settled: () => running.composed.settled(),
    stop: async () => {
      await running.close();
      client.destroy();
      await identity.stop();
      await cloud.stop();
    },
  };
};
