import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
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
  const client = clientFor({ 'GET /api/loyalty': answer });
  provideApi(client.api);
  const wrapper = mount(LoyaltyPoints, { global: { plugins: [pinia, createAppRouter(createMemoryHistory())] } });
  await flushPromises();
  return { wrapper, calls: client.calls };
};

describe('LoyaltyPoints', () => {
  afterEach(() => provideApi(undefined));

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
});
