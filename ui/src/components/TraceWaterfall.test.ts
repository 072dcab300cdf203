import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { provideApi } from '../composables/use-api';
import { clientFor } from '../test/fakes';
import TraceWaterfall from './TraceWaterfall.vue';

describe('TraceWaterfall', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => provideApi(undefined));

  it('shows a clear no-trace-yet state while the trace endpoint answers 404', async () => {
    // prepare
    const { api, calls } = clientFor({});
    provideApi(api);
    // act
    const wrapper = mount(TraceWaterfall, { props: { orderId: 'o-1' } });
    await flushPromises();
    // assess
    expect(calls[0]!.url).toBe('/api/orders/o-1/trace');
    expect(wrapper.find('[data-testid="no-trace"]').text()).toContain('No trace yet');
  });

  it('draws one bar per segment, positioned on the shared time axis', async () => {
    // prepare
    provideApi(clientFor({ 'GET /api/orders/o-1/trace': [200, { segments: [
      { name: 'api', startTime: 100, endTime: 102 },
      { name: 'charge-payment', startTime: 101, endTime: 101.5, error: true },
    ] }] }).api);
    // act
    const wrapper = mount(TraceWaterfall, { props: { orderId: 'o-1' } });
    await flushPromises();
    // assess
    const bars = wrapper.findAll('.waterfall__bar');
    expect(bars).toHaveLength(2);
    expect(bars[1]!.attributes('style')).toContain('left: 50%');
    expect(bars[1]!.classes()).toContain('waterfall__bar--error');
    expect(wrapper.text()).toContain('500 ms');
  });
});
