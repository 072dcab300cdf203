import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { provideApi } from '../composables/use-api';
import { setEventSourceFactory } from '../composables/use-event-stream';
import { createAppRouter } from '../router';
import type { DeadLetterQueue } from '../services/types';
import { useAuthStore } from '../stores/auth';
import { clientFor, FakeEventSource, session } from '../test/fakes';
import OperationsPage from './OperationsPage.vue';

const NOW = Date.parse('2026-01-01T10:05:00.000Z');
const envelope = (type: string, orderId: string) =>
  JSON.stringify({
    version: '0',
    id: 'e-1',
    'detail-type': type,
    source: 'orders',
    time: '2026-01-01T10:00:00Z',
    detail: { orderId, customerId: 'alice' },
  });
const emailDlq = (over: Partial<DeadLetterQueue> = {}): DeadLetterQueue => ({
  name: 'email-dlq',
  queueName: 'local-email-dlq',
  depth: 1,
  inFlight: 0,
  samples: [
    {
      messageId: 'm-1',
      body: envelope('order.confirmed', '01JORDER0000000000000000AB'),
      receiveCount: 3,
      sentAt: '2026-01-01T10:04:00.000Z',
    },
  ],
  ...over,
});

const mountPage = async (table: Parameters<typeof clientFor>[0]) => {
  const pinia = createPinia();
  setActivePinia(pinia);
  useAuthStore().session = session({ username: 'admin', isAdmin: true });
  const client = clientFor({
    'GET /api/admin/stats?minutes=60': [200, { buckets: [], completion: null }],
    'GET /api/events': [200, { items: [], nextCursor: null }],
    ...table,
  });
  provideApi(client.api);
  const router = createAppRouter(createMemoryHistory());
  await router.push('/operations');
  const wrapper = mount(OperationsPage, { global: { plugins: [pinia, router] } });
  await flushPromises();
  return { wrapper, calls: client.calls };
};
const dlqReads = (calls: { url: string }[]) => calls.filter((c) => c.url === '/api/admin/dlqs').length;
const setVisibility = (state: 'visible' | 'hidden') => {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
  document.dispatchEvent(new Event('visibilitychange'));
};

describe('OperationsPage', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(NOW);
    setEventSourceFactory((url) => new FakeEventSource(url));
  });
  afterEach(() => {
    setVisibility('visible');
    vi.useRealTimers();
    setEventSourceFactory(undefined);
    provideApi(undefined);
  });

  it('reads the DLQ depths again on its own while the page is open', async () => {
    // prepare
    const { calls } = await mountPage({ 'GET /api/admin/dlqs': [200, { items: [emailDlq()] }] });
    const before = dlqReads(calls);
    // act
    await vi.advanceTimersByTimeAsync(5000);
    // assess
    expect(dlqReads(calls)).toBe(before + 1);
  });

  it('stops reading while the tab is hidden and reads at once when it is shown again', async () => {
    // prepare
    const { calls } = await mountPage({ 'GET /api/admin/dlqs': [200, { items: [emailDlq()] }] });
    setVisibility('hidden');
    const hidden = dlqReads(calls);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(dlqReads(calls)).toBe(hidden);
    // act
    setVisibility('visible');
    await flushPromises();
    // assess
    expect(dlqReads(calls)).toBe(hidden + 1);
  });

  it('stops reading once the page is left', async () => {
    // prepare
    const { wrapper, calls } = await mountPage({ 'GET /api/admin/dlqs': [200, { items: [emailDlq()] }] });
    // act
    wrapper.unmount();
    const after = dlqReads(calls);
    await vi.advanceTimersByTimeAsync(20_000);
    // assess
    expect(dlqReads(calls)).toBe(after);
  });

  it('shows each dead letter readably: event type, the order linked, age and receive count', async () => {
    // act
    const { wrapper } = await mountPage({ 'GET /api/admin/dlqs': [200, { items: [emailDlq()] }] });
    // assess
    const letter = wrapper.find('[data-dlq="email-dlq"] [data-testid="dead-letter"]');
    expect(letter.text()).toContain('order.confirmed');
    expect(letter.find('a').attributes('href')).toBe('/orders/01JORDER0000000000000000AB');
    expect(letter.text()).toContain('1 min ago');
    expect(letter.text()).toContain('received 3×');
    expect(letter.text()).not.toContain('"detail-type"');
  });

  it('says how long a failing message takes to reach its DLQ when the API gives the queue settings', async () => {
    // act
    const { wrapper } = await mountPage({
      'GET /api/admin/dlqs': [
        200,
        {
          items: [emailDlq({ source: { queueName: 'local-email', maxReceiveCount: 3, visibilityTimeoutSeconds: 30 } })],
        },
      ],
    });
    // assess
    expect(wrapper.find('[data-testid="until-dlq"]').text()).toBe(
      'A failing message of local-email lands here after 3 receives × 30 s ≈ 1 min 30 s.',
    );
  });
});
