/**
 * GET /api/admin/stats against DynamoDB Local through the API harness: orders placed through the API and moved to
 * their outcomes, then counted per minute and timed from the real items.
 */
import { ulid } from 'ulid';
import type { OrderStatus } from '../../core/domain/order-status';
import { startApiHarness } from '../test-support/api-harness';
import type { ApiHarness } from '../test-support/api-harness';
import type { Outcome, StatsResponse } from './stats';

/** A stats answer, or the error body of a refused request. */
type StatsAnswer = StatsResponse & { error?: { code: string } };

jest.setTimeout(60_000);

describe('GET /api/admin/stats', () => {
  let api: ApiHarness;

  const stats = async (username: string, query = '') => {
    const response = await fetch(`${api.url}/api/admin/stats${query}`, { headers: await api.authHeader(username) });
    return { status: response.status, body: (await response.json()) as StatsAnswer };
  };

  const orderEndingIn = async (path: readonly OrderStatus[]): Promise<{ orderId: string; createdAt: string }> => {
    const response = await fetch(`${api.url}/api/orders`, {
      method: 'POST',
      headers: { ...(await api.authHeader('alice')), 'content-type': 'application/json', 'idempotency-key': ulid() },
      body: JSON.stringify({ items: [{ productId: 'mug', quantity: 1 }], paymentToken: 'tok_visa' }),
    });
    const created = (await response.json()) as { orderId: string; createdAt: string };
    for (const to of path)
      await api.stores.orders.transitionOrder({
        orderId: created.orderId,
        to,
        at: new Date().toISOString(),
        ...(to === 'COMPENSATING' || to === 'FAILED' || to === 'NEEDS_ATTENTION'
          ? { reason: 'PAYMENT_DECLINED' as const }
          : {}),
      });
    return created;
  };

  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api.stop();
  });

  it('counts the finished orders by outcome in the minute they finished and times them from their creation', async () => {
    const before = await stats('admin', '?minutes=5');
    await orderEndingIn(['VALIDATED', 'INVENTORY_RESERVED', 'PAYMENT_CAPTURED', 'CONFIRMED']);
    await orderEndingIn(['VALIDATED', 'INVENTORY_RESERVED', 'PAYMENT_CAPTURED', 'CONFIRMED']);
    await orderEndingIn(['VALIDATED', 'FAILED']);
    await orderEndingIn(['VALIDATED', 'INVENTORY_RESERVED', 'COMPENSATING', 'NEEDS_ATTENTION']);
    await orderEndingIn(['VALIDATED']);

    const after = await stats('admin', '?minutes=5');

    const total = (body: StatsAnswer, outcome: Outcome) =>
      body.perMinute.reduce((sum, bucket) => sum + bucket[outcome], 0);
    expect(after.status).toBe(200);
    expect(after.body.perMinute).toHaveLength(5);
    expect(Date.parse(after.body.window.to) - Date.parse(after.body.window.from)).toBeLessThanOrEqual(5 * 60_000);
    expect(total(after.body, 'CONFIRMED') - total(before.body, 'CONFIRMED')).toBe(2);
    expect(total(after.body, 'FAILED') - total(before.body, 'FAILED')).toBe(1);
    expect(total(after.body, 'NEEDS_ATTENTION') - total(before.body, 'NEEDS_ATTENTION')).toBe(1);
    expect(after.body.completion.count - before.body.completion.count).toBe(4);
    expect(after.body.completion.p50Ms).toBeGreaterThanOrEqual(0);
    expect(after.body.completion.p99Ms).toBeGreaterThanOrEqual(after.body.completion.p50Ms!);
    expect(after.body.completion.p99Ms).toBeLessThan(30_000);
  });

  it('defaults to 60 minutes', async () => {
    const answer = await stats('admin');

    expect(answer.status).toBe(200);
    expect(answer.body.perMinute).toHaveLength(60);
  });

  it('refuses a customer with 403 and an invalid window with 400', async () => {
    const customer = await stats('alice');
    const zero = await stats('admin', '?minutes=0');
    const huge = await stats('admin', '?minutes=100000');
    const text = await stats('admin', '?minutes=lots');

    expect(customer.status).toBe(403);
    expect([zero.status, huge.status, text.status]).toEqual([400, 400, 400]);
    expect(text.body.error?.code).toBe('VALIDATION_FAILED');
  });
});
