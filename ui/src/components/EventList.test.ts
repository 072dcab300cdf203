import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { createAppRouter } from '../router';
import type { BusEvent } from '../services/types';
import EventList from './EventList.vue';

const event = (over: Partial<BusEvent>): BusEvent => ({
  eventId: 'e-1',
  source: 'orders.api',
  detailType: 'order.created',
  time: '2026-01-01T10:00:00.000Z',
  detail: { orderId: '01JAAAAAAAAAAAAAAAAAAAAAAA', customerId: 'alice', lines: [{ productId: 'p-1', quantity: 1 }] },
  receivedAt: '2026-01-01T10:00:00.100Z',
  ...over,
});
const events = [
  event({}),
  event({
    eventId: 'e-2',
    detailType: 'order.failed',
    source: 'orders.saga',
    detail: { orderId: '01JBBBBBBBBBBBBBBBBBBBBBBB', reason: 'PAYMENT_DECLINED' },
  }),
  event({ eventId: 'e-3', detailType: 'partner.shipment', source: 'partner.acme', detail: { parcel: 'x' } }),
];
const mountList = () => {
  const pinia = createPinia();
  setActivePinia(pinia);
  return mount(EventList, { props: { events }, global: { plugins: [pinia, createAppRouter(createMemoryHistory())] } });
};

describe('EventList', () => {
  it('shows a row per event with its type, source and the order linked to its page, not the raw JSON', () => {
    // act
    const wrapper = mountList();
    // assess
    const first = wrapper.find('[data-event-id="e-1"]');
    expect(first.text()).toContain('order.created');
    expect(first.text()).toContain('orders.api');
    expect(first.find('a').attributes('href')).toBe('/orders/01JAAAAAAAAAAAAAAAAAAAAAAA');
    expect(wrapper.text()).not.toContain('"customerId"');
  });

  it('filters by event type', async () => {
    // prepare
    const wrapper = mountList();
    // act
    await wrapper.find('#events-filter').setValue('failed');
    // assess
    expect(wrapper.findAll('[data-event-id]').map((r) => r.attributes('data-event-id'))).toEqual(['e-2']);
  });

  it('filters by order id', async () => {
    // prepare
    const wrapper = mountList();
    // act
    await wrapper.find('#events-filter').setValue('01jaaaa');
    // assess
    expect(wrapper.findAll('[data-event-id]').map((r) => r.attributes('data-event-id'))).toEqual(['e-1']);
  });
});
