import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { provideApi } from '../composables/use-api';
import { setEventSourceFactory } from '../composables/use-event-stream';
import { createAppRouter } from '../router';
import { useAuthStore } from '../stores/auth';
import { clientFor, FakeEventSource, order, session } from '../test/fakes';
import OrderDetailPage from './OrderDetailPage.vue';

const failed = order({
  orderId: 'o-1',
  status: 'FAILED',
  failureReason: 'CONFIRMATION_FAILED',
  timeline: [
    { status: 'PENDING', at: '2026-01-01T10:00:00.000Z', step: 'PlaceOrder', outcome: 'placed' },
    {
      status: 'COMPENSATING',
      at: '2026-01-01T10:00:01.000Z',
      step: 'ConfirmOrder',
      outcome: 'error',
      reason: 'CONFIRMATION_FAILED',
      note: 'InjectedFaultError: injected fault in local-confirm-order',
    },
    {
      status: 'FAILED',
      at: '2026-01-01T10:00:02.000Z',
      step: 'MarkOrderFailed',
      outcome: 'failed',
      reason: 'CONFIRMATION_FAILED',
      note: 'InjectedFaultError: injected fault in local-confirm-order',
    },
  ],
});

const mountPage = async (isAdmin = false) => {
  const pinia = createPinia();
  setActivePinia(pinia);
  useAuthStore().session = session({ isAdmin });
  const client = clientFor({ 'GET /api/orders/o-1': [200, failed] });
  provideApi(client.api);
  const router = createAppRouter(createMemoryHistory());
  await router.push('/orders/o-1');
  const wrapper = mount(OrderDetailPage, { props: { id: 'o-1' }, global: { plugins: [pinia, router] } });
  await flushPromises();
  return { wrapper, calls: client.calls };
};

describe('OrderDetailPage', () => {
  beforeEach(() => setEventSourceFactory((url) => new FakeEventSource(url)));
  afterEach(() => {
    setEventSourceFactory(undefined);
    provideApi(undefined);
  });

  it('says a failed order has no receipt, and does not ask for one', async () => {
    // act
    const { wrapper, calls } = await mountPage();
    // assess
    expect(wrapper.find('[data-testid="no-receipt"]').text()).toContain('No receipt for a failed order');
    expect(calls.some((c) => c.url.endsWith('/receipt'))).toBe(false);
  });

  it('shows a customer why the order failed in words, without the reason code or internal error text', async () => {
    // act
    const { wrapper } = await mountPage();
    // assess
    expect(wrapper.find('[data-testid="summary-failure"]').text()).toBe(
      'The order could not be completed because of a problem on our side. Any payment was refunded.',
    );
    expect(wrapper.text()).not.toContain('CONFIRMATION_FAILED');
    expect(wrapper.text()).not.toContain('InjectedFaultError');
  });
});
