import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import { provideApi } from '../composables/use-api';
import { catalogEntries, type AsyncApiDocument } from '../services/event-catalog';
import { useAuthStore } from '../stores/auth';
import { clientFor, session } from '../test/fakes';
import EventCatalogPage from './EventCatalogPage.vue';

// The document the API serves, as committed (core/events/contracts.test.ts keeps it equal to GET /asyncapi.json).
const DOCUMENT = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'docs', 'events', 'asyncapi.json'), 'utf8'),
) as AsyncApiDocument;

const mountWith = async (table: Parameters<typeof clientFor>[0]) => {
  const pinia = createPinia();
  setActivePinia(pinia);
  useAuthStore().session = session({ username: 'alice', isAdmin: false });
  const client = clientFor(table);
  provideApi(client.api);
  const wrapper = mount(EventCatalogPage, { global: { plugins: [pinia] } });
  await flushPromises();
  return { wrapper, calls: client.calls };
};

describe('EventCatalogPage', () => {
  afterEach(() => provideApi(undefined));

  it('lists every event type of /asyncapi.json with its version and consumers', async () => {
    // act
    const { wrapper, calls } = await mountWith({ 'GET /asyncapi.json': [200, DOCUMENT] });
    // assess
    expect(calls.map((call) => `${call.method} ${call.url}`)).toEqual(['GET /asyncapi.json']);
    const rows = wrapper.findAll('tr[data-event]');
    expect(rows.map((row) => row.attributes('data-event'))).toEqual(catalogEntries(DOCUMENT).map((e) => e.key));
    const confirmed = wrapper.find('tr[data-event="order.confirmed"]');
    expect(confirmed.text()).toContain('v1');
    expect(
      confirmed
        .findAll('[data-testid="consumer"]')
        .map((c) => c.text().split(' ')[0])
        .sort(),
    ).toEqual(['fan-out-webhooks', 'generate-receipt', 'loyalty-points', 'record-event', 'send-email']);
  });

  it('shows an example payload as published when asked', async () => {
    // prepare
    const { wrapper } = await mountWith({ 'GET /asyncapi.json': [200, DOCUMENT] });
    // act
    await wrapper.find('tr[data-event="order.failed"] button').trigger('click');
    // assess
    const example = JSON.parse(wrapper.find('[data-testid="example"]').text()) as { status: string; version: number };
    expect(example).toMatchObject({ status: 'FAILED', version: 1 });
  });

  it("shows the API's error when the catalog cannot be read", async () => {
    // act
    const { wrapper } = await mountWith({
      'GET /asyncapi.json': [
        503,
        { error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'The events store is unavailable' } },
      ],
    });
    // assess
    expect(wrapper.find('[data-testid="event-catalog"]').exists()).toBe(false);
    expect(wrapper.find('[role="alert"]').text()).toContain('The events store is unavailable');
  });
});
