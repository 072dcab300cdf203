import { describe, expect, it } from 'vitest';
import { clientFor } from '../test/fakes';
import { ApiNetworkError, ApiRequestError, createApiClient, createLocalClient, formatMoney } from './api';
import { tableFetch } from '../test/fakes';

describe('api client', () => {
  it('sends the caller identity and answers typed JSON', async () => {
    // prepare
    const { api, calls } = clientFor({ 'GET /api/orders?cursor=abc': [200, { items: [], nextCursor: null }] });
    // act
    const page = await api.listOrders('abc');
    // assess
    expect(page).toEqual({ items: [], nextCursor: null });
    expect(calls[0]!.headers.authorization).toBe('Bearer test-token');
    expect(calls[0]!.headers['x-customer-id']).toBeUndefined();
  });

  it('turns the API error shape into an ApiRequestError with code and details', async () => {
    // prepare
    const { api } = clientFor({
      'POST /api/orders': [
        400,
        {
          error: { code: 'VALIDATION_FAILED', message: 'quantity too large', details: [{ path: 'items.0.quantity' }] },
        },
      ],
    });
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
    const api = createApiClient({
      fetch: async () => {
        throw cause;
      },
    });
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

  it('formats Money objects', () => {
    expect(formatMoney({ amount: 1999, currency: 'USD' })).toBe('$19.99');
    expect(formatMoney({ amount: 500, currency: 'EUR' })).toBe('€5.00');
    expect(formatMoney(undefined)).toBe('');
  });

  it('drives the local control plane at its own base URL: faults set, cleared for one function or all', async () => {
    // prepare
    const { fetch, calls } = tableFetch({
      'POST http://127.0.0.1:4566/_local/faults': [200, { function: 'local-send-email' }],
      'DELETE http://127.0.0.1:4566/_local/faults?function=local-send-email': [200, { cleared: 'local-send-email' }],
      'DELETE http://127.0.0.1:4566/_local/faults': [200, { cleared: 'all' }],
    });
    const local = createLocalClient('http://127.0.0.1:4566/_local/', { fetch });
    // act
    await local.setFault({ function: 'local-send-email', failNext: 2 });
    await local.clearFaults('local-send-email');
    await local.clearFaults();
    // assess
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST http://127.0.0.1:4566/_local/faults',
      'DELETE http://127.0.0.1:4566/_local/faults?function=local-send-email',
      'DELETE http://127.0.0.1:4566/_local/faults',
    ]);
    expect(JSON.parse(calls[0]!.body!)).toEqual({ function: 'local-send-email', failNext: 2 });
    expect(calls[0]!.headers.authorization).toBeUndefined();
  });

  it('reads the control plane error shape {error, message}', async () => {
    // prepare
    const { fetch } = tableFetch({
      'POST http://x/_local/faults': [404, { error: 'FunctionNotFound', message: 'no function nope' }],
    });
    // act
    const failure = await createLocalClient('http://x/_local', { fetch })
      .setFault({ function: 'nope', failNext: 1 })
      .catch((e: unknown) => e);
    // assess
    expect(failure).toMatchObject({
      name: 'ApiRequestError',
      status: 404,
      code: 'FunctionNotFound',
      message: 'no function nope',
    });
  });

  it('renews a refused session once and repeats the request with the new token', async () => {
    // prepare: the first call is refused (the platform restarted), the handler renews the token
    let token = 'old';
    let calls = 0;
    const fetcher = (async (_url: RequestInfo | URL, init?: RequestInit) => {
      calls += 1;
      const auth = (init!.headers as Record<string, string>).authorization;
      return auth === 'Bearer new'
        ? new Response(JSON.stringify({ items: [], nextCursor: null }), { status: 200 })
        : new Response(
            JSON.stringify({ error: { code: 'INVALID_TOKEN', message: 'the token is not valid for this API' } }),
            { status: 401 },
          );
    }) as typeof fetch;
    const api = createApiClient({
      fetch: fetcher,
      headers: () => ({ authorization: `Bearer ${token}` }),
      onSessionRejected: async () => {
        token = 'new';
        return true;
      },
    });
    // act
    const page = await api.listOrders();
    // assess
    expect(page).toEqual({ items: [], nextCursor: null });
    expect(calls).toBe(2);
  });

  it('answers the 401 when the session cannot be renewed, without repeating the request', async () => {
    // prepare
    const { fetch, calls } = tableFetch({
      'GET /api/orders': [401, { error: { code: 'TOKEN_EXPIRED', message: 'the token has expired; sign in again' } }],
    });
    let asked = 0;
    const api = createApiClient({
      fetch,
      onSessionRejected: async () => {
        asked += 1;
        return false;
      },
    });
    // act
    const failure = await api.listOrders().catch((e: unknown) => e);
    // assess
    expect(failure).toMatchObject({ status: 401, code: 'TOKEN_EXPIRED' });
    expect(asked).toBe(1);
    expect(calls).toHaveLength(1);
  });

  it('does not try to renew on a 401 that is not about the token (no token sent)', async () => {
    // prepare
    const { fetch } = tableFetch({
      'GET /api/orders': [401, { error: { code: 'UNAUTHENTICATED', message: 'sign in' } }],
    });
    let asked = 0;
    const api = createApiClient({
      fetch,
      onSessionRejected: async () => {
        asked += 1;
        return true;
      },
    });
    // act
    await api.listOrders().catch(() => undefined);
    // assess
    expect(asked).toBe(0);
  });
});
