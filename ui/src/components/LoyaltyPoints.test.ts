import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { provideApi } from '../composables/use-api';
import { createAppRouter } from '../router';
import type { LoyaltyAccount } from '../services/types';
import { clientFor } from '../test/fakes';
import LoyaltyPoints from './LoyaltyPoints.vue';

const ACCOUNT: LoyaltyAccount = {
  points: 24,
  entries: [
    {
      orderId: '01JORDER0000000000000000AC',
      points: 0,
      awardedPoints: 42,
      total: { amount: 4200, currency: 'EUR' },
      state: 'REVOKED',
      awardedAt: '2026-01-01T10:00:00.000Z',
      revokedAt: '2026-01-01T10:05:00.000Z',
    },
    {
      orderId: '01JORDER0000000000000000AB',
      points: 24,
      awardedPoints: 24,
      total: { amount: 2490, currency: 'EUR' },
      state: 'AWARDED',
      awardedAt: '2026-01-01T09:00:00.000Z',
    },
  ],
};

const mountCard = async (answer: [number, unknown]) => {
  const pinia = createPinia();
  setActivePinia(pinia);
  const table: Parameters<typeof clientFor>[0] = { 'GET /api/loyalty': answer };
  const client = clientFor(table);
  provideApi(client.api);
  const wrapper = mount(LoyaltyPoints, { global: { plugins: [pinia, createAppRouter(createMemoryHistory())] } });
  await flushPromises();
  return { wrapper, calls: client.calls, table };
};

describe('LoyaltyPoints', () => {
  afterEach(() => {
    vi.useRealTimers();
    provideApi(undefined);
  });

  it("shows the caller's balance and each order's points, taken back ones marked", async () => {
    // act
    const { wrapper, calls } = await mountCard([200, ACCOUNT]);
    // assess
    expect(calls.map((call) => `${call.method} ${call.url}`)).toEqual(['GET /api/loyalty']);
    expect(wrapper.find('[data-testid="loyalty-points"]').text()).toBe('24');
    const entries = wrapper.findAll('[data-testid="loyalty-entry"]');
    expect(entries.map((entry) => entry.attributes('data-state'))).toEqual(['REVOKED', 'AWARDED']);
    expect(entries[0].text()).toContain('42 taken back');
    expect(entries[1].text()).toContain('+24');
    expect(entries[1].find('a').attributes('href')).toBe('/orders/01JORDER0000000000000000AB');
  });

  it('invites a customer without points to order', async () => {
    // act
    const { wrapper } = await mountCard([200, { points: 0, entries: [] }]);
    // assess
    expect(wrapper.find('[data-testid="loyalty-points"]').text()).toBe('0');
    expect(wrapper.text()).toContain('Your confirmed orders earn points.');
  });

  it('says the points are unavailable when the API is, instead of showing zero', async () => {
    // act
    const { wrapper } = await mountCard([
      503,
      { error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'The table is unavailable; retry shortly' } },
    ]);
    // assess
    expect(wrapper.find('[data-testid="loyalty-points"]').exists()).toBe(false);
    expect(wrapper.find('[role="alert"]').text()).toBe('The table is unavailable; retry shortly');
  });

  it('reads the account again after an order is confirmed until its points are there, then stops', async () => {
    // prepare: the consumer has not recorded the order yet
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const { wrapper, calls, table } = await mountCard([200, { points: 0, entries: [] }]);
    const card = wrapper.vm as unknown as { awaitEntry: (orderId: string) => Promise<boolean> };
    // act
    const shown = card.awaitEntry('01JORDER0000000000000000AB');
    await vi.advanceTimersByTimeAsync(1000);
    table['GET /api/loyalty'] = [200, { points: 24, entries: [ACCOUNT.entries[1]] }];
    await vi.advanceTimersByTimeAsync(1000);
    // assess
    expect(await shown).toBe(true);
    expect(wrapper.find('[data-testid="loyalty-points"]').text()).toBe('24');
    const reads = calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls.length).toBe(reads);
  });
});
