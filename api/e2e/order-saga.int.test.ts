/**
 * The saga from POST /api/orders, as `npm start` runs it: the local cloud (edge, DynamoDB Local, Cognito, these
 * handlers, the ASL) and the orders API as its own process, configured from the cloud's environment alone
 * (scripts/local-platform/test-support/api-process.ts); the customer signs in
 * through Cognito and reads the outcome through GET /api/orders/:id and the admin through GET /api/events.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { createDynamoStores } from '../../core/store/dynamo-stores';
import type { ApiProcess } from '../../scripts/bench-support';
import { startLocalCloud, type RunningLocalCloud } from '../../scripts/local-platform/cloud';
import { signInDemoUsers, startPlatformApi } from '../../scripts/local-platform/test-support/api-process';

jest.setTimeout(120000);

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
let cloud: RunningLocalCloud;
let api: ApiProcess;
const tokens = new Map<string, string>();

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  cloud = await startLocalCloud({ edgePort: 0, timeScale: 0.001, logger: quiet });
  api = await startPlatformApi(cloud);
  for (const [username, token] of await signInDemoUsers(cloud)) tokens.set(username, token);
}, 120000);

afterAll(async () => {
  await api?.stop();
  await cloud?.stop();
});

const call = async (
  method: string,
  path: string,
  user: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> => {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens.get(user)}`,
      'content-type': 'application/json',
      ...(method === 'POST' ? { 'idempotency-key': ulid() } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const untilTerminal = async (orderId: string): Promise<Record<string, unknown>> => {
  const deadline = Date.now() + 60000;
  for (;;) {
    const { body } = await call('GET', `/api/orders/${orderId}`, 'alice');
    if (['CONFIRMED', 'FAILED', 'NEEDS_ATTENTION'].includes(body.status as string) || Date.now() > deadline)
      return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/** The product's stock as the table holds it, read through the edge. */
const stockOf = async (productId: string): Promise<number | undefined> => {
  const client = new DynamoDBClient({
    endpoint: cloud.edgeUrl,
    region: cloud.env.AWS_REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    return (
      await createDynamoStores(DynamoDBDocumentClient.from(client), cloud.names('orders')).products.getProduct(
        productId,
      )
    )?.stock;
  } finally {
    client.destroy();
  }
};

describe('the order saga from POST /api/orders', () => {
  it('a tok_visa order reaches CONFIRMED with its whole timeline, and order.confirmed reaches GET /api/events', async () => {
    const productId = `saga-${ulid()}`.toLowerCase();
    expect(
      (
        await call('PUT', `/api/products/${productId}`, 'admin', {
          name: 'Saga mug',
          price: 1200,
          currency: 'EUR',
          stock: 4,
        })
      ).status,
    ).toBe(200);

    const created = await call('POST', '/api/orders', 'alice', {
      items: [{ productId, quantity: 3 }],
      paymentToken: 'tok_visa',
    });
    const order = await untilTerminal(created.body.orderId as string);

    expect(created.status).toBe(201);
    expect(order.status).toBe('CONFIRMED');
    expect((order.timeline as { status: string }[]).map((entry) => entry.status)).toEqual([
      'PENDING',
      'VALIDATED',
      'INVENTORY_RESERVED',
      'PAYMENT_CAPTURED',
      'CONFIRMED',
    ]);
    expect(await stockOf(productId)).toBe(1);
    expect(order.paymentTransactionId).toEqual(expect.stringMatching(/^pi_/));
    const deadline = Date.now() + 15000;
    let types: string[] = [];
    while (Date.now() < deadline && !types.includes('order.confirmed')) {
      const events = (await call('GET', '/api/events?limit=100', 'admin')).body.items as {
        detailType: string;
        detail: { orderId?: string };
      }[];
      types = events.filter((event) => event.detail.orderId === created.body.orderId).map((event) => event.detailType);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(types).toContain('order.confirmed');
  });

  it('a tok_chargeDeclinedInsufficientFunds order reaches FAILED with PAYMENT_DECLINED and its stock back', async () => {
    const productId = `saga-${ulid()}`.toLowerCase();
    await call('PUT', `/api/products/${productId}`, 'admin', {
      name: 'Saga cup',
      price: 800,
      currency: 'EUR',
      stock: 2,
    });

    const created = await call('POST', '/api/orders', 'alice', {
      items: [{ productId, quantity: 2 }],
      paymentToken: 'tok_chargeDeclinedInsufficientFunds',
    });
    const order = await untilTerminal(created.body.orderId as string);

    expect(order).toMatchObject({ status: 'FAILED', failureReason: 'PAYMENT_DECLINED' });
    expect(JSON.stringify(order.timeline)).toContain('insufficient_funds');
    expect(
      (order.timeline as { step?: string; outcome?: string; status: string; reason?: string }[]).map(
        ({ step, outcome, status, reason }) => ({ step, outcome, status, reason }),
      ),
    ).toEqual([
      { step: 'PlaceOrder', outcome: 'placed', status: 'PENDING', reason: undefined },
      { step: 'ValidateOrder', outcome: 'validated', status: 'VALIDATED', reason: undefined },
      { step: 'ReserveInventory', outcome: 'reserved', status: 'INVENTORY_RESERVED', reason: undefined },
      { step: 'ChargePayment', outcome: 'declined', status: 'COMPENSATING', reason: 'PAYMENT_DECLINED' },
      { step: 'ReleaseInventory', outcome: 'released', status: 'COMPENSATING', reason: undefined },
      { step: 'MarkOrderFailed', outcome: 'failed', status: 'FAILED', reason: 'PAYMENT_DECLINED' },
    ]);
    expect(await stockOf(productId)).toBe(2);
  });
});
