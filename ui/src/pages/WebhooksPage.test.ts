import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import { provideApi } from '../composables/use-api';
import type { Webhook, WebhookDelivery } from '../services/types';
import { useAuthStore } from '../stores/auth';
import { clientFor, session } from '../test/fakes';
import WebhooksPage from './WebhooksPage.vue';

const EVENT = '01JD8ZQ3K5V7T2X9W4R6M1N0PA';
const HOOK = '01JD8ZQ3K5V7T2X9W4R6M1N0PB';

const endpoint = (id: string, url: string, health: Partial<Webhook['health']> = {}): Webhook => ({
  id,
  webhookId: id,
  customerId: 'c-1',
  url,
  eventTypes: ['order.confirmed'],
  createdAt: '2026-11-21T10:00:00.000Z',
  health: { status: 'healthy', circuit: 'closed', consecutiveFailures: 0, ...health },
});

const delivery = (fields: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
  deliveryId: `msg_${EVENT}_${HOOK}`,
  eventId: EVENT,
  eventType: 'order.confirmed',
  status: 'failed',
  failureReason: 'endpoint-gone',
  attempts: 3,
  lastStatusCode: 410,
  lastError: 'HTTP 410',
  lastAttemptAt: '2026-11-21T10:05:00.000Z',
  resends: 0,
  attemptLog: [],
  ...fields,
});

const mountPage = async (table: Parameters<typeof clientFor>[0]) => {
  const pinia = createPinia();
  setActivePinia(pinia);
  useAuthStore().session = session();
  const client = clientFor(table);
  provideApi(client.api);
  const wrapper = mount(WebhooksPage, { global: { plugins: [pinia] } });
  await flushPromises();
  return { wrapper, calls: client.calls };
};

describe('WebhooksPage', () => {
  afterEach(() => provideApi(undefined));

  it("shows each endpoint's health: healthy, failing with its failures and pause, disabled with the reason", async () => {
    // prepare
    const { wrapper } = await mountPage({
      'GET /api/webhooks': [
        200,
        {
          items: [
            endpoint('A', 'https://a.example.com/hooks'),
            endpoint('B', 'https://b.example.com/hooks', {
              status: 'failing',
              circuit: 'open',
              consecutiveFailures: 5,
              lastError: 'HTTP 503',
              nextAttemptAt: '2026-11-21T10:06:00.000Z',
            }),
            endpoint(HOOK, 'https://c.example.com/hooks', {
              status: 'disabled',
              consecutiveFailures: 1,
              disabledReason: 'HTTP 410 Gone',
            }),
          ],
        },
      ],
    });
    // assess
    const rows = wrapper.findAll('[data-health]');
    expect(rows.map((row) => row.attributes('data-health'))).toEqual(['healthy', 'failing', 'disabled']);
    expect(rows[1].text()).toContain('5 failed in a row');
    expect(rows[1].text()).toContain('last: HTTP 503');
    expect(rows[1].text()).toContain('paused until');
    expect(rows[2].text()).toContain('Disabled: HTTP 410 Gone');
    expect(wrapper.findAll('button').filter((button) => button.text() === 'Re-enable')).toHaveLength(2);
  });

  it('re-enables a disabled endpoint through the API and shows it healthy again', async () => {
    // prepare
    const disabled = endpoint(HOOK, 'https://c.example.com/hooks', {
      status: 'disabled',
      disabledReason: 'HTTP 410 Gone',
    });
    const table: Parameters<typeof clientFor>[0] = {
      'GET /api/webhooks': [200, { items: [disabled] }],
      [`POST /api/webhooks/${HOOK}/enable`]: [200, endpoint(HOOK, disabled.url)],
    };
    const { wrapper, calls } = await mountPage(table);
    table['GET /api/webhooks'] = [200, { items: [endpoint(HOOK, disabled.url)] }];
    // act
    await wrapper.get(`button[aria-label="Re-enable ${disabled.url}"]`).trigger('click');
    await flushPromises();
    // assess
    expect(calls.map((call) => `${call.method} ${call.url}`)).toContain(`POST /api/webhooks/${HOOK}/enable`);
    expect(wrapper.get('[data-health]').attributes('data-health')).toBe('healthy');
    expect(wrapper.find('button[aria-label^="Re-enable"]').exists()).toBe(false);
  });

  it('lists the deliveries with their state and resends one, saying so', async () => {
    // prepare
    const id = `msg_${EVENT}_${HOOK}`;
    const table: Parameters<typeof clientFor>[0] = {
      'GET /api/webhooks': [200, { items: [endpoint(HOOK, 'https://c.example.com/hooks')] }],
      [`GET /api/webhooks/${HOOK}/deliveries`]: [200, { items: [delivery()] }],
      [`POST /api/webhooks/${HOOK}/deliveries/${id}/resend`]: [202, { deliveryId: id, round: 1 }],
    };
    const { wrapper, calls } = await mountPage(table);
    await wrapper.get('button[aria-pressed]').trigger('click');
    await flushPromises();
    const row = wrapper.get(`tr[data-delivery-id="${id}"]`);
    expect(row.text()).toContain('failed');
    expect(row.text()).toContain('the endpoint answered 410 Gone');
    expect(row.text()).toContain('410');
    table[`GET /api/webhooks/${HOOK}/deliveries`] = [
      200,
      {
        items: [
          delivery({
            status: 'pending',
            failureReason: undefined,
            nextAttemptAt: '2026-11-21T10:06:00.000Z',
            resends: 1,
          }),
        ],
      },
    ];
    // act
    await row.get('button').trigger('click');
    await flushPromises();
    // assess
    expect(calls.filter((call) => call.method === 'POST').map((call) => call.url)).toEqual([
      `/api/webhooks/${HOOK}/deliveries/${id}/resend`,
    ]);
    expect(wrapper.get('[role="status"]').text()).toContain('queued again');
    expect(wrapper.get(`tr[data-delivery-id="${id}"]`).text()).toContain('next attempt');
  });

  it('says why a resend was refused (a disabled endpoint) and changes nothing on the page', async () => {
    // prepare
    const id = `msg_${EVENT}_${HOOK}`;
    const { wrapper } = await mountPage({
      'GET /api/webhooks': [200, { items: [endpoint(HOOK, 'https://c.example.com/hooks')] }],
      [`GET /api/webhooks/${HOOK}/deliveries`]: [200, { items: [delivery()] }],
      [`POST /api/webhooks/${HOOK}/deliveries/${id}/resend`]: [
        409,
        { error: { code: 'ENDPOINT_DISABLED', message: 'the endpoint is disabled; re-enable it first' } },
      ],
    });
    await wrapper.get('button[aria-pressed]').trigger('click');
    await flushPromises();
    // act
    await wrapper.get(`tr[data-delivery-id="${id}"] button`).trigger('click');
    await flushPromises();
    // assess
    expect(wrapper.get('[role="alert"]').text()).toContain('re-enable it first');
    expect(wrapper.get(`tr[data-delivery-id="${id}"]`).text()).toContain('failed');
  });
});
