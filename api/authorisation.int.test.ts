/**
 * Who may call what, with real Cognito tokens against the API's one composition (createApp, the DynamoDB-backed
 * harness: authorisation is decided before any other dependency is called). The operations come from the
 * /openapi.json the app serves, and every one of them must have a reviewed entry in ACCESS: a route added without
 * a decision on who may call it fails here.
 */
import { ulid } from 'ulid';
import { DynamoLoyaltyLedger } from '../core/store/dynamo-loyalty-ledger';
import { ROUTE_DOCS } from './routes';
import { openApiPath } from './routes/route-doc';
import { startApiHarness } from './test-support/api-harness';
import type { ApiHarness } from './test-support/api-harness';

jest.setTimeout(90_000);

describe('authorisation with real Cognito tokens: customers isolated, admin powers for the admin group only', () => {
  let api: ApiHarness;
  let aliceOrderId: string;
  beforeAll(async () => {
    api = await startApiHarness();
    aliceOrderId = ((await (await place('alice')).json()) as { orderId: string }).orderId;
  });
  afterAll(async () => {
    await api.stop();
  });

  const order = { items: [{ productId: 'mug', quantity: 1 }], paymentToken: 'tok_visa' };
  const call = async (
    method: string,
    path: string,
    username: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${api.url}${path}`, {
      method,
      headers: {
        ...(await api.authHeader(username)),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const place = (username: string, body: unknown = order) =>
    call('POST', '/api/orders', username, body, { 'idempotency-key': ulid() });

  it("owns the order by the token's sub", async () => {
    // act
    const response = await call('GET', `/api/orders/${aliceOrderId}`, 'alice');
    // assess
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      orderId: aliceOrderId,
      customerId: await api.identity.subOf('alice'),
    });
  });

  it("answers 404 to bob for alice's order, and leaves it out of bob's list", async () => {
    // act
    const read = await call('GET', `/api/orders/${aliceOrderId}`, 'bob');
    const list = (await (await call('GET', '/api/orders', 'bob')).json()) as { items: { orderId: string }[] };
    // assess
    expect(read.status).toBe(404);
    expect(await read.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(list.items.map((item) => item.orderId)).not.toContain(aliceOrderId);
  });

  it('refuses a customer named in the request body, and attributes nothing to that customer', async () => {
    // act
    const response = await place('bob', { ...order, customerId: await api.identity.subOf('alice') });
    const aliceList = (await (await call('GET', '/api/orders?limit=100', 'alice')).json()) as {
      items: { orderId: string }[];
    };
    // assess
    expect(response.status).toBe(400);
    expect(aliceList.items.map((item) => item.orderId)).toEqual([aliceOrderId]);
  });

  it("lets the admin read any customer's order", async () => {
    // act
    const response = await call('GET', `/api/orders/${aliceOrderId}`, 'admin');
    // assess
    expect(response.status).toBe(200);
  });

  it('lets only the admin list all orders by status', async () => {
    // act
    const asAdmin = await call('GET', '/api/orders?status=PENDING&limit=100', 'admin');
    const asBob = await call('GET', '/api/orders?status=PENDING', 'bob');
    // assess
    const items = ((await asAdmin.json()) as { items: { orderId: string }[] }).items;
    expect(asAdmin.status).toBe(200);
    expect(items.map((item) => item.orderId)).toContain(aliceOrderId);
    expect(asBob.status).toBe(403);
  });

  it('lets only the admin put products, and a refused put changes nothing', async () => {
    // prepare
    const product = { name: 'Teapot', price: 3900, currency: 'EUR', stock: 5 };
    // act
    const asAlice = await call('PUT', '/api/products/auth-teapot', 'alice', product);
    const afterRefusal = await api.stores.products.getProduct('auth-teapot');
    const asAdmin = await call('PUT', '/api/products/auth-teapot', 'admin', product);
    // assess
    expect(asAlice.status).toBe(403);
    expect(await asAlice.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(afterRefusal).toBeUndefined();
    expect(asAdmin.status).toBe(200);
  });

  it('lets only the admin read the event log', async () => {
    // act
    const asBob = await call('GET', '/api/events', 'bob');
    const asAdmin = await call('GET', '/api/events', 'admin');
    // assess
    expect([asBob.status, asAdmin.status]).toEqual([403, 200]);
  });

  it('answers 401 to the catalog without a token, and serves it with one', async () => {
    // act
    const anonymous = await fetch(`${api.url}/api/products`);
    const signedIn = await call('GET', '/api/products', 'bob');
    // assess
    expect([anonymous.status, signedIn.status]).toEqual([401, 200]);
  });

  it('ignores the retired X-Customer-Id header', async () => {
    // act
    const response = await fetch(`${api.url}/api/orders`, { headers: { 'x-customer-id': 'admin' } });
    // assess
    expect(response.status).toBe(401);
  });

  it("answers each customer their own loyalty points, never another's", async () => {
    // prepare: alice's order earned 24 points
    const ledger = new DynamoLoyaltyLedger(api.local.documentClient, api.local.tableName);
    const at = new Date().toISOString();
    await ledger.award({
      customerId: await api.identity.subOf('alice'),
      orderId: aliceOrderId,
      eventId: ulid(),
      total: { amount: 2490, currency: 'EUR' },
      points: 24,
      at,
    });
    // act
    const asAlice = await call('GET', '/api/loyalty', 'alice');
    const asBob = await call('GET', '/api/loyalty', 'bob');
    // assess
    expect([asAlice.status, asBob.status]).toEqual([200, 200]);
    expect(await asAlice.json()).toMatchObject({ points: 24, entries: [{ orderId: aliceOrderId, points: 24 }] });
    expect(await asBob.json()).toEqual({ points: 0, entries: [] });
  });

  /**
   * Who may call each operation of /openapi.json. Reviewed by hand, route by route: an operation added to the API
   * without an entry here fails the first test below, so no route ships without a decision on who may call it.
   */
  const ACCESS: Readonly<Record<string, 'public' | 'customer' | 'admin'>> = {
    'POST /api/orders': 'customer',
    'GET /api/orders': 'customer',
    'GET /api/orders/{id}': 'customer',
    'GET /api/orders/{id}/receipt': 'customer',
    'GET /api/orders/{id}/activity': 'customer',
    'GET /api/orders/{id}/trace': 'customer',
    'GET /api/traces': 'admin',
    'GET /api/products': 'customer',
    'PUT /api/products/{id}': 'admin',
    'GET /api/events': 'admin',
    'POST /api/webhooks': 'customer',
    'GET /api/webhooks': 'customer',
    'GET /api/webhooks/{id}': 'customer',
    'DELETE /api/webhooks/{id}': 'customer',
    'GET /api/webhooks/{id}/deliveries': 'customer',
    'POST /api/webhooks/{id}/enable': 'customer',
    'POST /api/webhooks/{id}/deliveries/{deliveryId}/resend': 'customer',
    'GET /api/loyalty': 'customer',
    'GET /api/admin/dlqs': 'admin',
    'POST /api/admin/dlqs/{name}/redrive': 'admin',
    'POST /api/admin/orders/{id}/retry': 'admin',
    'POST /api/admin/replays': 'admin',
    'GET /api/admin/replays': 'admin',
    'GET /api/admin/replays/{name}': 'admin',
    'GET /api/admin/stats': 'admin',
    'GET /api/stream': 'customer',
    'POST /webhooks/ingest/{partnerId}': 'public',
    'GET /health': 'public',
    'GET /ready': 'public',
    'GET /openapi.json': 'public',
    'GET /asyncapi.json': 'public',
    'GET /config.json': 'public',
  };

  interface Operation {
    readonly method: string;
    readonly path: string;
    /** The document says no token is needed (`security: []`). */
    readonly public: boolean;
    readonly body: boolean;
  }
  /** Every operation of the document the app serves. */
  const documented = async (): Promise<Operation[]> => {
    const document = (await (await fetch(`${api.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown[]; requestBody?: unknown }>>;
    };
    return Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        public: Array.isArray(operation.security) && operation.security.length === 0,
        body: operation.requestBody !== undefined,
      })),
    );
  };
  const label = (operation: Operation): string => `${operation.method} ${operation.path}`;
  /** A concrete path of the operation: every `{param}` filled with a well-formed value. */
  const concrete = (operation: Operation): string =>
    operation.path
      .replace('{partnerId}', 'acme')
      .replace('{name}', 'webhook-deliveries-dlq')
      .replace(/\{[A-Za-z]+\}/g, ulid());
  /** The status of one call; an event stream that opened is closed at its headers. */
  const statusOf = async (operation: Operation, headers: Record<string, string>): Promise<number> => {
    const response = await fetch(`${api.url}${concrete(operation)}`, {
      method: operation.method,
      headers: { ...headers, ...(operation.body ? { 'content-type': 'application/json' } : {}) },
      ...(operation.body ? { body: '{}' } : {}),
    });
    await response.body?.cancel();
    return response.status;
  };

  it('has decided who may call every operation of /openapi.json, and agrees with the document on which are public', async () => {
    // act
    const operations = await documented();
    // assess
    expect(operations.map(label).sort()).toEqual(Object.keys(ACCESS).sort());
    expect(operations.filter((operation) => operation.public).map(label)).toEqual(
      operations.filter((operation) => ACCESS[label(operation)] === 'public').map(label),
    );
    expect(
      ROUTE_DOCS.filter((doc) => doc.admin === true)
        .map((doc) => `${doc.method.toUpperCase()} ${openApiPath(doc.path)}`)
        .sort(),
    ).toEqual(
      Object.keys(ACCESS)
        .filter((key) => ACCESS[key] === 'admin')
        .sort(),
    );
  });

  it('refuses every operation of /openapi.json that is not public without a token, and with a forged one', async () => {
    const guarded = (await documented()).filter((operation) => !operation.public);
    const forged = { authorization: `Bearer ${(await api.tokenFor('bob')).slice(0, -4)}AAAA` };
    const answers: string[] = [];
    for (const operation of guarded) {
      // act
      answers.push(`${label(operation)} ${await statusOf(operation, {})} ${await statusOf(operation, forged)}`);
    }
    // assess
    expect(guarded.length).toBeGreaterThan(15);
    expect(answers).toEqual(guarded.map((operation) => `${label(operation)} 401 401`));
  });

  it('answers 403 to a customer on every admin operation, and lets the admin past', async () => {
    const adminOnly = (await documented()).filter((operation) => ACCESS[label(operation)] === 'admin');
    const customer = await api.authHeader('bob');
    const admin = await api.authHeader('admin');
    const refusedAdmin: string[] = [];
    const answers: string[] = [];
    for (const operation of adminOnly) {
      // act
      answers.push(`${label(operation)} ${await statusOf(operation, customer)}`);
      const asAdmin = await statusOf(operation, admin);
      if (asAdmin === 401 || asAdmin === 403) refusedAdmin.push(`${label(operation)} ${asAdmin}`);
    }
    // assess
    expect(adminOnly.length).toBe(10);
    expect(answers).toEqual(adminOnly.map((operation) => `${label(operation)} 403`));
    expect(refusedAdmin).toEqual([]);
  });

  it('lets a signed-in customer past every customer operation', async () => {
    const customerOperations = (await documented()).filter((operation) => ACCESS[label(operation)] === 'customer');
    const customer = await api.authHeader('bob');
    const refused: string[] = [];
    for (const operation of customerOperations) {
      // act
      const status = await statusOf(operation, customer);
      if (status === 401 || status === 403) refused.push(`${label(operation)} ${status}`);
    }
    // assess
    expect(customerOperations.length).toBeGreaterThan(10);
    expect(refused).toEqual([]);
  });

  it('serves the public operations of /openapi.json without asking for a token', async () => {
    const open = (await documented()).filter((operation) => operation.public);
    const challenged: string[] = [];
    for (const operation of open) {
      // act
      const response = await fetch(`${api.url}${concrete(operation)}`, {
        method: operation.method,
        ...(operation.body ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
      });
      await response.body?.cancel();
      if (response.status === 401 && response.headers.get('www-authenticate') !== null)
        challenged.push(label(operation));
    }
    // assess
    expect(open.map(label).sort()).toEqual([
      'GET /asyncapi.json',
      'GET /config.json',
      'GET /health',
      'GET /openapi.json',
      'GET /ready',
      'POST /webhooks/ingest/{partnerId}',
    ]);
    expect(challenged).toEqual([]);
  });
});
