import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { provideApi } from '../composables/use-api';
import { setEventSourceFactory } from '../composables/use-event-stream';
import { createAppRouter } from '../router';
import { useAuthStore } from '../stores/auth';
import { clientFor, FakeEventSource, order, product, session } from '../test/fakes';
import OrdersPage from './OrdersPage.vue';

const mountPage = async (table: Parameters<typeof clientFor>[0]) => {
  const pinia = createPinia();
  setActivePinia(pinia);
  useAuthStore().session = session();
  provideApi(clientFor(table).api);
  const router = createAppRouter(createMemoryHistory());
  await router.push('/orders');
  const wrapper = mount(OrdersPage, { global: { plugins: [pinia, router] } });
  await flushPromises();
  return wrapper;
};

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
      'GET /api/orders': [200, { items: [order({ orderId: 'o-1', status: 'CONFIRMED', updatedAt: '2026-01-01T10:00:09.000Z' })] }],
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
    await mountPage({ 'GET /api/products': [200, { items: [product()] }], 'GET /api/orders': [200, { items: [], nextCursor: null }] });
    const old = FakeEventSource.last!;
    old.fail();
    // act
    useAuthStore().session = session({ idToken: 'id.token.renewed' });
    await flushPromises();
    // assess
    expect(old.closed).toBe(true);
    expect(FakeEventSource.last!.url).toBe('/api/stream?access_token=id.token.renewed');
  });
});
