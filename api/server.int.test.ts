import { startEventBusStub } from './test-support/event-bus-stub';
import type { EventBusStub } from './test-support/event-bus-stub';
import { startApiServer } from './server';
import type { RunningApi } from './server';
import { loadConfig } from './config';
import { createDynamoStores } from '../core/store/dynamo-stores';
import { demoCatalog } from '../scripts/local-platform/demo-catalog';
import { startTestCognito } from '../scripts/local-platform/test-cognito';
import type { TestCognito } from '../scripts/local-platform/test-cognito';
import { startLocalTable } from '../scripts/local-platform/local-table';
import type { LocalTable } from '../scripts/local-platform/local-table';

describe('api/server.ts configured only from the standard environment', () => {
  let local: LocalTable;
  let bus: EventBusStub;
  let api: RunningApi;
  let identity: TestCognito;
  const saved = { ...process.env };
  beforeAll(async () => {
    local = await startLocalTable();
    bus = await startEventBusStub();
    identity = await startTestCognito();
    const { products } = createDynamoStores(local.documentClient, local.tableName);
    for (const product of demoCatalog('2026-01-01T00:00:00Z')) await products.putProduct(product);
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: local.dynamo.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
      TABLE_NAME: local.tableName,
      EVENT_BUS_NAME: 'local-orders',
      PORT: '0',
      LOG_LEVEL: 'INFO',
      USER_POOL_ID: identity.userPoolId,
      USER_POOL_CLIENT_ID: identity.userPoolClientId,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: identity.endpoint,
    });
    api = await startApiServer(loadConfig());
  });
  afterAll(async () => {
    await api.stop();
    await bus.stop();
    await identity.stop();
    await local.stop();
    process.env = saved;
  });

  it('stores the order through AWS_ENDPOINT_URL_DYNAMODB, publishes through AWS_ENDPOINT_URL_EVENTBRIDGE, verifies tokens of USER_POOL_ID at the SDK Cognito endpoint, and logs JSON with the request id', async () => {
    const token = await identity.tokenFor('olga');
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const response = await fetch(`${api.url}/api/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'idempotency-key': 'env-test',
        'x-request-id': 'req-123',
      },
      body: JSON.stringify({ items: [{ productId: 'kettle', quantity: 1 }], paymentToken: 't' }),
    });
    const order = (await response.json()) as { orderId: string };
    await api.settled();
    write.mockRestore();
    const accessLog = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.message === 'request');
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('req-123');
    expect(bus.received.map((event) => event.detail.orderId)).toEqual([order.orderId]);
    expect(accessLog).toMatchObject({
      level: 'INFO',
      requestId: 'req-123',
      method: 'POST',
      path: '/api/orders',
      status: 201,
    });
  });
});
