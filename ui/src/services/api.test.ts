import { describe, expect, it } from 'vitest';
import { clientFor } from '../test/fakes';
import { ApiNetworkError, ApiRequestError, createApiClient, formatMoney, itemsOf } from './api';

describe('api client', () => {
  it('sends the caller identity and answers typed JSON', async () => {
    // prepare
    const { api, calls } = clientFor({ 'GET /api/orders?cursor=abc': [200, { items: [], nextCursor: null }] });
    // act
    const page = await api.listOrders('abc');
    // assess
    expect(page).toEqual({ items: [], nextCursor: null });
    expect(calls[0]!.headers['x-customer-id']).toBe('alice');
  });

  it('turns the API error shape into an ApiRequestError with code and details', async () => {
    // prepare
    const { api } = clientFor({ 'POST /api/orders': [400, { error: { code: 'VALIDATION_FAILED', message: 'quantity too large', details: [{ path: 'items.0.quantity' }] } }] });
    expect.assertions(4);
    // act
    try {
      await api.createOrder({ items: [{ productId: 'p', quantity: 500 }], paymentToken: 'tok_visa' }, 'k1');
    } catch (error) {
      // assess
      expect(error).toBeInstanceOf(ApiRequestError);
      expect((error as ApiRequestError).code).toBe('VALIDATION_FAILED');
      expect((error as ApiRequestError).details).toEqual([{ path: 'items.0.quantity' }]);
      expect((error as ApiRequestError).unavailable).toBe(false);
    }
  });

  it('marks a missing endpoint as unavailable', async () => {
    // prepare
    const { api } = clientFor({});
    // act
    const failure = api.listDlqs().catch((e: unknown) => e);
    // assess
    await expect(failure).resolves.toMatchObject({ name: 'ApiRequestError', status: 404, unavailable: true });
  });

  it('wraps a transport failure in ApiNetworkError with its cause', async () => {
    // prepare
    const cause = new TypeError('fetch failed');
    const api = createApiClient({ fetch: async () => { throw cause; } });
    // act
    const failure = await api.listProducts().catch((e: unknown) => e);
    // assess
    expect(failure).toBeInstanceOf(ApiNetworkError);
    expect((failure as Error).cause).toBe(cause);
  });

  it('encodes path parameters', async () => {
    // prepare
    const { api, calls } = clientFor({ 'GET /api/orders/a%2Fb': [200, {}] });
    // act
    await api.getOrder('a/b');
    // assess
    expect(calls[0]!.url).toBe('/api/orders/a%2Fb');
  });

  it('formats minor units and reads both list shapes', () => {
    expect(formatMoney(1999, 'USD')).toBe('$19.99');
    expect(itemsOf([{ a: 1 }])).toEqual([{ a: 1 }]);
    expect(itemsOf({ items: [{ a: 2 }] })).toEqual([{ a: 2 }]);
    expect(itemsOf(undefined)).toEqual([]);
  });
});
