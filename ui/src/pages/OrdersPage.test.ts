import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { provideApi } from '../composables/use-api';
import { setEventSourceFactory } from '../composables/use-event-stream';
import { createAppRouter } from '../router';
import { useAuthStore } from '../stores/auth';
import { clientFor, FakeEventSource, order, product, session } from '../test/fakes';
import type { Session } from '../services/auth';
import { createApiClient } from '../services/api';
import OrdersPage from './OrdersPage.vue';

const mountPage = async (table: Parameters<typeof clientFor>[0], as: Partial<Session> = {}) => {
  const pinia = createPinia();
  setActivePinia(pinia);
  useAuthStore().session = session(as);
  const client = clientFor(table);
  lastCalls = client.calls;
  provideApi(client.api);
  const router = createAppRouter(createMemoryHistory());
  await router.push('/orders');
  const wrapper = mount(OrdersPage, { global: { plugins: [pinia, router] } });
  await flushPromises();
  return wrapper;
};

let lastCalls: ReturnType<typeof clientFor>['calls'] = [];
const admin = { username: 'admin', idToken: 'id.token.admin', isAdmin: true };

describe('OrdersPage', () => {
  beforeEach(() => setEventSourceFactory((url) => new FakeEventSource(url)));
  afterEach(() => {
    setEventSourceFactory(undefined);
    provideApi(undefined);
  });

  it('updates a row live when the stream pushes a new status', async () => {
    // prepare
    const wrapper = await mountPage({
      'GET /api/products': [200, { items: [product()] }],
      'GET /api/orders': [200, { items: [order({ orderId: 'o-1', status: 'PENDING' })], nextCursor: null }],
    });
    const stream = FakeEventSource.last!;
    stream.open();
    expect(wrapper.find('tr[data-order-id="o-1"] [data-status]').attributes('data-status')).toBe('PENDING');
    // act
    stream.emit('order', order({ orderId: 'o-1', status: 'CONFIRMED', updatedAt: '2026-01-01T10:00:05.000Z' }));
    await flushPromises();
    // assess
    expect(wrapper.find('tr[data-order-id="o-1"] [data-status]').attributes('data-status')).toBe('CONFIRMED');
    expect(wrapper.find('.live').text()).toBe('Live');
    expect(stream.url).toBe('/api/stream?access_token=id.token.alice');
  });

  it('adds an order it has not seen and ignores a stale update', async () => {
    // prepare
    const wrapper = await mountPage({
      'GET /api/products': [200, { items: [product()] }],
      'GET /api/orders': [
        200,
        { items: [order({ orderId: 'o-1', status: 'CONFIRMED', updatedAt: '2026-01-01T10:00:09.000Z' })] },
      ],
    });
    const stream = FakeEventSource.last!;
    // act
    stream.emit('order', order({ orderId: 'o-2', status: 'PENDING' }));
    stream.emit('order', order({ orderId: 'o-1', status: 'PAYMENT_CAPTURED', updatedAt: '2026-01-01T10:00:01.000Z' }));
    stream.emit('order', { not: 'an order' });
    await flushPromises();
    // assess
    const rows = wrapper.findAll('tbody tr');
    expect(rows.map((r) => r.attributes('data-order-id'))).toEqual(['o-2', 'o-1']);
    expect(rows[1]!.find('[data-status]').attributes('data-status')).toBe('CONFIRMED');
  });

  it('degrades to clear unavailable states when the API has neither products, orders nor a stream', async () => {
    // prepare
    const wrapper = await mountPage({});
    // act
    FakeEventSource.last!.fail();
    await flushPromises();
    // assess
    expect(wrapper.text()).toContain('The product catalogue is not available yet');
    expect(wrapper.find('.live').text()).toBe('Live updates unavailable');
    expect(wrapper.find('table').exists()).toBe(false);
  });

  it('opens the live stream again with the new token when the session is renewed', async () => {
    // prepare
    await mountPage({
      'GET /api/products': [200, { items: [product()] }],
      'GET /api/orders': [200, { items: [], nextCursor: null }],
    });
    const old = FakeEventSource.last!;
    old.fail();
    // act
    useAuthStore().session = session({ idToken: 'id.token.renewed' });
    await flushPromises();
    // assess
    expect(old.closed).toBe(true);
    expect(FakeEventSource.last!.url).toBe('/api/stream?access_token=id.token.renewed');
  });

  describe('signed in as the admin', () => {
    it("lists every customer's orders with a customer column", async () => {
      // act
      const wrapper = await mountPage(
        {
          'GET /api/products': [200, { items: [product()] }],
          'GET /api/orders': [
            200,
            {
              items: [order({ orderId: 'o-2', customerId: 'bob' }), order({ orderId: 'o-1', customerId: 'alice' })],
              nextCursor: null,
            },
          ],
        },
        admin,
      );
      // assess
      expect(wrapper.find('#orders-title').text()).toBe('All orders');
      expect(wrapper.findAll('tbody tr [data-customer]').map((cell) => cell.text())).toEqual(['bob', 'alice']);
    });

    it('sends the filters and the search, and loads the next page with the same filters', async () => {
      // prepare
      const wrapper = await mountPage(
        {
          'GET /api/products': [200, { items: [product()] }],
          'GET /api/orders': [200, { items: [], nextCursor: null }],
          'GET /api/orders?status=FAILED&q=bob': [
            200,
            { items: [order({ orderId: 'o-9', customerId: 'bob', status: 'FAILED' })], nextCursor: 'c1' },
          ],
          'GET /api/orders?status=FAILED&q=bob&cursor=c1': [
            200,
            { items: [order({ orderId: 'o-8', customerId: 'bob', status: 'FAILED' })], nextCursor: null },
          ],
        },
        admin,
      );
      // act
      await wrapper.find('#order-status').setValue('FAILED');
      await wrapper.find('#order-search').setValue('bob');
      await wrapper.find('[data-testid="order-filters"]').trigger('submit');
      await flushPromises();
      await wrapper.find('[data-testid="load-more"]').trigger('click');
      await flushPromises();
      // assess
      expect(lastCalls.map((call) => call.url).filter((url) => url.startsWith('/api/orders'))).toEqual([
        '/api/orders',
        '/api/orders?status=FAILED&q=bob',
        '/api/orders?status=FAILED&q=bob&cursor=c1',
      ]);
      expect(wrapper.findAll('tbody tr').map((row) => row.attributes('data-order-id'))).toEqual(['o-9', 'o-8']);
      expect(wrapper.find('[data-testid="load-more"]').exists()).toBe(false);
    });

    it('shows the list of the filters last applied when an earlier answer arrives after it', async () => {
      // prepare: the FAILED list answers only when released, after the unfiltered one
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const answer = (items: unknown[]) =>
        new Response(JSON.stringify({ items, nextCursor: null }), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      const fetch = async (input: RequestInfo | URL): Promise<Response> => {
        const url = String(input);
        if (url === '/api/products?limit=100') return answer([product()]);
        if (url === '/api/orders?status=FAILED') {
          await held;
          return answer([order({ orderId: 'o-9', status: 'FAILED' })]);
        }
        return answer([order({ orderId: 'o-1', status: 'CONFIRMED' })]);
      };
      const pinia = createPinia();
      setActivePinia(pinia);
      useAuthStore().session = session(admin);
      provideApi(createApiClient({ fetch: fetch as typeof globalThis.fetch, headers: () => ({}) }));
      const router = createAppRouter(createMemoryHistory());
      await router.push('/orders');
      const wrapper = mount(OrdersPage, { global: { plugins: [pinia, router] } });
      await flushPromises();
      // act: filter by FAILED, then clear before that answer arrives
      await wrapper.find('#order-status').setValue('FAILED');
      await wrapper.find('[data-testid="order-filters"]').trigger('submit');
      await flushPromises();
      await wrapper
        .findAll('button')
        .find((button) => button.text() === 'Clear')!
        .trigger('click');
      await flushPromises();
      release();
      await flushPromises();
      // assess
      expect(wrapper.findAll('tbody tr').map((row) => row.attributes('data-order-id'))).toEqual(['o-1']);
    });

    it("adds another customer's order from the stream with its customer, unless it misses the filters", async () => {
      // prepare
      const wrapper = await mountPage(
        {
          'GET /api/products': [200, { items: [product()] }],
          'GET /api/orders': [200, { items: [], nextCursor: null }],
          'GET /api/orders?customerId=bob': [200, { items: [], nextCursor: null }],
        },
        admin,
      );
      const stream = FakeEventSource.last!;
      await wrapper.find('#order-customer').setValue('bob');
      await wrapper.find('[data-testid="order-filters"]').trigger('submit');
      await flushPromises();
      // act
      stream.emit('order', order({ orderId: 'o-7', customerId: 'bob' }));
      stream.emit('order', order({ orderId: 'o-6', customerId: 'carol' }));
      await flushPromises();
      // assess
      expect(
        wrapper.findAll('tbody tr').map((row) => [row.attributes('data-order-id'), row.find('[data-customer]').text()]),
      ).toEqual([['o-7', 'bob']]);
    });
  });

  it('shows a customer neither the filters nor a customer column', async () => {
    // act
    const wrapper = await mountPage({
      'GET /api/products': [200, { items: [product()] }],
      'GET /api/orders': [200, { items: [order()], nextCursor: null }],
    });
    // assess
    expect(wrapper.find('[data-testid="order-filters"]').exists()).toBe(false);
    expect(wrapper.find('[data-customer]').exists()).toBe(false);
  });
});
