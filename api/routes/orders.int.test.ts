/**
 * GET /api/orders as the admin browses every customer's orders (issue 17 item 1), and a FAILED order's receipt
 * answers its own code (item 13); against DynamoDB Local and the local Cognito through the API harness.
 */
import { ulid } from 'ulid';
import { startApiHarness } from '../test-support/api-harness';
import type { ApiHarness } from '../test-support/api-harness';

jest.setTimeout(90_000);

interface Listed {
  items: { orderId: string; customerId: string; status: string; createdAt: string }[];
  nextCursor: string | null;
}

describe('the admin order browser', () => {
  let api: ApiHarness;
  const placed: { orderId: string; customerId: string; createdAt: string }[] = [];
  let failedOrderId: string;

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
  const list = async (query: string, username = 'admin'): Promise<Listed> => {
    const response = await call('GET', `/api/orders${query}`, username);
    expect(response.status).toBe(200);
    return (await response.json()) as Listed;
  };
  const place = async (username: string) => {
    const response = await call(
      'POST',
      '/api/orders',
      username,
      { items: [{ productId: 'mug', quantity: 1 }], paymentToken: 'tok_visa' },
      { 'idempotency-key': ulid() },
    );
    const order = (await response.json()) as { orderId: string; customerId: string; createdAt: string };
    placed.push(order);
    return order;
  };

  beforeAll(async () => {
    api = await startApiHarness();
    for (const username of ['carol', 'dave', 'carol', 'dave', 'carol']) await place(username);
    failedOrderId = placed[1].orderId;
    await api.stores.orders.transitionOrder({
      orderId: failedOrderId,
      to: 'FAILED',
      at: new Date().toISOString(),
      reason: 'PAYMENT_DECLINED',
    });
  });
  afterAll(async () => {
    await api.stop();
  });

  it("lists every customer's orders newest first, with no filter", async () => {
    // act
    const page = await list('?limit=100');
    // assess
    const ids = page.items.map((item) => item.orderId);
    expect(ids).toEqual([...placed].reverse().map((order) => order.orderId));
    expect(new Set(page.items.map((item) => item.customerId)).size).toBe(2);
  });

  it('pages through every order with the cursor, each once', async () => {
    // act
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Listed = await list(`?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      seen.push(...page.items.map((item) => item.orderId));
      cursor = page.nextCursor;
    } while (cursor !== null);
    // assess
    expect(seen).toEqual([...placed].reverse().map((order) => order.orderId));
  });

  it('filters by status', async () => {
    // act
    const failed = await list('?status=FAILED');
    // assess
    expect(failed.items.map((item) => item.orderId)).toEqual([failedOrderId]);
  });

  it('filters by customer, and by customer and status together', async () => {
    // prepare
    const carol = placed[0].customerId;
    // act
    const all = await list(`?customerId=${carol}`);
    const pending = await list(`?customerId=${carol}&status=PENDING`);
    // assess
    const carols = placed
      .filter((order) => order.customerId === carol)
      .reverse()
      .map((order) => order.orderId);
    expect(all.items.map((item) => item.orderId)).toEqual(carols);
    expect(pending.items.map((item) => item.orderId)).toEqual(carols);
    expect(
      (await list(`?customerId=${placed[1].customerId}&status=PENDING`)).items.map((item) => item.orderId),
    ).toEqual([placed[3].orderId]);
  });

  it('filters by creation time, alone and within a customer', async () => {
    // prepare: from the third order on
    const from = placed[2].createdAt;
    // act
    const since = await list(`?from=${encodeURIComponent(from)}`);
    const until = await list(`?to=${encodeURIComponent(placed[1].createdAt)}&customerId=${placed[1].customerId}`);
    // assess
    expect(since.items.map((item) => item.orderId)).toEqual(
      placed
        .slice(2)
        .reverse()
        .map((order) => order.orderId),
    );
    expect(until.items.map((item) => item.orderId)).toEqual([placed[1].orderId]);
  });

  it('finds one order by its id, and a customer by theirs', async () => {
    // act
    const byOrder = await list(`?q=${placed[3].orderId}`);
    const byCustomer = await list(`?q=${placed[1].customerId}`);
    // assess
    expect(byOrder.items.map((item) => item.orderId)).toEqual([placed[3].orderId]);
    expect(byCustomer.items.map((item) => item.orderId)).toEqual([placed[3].orderId, placed[1].orderId]);
  });

  it('still lists a customer only their own orders, and refuses them any filter', async () => {
    // act
    const own = await list('?limit=100', 'dave');
    const filtered = await call('GET', `/api/orders?customerId=${placed[0].customerId}`, 'dave');
    // assess
    expect(own.items.every((item) => item.customerId === placed[1].customerId)).toBe(true);
    expect(own.items).toHaveLength(2);
    expect(filtered.status).toBe(403);
  });

  it('answers 400 to a time range that ends before it starts', async () => {
    // act
    const response = await call(
      'GET',
      `/api/orders?from=${encodeURIComponent(placed[4].createdAt)}&to=${encodeURIComponent(placed[0].createdAt)}`,
      'admin',
    );
    // assess
    expect(response.status).toBe(400);
  });

  it('answers 409 NO_RECEIPT_ORDER_FAILED for the receipt of a FAILED order', async () => {
    // act
    const response = await call('GET', `/api/orders/${failedOrderId}/receipt`, 'dave');
    // assess
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: { code: 'NO_RECEIPT_ORDER_FAILED' } });
  });
});
