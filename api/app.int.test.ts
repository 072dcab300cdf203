import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { ulid } from 'ulid';
import { ORDER_EVENT_SOURCE } from '../core/events/order-events';
import { OrderService } from '../core/orders/order-service';
import { startApiHarness } from './test-support/api-harness';
import type { ApiHarness } from './test-support/api-harness';

describe('orders API over HTTP against DynamoDB Local', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api.stop();
  });

  const body = {
    items: [
      { productId: 'espresso-beans', quantity: 2 },
      { productId: 'mug', quantity: 1 },
    ],
    paymentToken: 'tok_visa',
  };
  const post = async (
    customer: string,
    key: string | undefined,
    payload: unknown = body,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${api.url}/api/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(await api.authHeader(customer)),
        ...(key === undefined ? {} : { 'idempotency-key': key }),
        ...headers,
      },
      body: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const get = async (path: string, customer?: string) =>
    fetch(`${api.url}${path}`, { headers: customer === undefined ? {} : await api.authHeader(customer) });
  const itemCount = async () =>
    (await api.local.documentClient.send(new ScanCommand({ TableName: api.local.tableName, Select: 'COUNT' }))).Count;

  it('creates an order with the total computed from the catalog and reads it back', async () => {
    const created = await post('alice', ulid());
    const order = (await created.json()) as { orderId: string; status: string; total: unknown; lines: unknown[] };
    const read = await get(`/api/orders/${order.orderId}`, 'alice');
    expect(created.status).toBe(201);
    expect(order).toMatchObject({ status: 'PENDING', total: { amount: 2 * 2490 + 1250, currency: 'EUR' } });
    expect(order).not.toHaveProperty('paymentToken');
    expect(await read.json()).toEqual(order);
  });

  it('answers a replay with the same key and body with the original order and creates nothing', async () => {
    const key = ulid();
    const first = (await (await post('bob', key)).json()) as { orderId: string };
    await api.settled();
    const before = await itemCount();
    const replay = await post('bob', key);
    const replayed = (await replay.json()) as { orderId: string };
    const list = (await (await get('/api/orders', 'bob')).json()) as { items: unknown[] };
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.orderId).toBe(first.orderId);
    expect(await itemCount()).toBe(before);
    expect(list.items).toHaveLength(1);
  });

  it('answers 422 for the same key with a different body and writes nothing', async () => {
    const key = ulid();
    await post('carol', key);
    await api.settled();
    const before = await itemCount();
    const conflict = await post('carol', key, { ...body, paymentToken: 'tok_other' });
    expect(conflict.status).toBe(422);
    expect(((await conflict.json()) as { error: { code: string } }).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await itemCount()).toBe(before);
  });

  it('requires an Idempotency-Key', async () => {
    const response = await post('dave', undefined);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REQUIRED' } });
  });

  it('answers 400 with every violation, including a client-sent price', async () => {
    const response = await post('erin', ulid(), {
      items: [{ productId: 'mug', quantity: 101, price: 1 }],
      paymentToken: '',
    });
    const answer = (await response.json()) as { error: { code: string; details: { path: string }[] } };
    expect(response.status).toBe(400);
    expect(answer.error.code).toBe('VALIDATION_FAILED');
    expect(answer.error.details.map((detail) => detail.path).sort()).toEqual([
      'items.0',
      'items.0.quantity',
      'paymentToken',
    ]);
  });

  it('answers 400 naming an unknown product', async () => {
    const response = await post('erin', ulid(), { items: [{ productId: 'unicorn', quantity: 1 }], paymentToken: 't' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { details: [{ path: 'items.0.productId', message: 'unknown product unicorn' }] },
    });
  });

  it.each([
    ['malformed JSON', '{"items": [', {}, 400, 'MALFORMED_JSON'],
    [
      'a non-JSON body',
      'items=1',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a body over 256 KB',
      JSON.stringify({ ...body, paymentToken: 'x'.repeat(300 * 1024) }),
      {},
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    ['an empty body', '', {}, 400, 'MALFORMED_JSON'],
    ['a JSON string instead of an object', '"tok_visa"', {}, 400, 'MALFORMED_JSON'],
    ['a __proto__ key (prototype poisoning)', '{"items":[],"__proto__":{"isAdmin":true}}', {}, 400, 'MALFORMED_JSON'],
    ['a gzip-encoded body', JSON.stringify(body), { 'content-encoding': 'gzip' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [
      'a JSON body declared utf-16',
      JSON.stringify(body),
      { 'content-type': 'application/json; charset=utf-16' },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
  ])('answers %s with the error shape', async (_, payload, headers, status, code) => {
    const response = await post('frank', ulid(), payload, headers);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error: { code, message: expect.any(String) } });
  });

  it('answers 404 JSON for an unknown route and 401 without a caller', async () => {
    const unknown = await get('/api/nothing-here', 'gina');
    const anonymous = await get('/api/orders');
    expect([unknown.status, anonymous.status]).toEqual([404, 401]);
    expect(await unknown.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it("hides another customer's order", async () => {
    const order = (await (await post('hank', ulid())).json()) as { orderId: string };
    const other = await get(`/api/orders/${order.orderId}`, 'ivy');
    expect(other.status).toBe(404);
  });

  it("pages through the caller's orders newest first", async () => {
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1)
      ids.push(((await (await post('jill', ulid())).json()) as { orderId: string }).orderId);
    const first = (await (await get('/api/orders?limit=2', 'jill')).json()) as {
      items: { orderId: string }[];
      nextCursor: string;
    };
    const second = (await (await get(`/api/orders?limit=2&cursor=${first.nextCursor}`, 'jill')).json()) as {
      items: { orderId: string }[];
    };
    expect([...first.items, ...second.items].map((order) => order.orderId)).toEqual(ids.reverse());
  });

  it('lets only the admin put products', async () => {
    const put = async (customer: string) =>
      fetch(`${api.url}/api/products/teapot`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...(await api.authHeader(customer)) },
        body: JSON.stringify({ name: 'Teapot', price: 3900, currency: 'EUR', stock: 5 }),
      });
    const denied = await put('kate');
    const allowed = await put('admin');
    const catalog = (await (await get('/api/products?limit=100', 'kate')).json()) as {
      items: { productId: string; price: unknown }[];
    };
    expect([denied.status, allowed.status]).toEqual([403, 200]);
    expect(catalog.items.find((product) => product.productId === 'teapot')?.price).toEqual({
      amount: 3900,
      currency: 'EUR',
    });
  });

  it('serves OpenAPI 3.1 generated from the request schemas', async () => {
    const doc = (await (await get('/openapi.json')).json()) as {
      openapi: string;
      components: {
        schemas: Record<string, { properties: Record<string, { maxItems?: number }>; additionalProperties?: boolean }>;
      };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.schemas.CreateOrderRequest.properties.items.maxItems).toBe(50);
    expect(doc.components.schemas.CreateOrderRequest.additionalProperties).toBe(false);
  });

  it('publishes order.created through EventBridge', async () => {
    const order = (await (await post('lena', ulid())).json()) as { orderId: string };
    await api.settled();
    expect(
      api.bus.received
        .filter((event) => event.detail.orderId === order.orderId)
        .map((event) => [event.source, event['detail-type']]),
    ).toEqual([[ORDER_EVENT_SOURCE, 'order.created']]);
  });

  it('still delivers order.created through the outbox relay when PutEvents reports failed entries', async () => {
    api.bus.failEntriesWith = 'InternalFailure';
    const created = await post('mike', ulid());
    const order = (await created.json()) as { orderId: string };
    await api.settled();
    const deliveredAtCreate = api.bus.received.filter((event) => event.detail.orderId === order.orderId).length;
    api.bus.failEntriesWith = undefined;
    const relay = new OrderService({
      ...api.stores,
      publisher: api.publisher,
      log: new Logger({ logLevel: 'SILENT' }),
      newId: ulid,
    });
    const result = await relay.relayPendingOutbox({ minAgeMs: 0 });
    const delivered = api.bus.received.filter((event) => event.detail.orderId === order.orderId);
    expect(created.status).toBe(201);
    expect(deliveredAtCreate).toBe(0);
    expect(result.published).toBeGreaterThanOrEqual(1);
    expect(delivered.map((event) => event['detail-type'])).toEqual(['order.created']);
  });
});
