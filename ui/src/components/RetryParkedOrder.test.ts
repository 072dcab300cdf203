import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { provideApi } from '../composables/use-api';
import { clientFor } from '../test/fakes';
import RetryParkedOrder from './RetryParkedOrder.vue';

const ID = '01J0000000000000000000000A';

describe('RetryParkedOrder', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => provideApi(undefined));

  it('posts the retry of the order and shows the resumed execution', async () => {
    // prepare
    const { api, calls } = clientFor({
      [`POST /api/admin/orders/${ID}/retry`]: [202, { orderId: ID, executionName: `${ID}-r1` }],
    });
    provideApi(api);
    const wrapper = mount(RetryParkedOrder, { props: { orderId: ID } });
    // act
    await wrapper.find('button').trigger('click');
    await flushPromises();
    // assess
    expect([calls.map((call) => `${call.method} ${call.url}`), wrapper.find('[role="status"]').text()]).toEqual([
      [`POST /api/admin/orders/${ID}/retry`],
      `Saga resumed as ${ID}-r1; the status updates when it ends.`,
    ]);
  });

  it("shows the API's refusal when the order is no longer parked", async () => {
    // prepare
    const { api } = clientFor({
      [`POST /api/admin/orders/${ID}/retry`]: [
        409,
        { error: { code: 'ORDER_NOT_PARKED', message: `order ${ID} is FAILED, not NEEDS_ATTENTION` } },
      ],
    });
    provideApi(api);
    const wrapper = mount(RetryParkedOrder, { props: { orderId: ID } });
    // act
    await wrapper.find('button').trigger('click');
    await flushPromises();
    // assess
    expect(wrapper.find('[role="status"]').text()).toBe(`order ${ID} is FAILED, not NEEDS_ATTENTION`);
  });
});
