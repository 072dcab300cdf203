import { vi } from 'vitest';
import type { EventSourceLike } from '../composables/use-event-stream';
import { createApiClient, type ApiClient } from '../services/api';
import type { Session } from '../services/auth';
import type { Order, Product } from '../services/types';

/** A fetch that answers from a table of `METHOD path` -> [status, body] and records every call. */
export const tableFetch = (table: Record<string, [number, unknown]>) => {
  const calls: { method: string; url: string; headers: Record<string, string>; body?: string }[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    const url = String(input);
    calls.push({
      method,
      url,
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: init?.body as string | undefined,
    });
    const hit = table[`${method} ${url}`];
    const [status, body] = hit ?? [404, { error: { code: 'NOT_FOUND', message: 'Not found' } }];
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  });
  return { fetch: fn as unknown as typeof fetch, calls };
};

export const clientFor = (
  table: Record<string, [number, unknown]>,
): { api: ApiClient; calls: ReturnType<typeof tableFetch>['calls'] } => {
  const { fetch, calls } = tableFetch(table);
  return { api: createApiClient({ fetch, headers: () => ({ authorization: 'Bearer test-token' }) }), calls };
};

/** An EventSource the test drives by hand. */
export class FakeEventSource implements EventSourceLike {
  static last: FakeEventSource | undefined;
  readyState = 0;
  onopen: EventSourceLike['onopen'] = null;
  onerror: EventSourceLike['onerror'] = null;
  closed = false;
  private listeners = new Map<string, ((event: MessageEvent) => void)[]>();

  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }

  addEventListener(type: string, listener: (event: MessageEvent) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
    this.readyState = 2;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.call(this, new Event('open'));
  }

  emit(type: string, data: unknown): void {
    for (const listener of this.listeners.get(type) ?? [])
      listener(new MessageEvent(type, { data: JSON.stringify(data) }));
  }

  fail(): void {
    this.readyState = 2;
    this.onerror?.call(this, new Event('error'));
  }
}

export const product = (over: Partial<Product> = {}): Product => ({
  productId: 'p-1',
  name: 'Espresso beans',
  price: { amount: 2490, currency: 'USD' },
  stock: 5,
  updatedAt: '2026-01-01T09:00:00.000Z',
  ...over,
});

export const order = (over: Partial<Order> = {}): Order => ({
  orderId: 'o-1',
  customerId: 'alice',
  status: 'PENDING',
  lines: [
    {
      productId: 'p-1',
      name: 'Espresso beans',
      quantity: 2,
      unitPrice: { amount: 2490, currency: 'USD' },
      lineTotal: { amount: 4980, currency: 'USD' },
    },
  ],
  total: { amount: 4980, currency: 'USD' },
  timeline: [],
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
  ...over,
});

/** A session as signInWithCognito makes it (the token is opaque to the components). */
export const session = (over: Partial<Session> = {}): Session => ({
  username: 'alice',
  idToken: 'id.token.alice',
  expiresAt: Date.now() + 3_600_000,
  isAdmin: false,
  ...over,
});
