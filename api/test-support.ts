/**
 * Test harness for the API: DynamoDB Local with the table, the EventBridge stub, the local Cognito (real tokens:
 * `await api.tokenFor('alice')`, `admin` is in the group admin), and the app on a free port.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Server } from 'node:http';
import { EventBridgePublisher } from '../core/adapters/eventbridge-publisher';
import { DynamoOrderStore } from '../core/store/dynamo-order-store';
import { demoCatalog } from '../scripts/local-platform/demo-catalog';
import { startTestCognito } from '../scripts/local-platform/test-cognito';
import type { TestCognito } from '../scripts/local-platform/test-cognito';
import { localCredentials, startLocalTable } from '../scripts/local-platform/local-table';
import type { LocalTable } from '../scripts/local-platform/local-table';
import { createApp } from './app';
import { dashboardDeps } from './routes/dashboard';
import type { DashboardDeps } from './routes/dashboard';
import { startEventBusStub } from './event-bus-stub.test-support';
import type { EventBusStub } from './event-bus-stub.test-support';

export interface ApiHarness {
  readonly url: string;
  readonly local: LocalTable;
  readonly store: DynamoOrderStore;
  readonly bus: EventBusStub;
  readonly publisher: EventBridgePublisher;
  readonly identity: TestCognito;
  /** The live feed, activity store and stats queries behind the dashboard routes. */
  readonly dashboard: DashboardDeps;
  /** A real ID token of `username` from the local Cognito; an unknown username becomes a new customer. */
  tokenFor(username: string): Promise<string>;
  /** `{ authorization: 'Bearer <token>' }` for `username`. */
  authHeader(username: string): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

export const startApiHarness = async (): Promise<ApiHarness> => {
  const local = await startLocalTable();
  const store = new DynamoOrderStore(local.documentClient, local.tableName);
  for (const product of demoCatalog(new Date().toISOString())) await store.putProduct(product);
  const bus = await startEventBusStub(async (envelope) => {
    await store.recordEvent(envelope, new Date().toISOString());
  });
  const eventBridge = new EventBridgeClient({ endpoint: bus.endpoint, region: 'us-east-1', credentials: localCredentials, maxAttempts: 1 });
  const publisher = new EventBridgePublisher(eventBridge, 'local-orders');
  const identity = await startTestCognito();
  const auth = { userPoolId: identity.userPoolId, userPoolClientId: identity.userPoolClientId, cognitoEndpoint: identity.endpoint, tokenUse: 'id' as const };
  const logger = new Logger({ serviceName: 'orders-api-test', logLevel: 'SILENT' });
  const dashboard = dashboardDeps(local.documentClient, local.tableName, store, logger, { pollMs: 200 });
  const app = createApp({ store, publisher, auth, logger, dashboard });
  const server: Server = await new Promise((resolveListen) => {
    const listening = app.listen(0, '127.0.0.1', () => resolveListen(listening));
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    local,
    store,
    bus,
    publisher,
    identity,
    dashboard,
    tokenFor: (username) => identity.tokenFor(username),
    authHeader: async (username) => ({ authorization: `Bearer ${await identity.tokenFor(username)}` }),
    stop: async () => {
      dashboard.feed.close();
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      eventBridge.destroy();
      await bus.stop();
      await identity.stop();
      await local.stop();
    },
  };
};
