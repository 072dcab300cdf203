import { ulid } from 'ulid';
import { ROUTE_DOCS } from './routes';
import type { RouteDoc } from './routes/route-doc';
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

  /** A concrete path of the route: every `:param` filled with a well-formed id. */
  const concrete = (doc: RouteDoc): string =>
    doc.path
      .replace(/:partnerId/, 'acme')
      .replace(/:name/, 'webhook-deliveries-dlq')
      .replace(/:[A-Za-z]+/g, ulid());
  const label = (doc: RouteDoc): string => `${doc.method.toUpperCase()} ${doc.path}`;

  it('refuses every route of /openapi.json that is not public without a token, and with a forged one', async () => {
    const guarded = ROUTE_DOCS.filter((doc) => doc.public !== true);
    const answers: string[] = [];
    for (const doc of guarded) {
      // act
      const anonymous = await fetch(`${api.url}${concrete(doc)}`, { method: doc.method.toUpperCase() });
      const forged = await fetch(`${api.url}${concrete(doc)}`, {
        method: doc.method.toUpperCase(),
        headers: { authorization: `Bearer ${(await api.tokenFor('bob')).slice(0, -4)}AAAA` },
      });
      answers.push(`${label(doc)} ${anonymous.status} ${forged.status}`);
    }
    // assess
    expect(guarded.length).toBeGreaterThan(15);
    expect(answers).toEqual(guarded.map((doc) => `${label(doc)} 401 401`));
  });

  it('answers 403 to a customer on every admin route of /openapi.json', async () => {
    const adminOnly = ROUTE_DOCS.filter((doc) => doc.admin === true);
    const answers: string[] = [];
    for (const doc of adminOnly) {
      // act
      const response = await call(
        doc.method.toUpperCase(),
        concrete(doc),
        'bob',
        doc.body === undefined ? undefined : {},
      );
      answers.push(`${label(doc)} ${response.status}`);
    }
    // assess
    expect(adminOnly.map(label).sort()).toEqual([
      'GET /api/admin/dlqs',
      'GET /api/admin/stats',
      'GET /api/events',
      'GET /api/traces',
      'POST /api/admin/dlqs/:name/redrive',
      'POST /api/admin/orders/:id/retry',
      'PUT /api/products/:id',
    ]);
    expect(answers).toEqual(adminOnly.map((doc) => `${label(doc)} 403`));
  });

  it('serves the public routes of /openapi.json without asking for a token', async () => {
    const open = ROUTE_DOCS.filter((doc) => doc.public === true);
    const challenged: string[] = [];
    for (const doc of open) {
      // act
      const response = await fetch(`${api.url}${concrete(doc)}`, {
        method: doc.method.toUpperCase(),
        ...(doc.method === 'post' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
      });
      if (response.status === 401 && response.headers.get('www-authenticate') !== null) challenged.push(label(doc));
    }
    // assess
    expect(open.map(label).sort()).toEqual([
      'GET /config.json',
      'GET /health',
      'GET /openapi.json',
      'GET /ready',
      'POST /webhooks/ingest/:partnerId',
    ]);
    expect(challenged).toEqual([]);
  });
});
