import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../services/types';
import SagaTimeline from './SagaTimeline.vue';

const compensated: TimelineEntry[] = [
  { step: 'ReleaseInventory', outcome: 'SUCCEEDED', at: '2026-01-01T10:00:01.900Z' },
  { step: 'ValidateOrder', outcome: 'SUCCEEDED', at: '2026-01-01T10:00:00.200Z' },
  { step: 'ReserveInventory', outcome: 'SUCCEEDED', at: '2026-01-01T10:00:00.500Z' },
  { step: 'ChargePayment', outcome: 'FAILED', at: '2026-01-01T10:00:01.500Z', detail: { reason: 'card_declined' } },
  { step: 'MarkOrderFailed', outcome: 'SUCCEEDED', at: '2026-01-01T10:00:02.000Z' },
];

describe('SagaTimeline', () => {
  it('draws a compensated order step by step: forward steps, the failed charge, then compensations', () => {
    // act
    const wrapper = mount(SagaTimeline, { props: { entries: compensated, failureReason: 'PAYMENT_DECLINED' } });
    // assess
    const steps = wrapper.findAll('li.timeline__step');
    expect(steps.map((s) => s.attributes('data-step'))).toEqual(['ValidateOrder', 'ReserveInventory', 'ChargePayment', 'ReleaseInventory', 'MarkOrderFailed']);
    expect(steps.map((s) => s.attributes('data-kind'))).toEqual(['forward', 'forward', 'failure', 'compensation', 'compensation']);
    expect(steps[2]!.text()).toContain('failed');
    expect(steps[2]!.text()).toContain('card_declined');
    expect(wrapper.find('[data-testid="failure-reason"]').text()).toBe('PAYMENT_DECLINED');
  });

  it('shows how long each step took after the previous one', () => {
    // act
    const wrapper = mount(SagaTimeline, { props: { entries: compensated } });
    // assess
    const metas = wrapper.findAll('.timeline__meta').map((m) => m.text());
    expect(metas[0]).not.toContain('+');
    expect(metas[1]).toContain('+300 ms');
    expect(metas[2]).toContain('+1.0 s');
    expect(wrapper.find('[data-testid="failure-reason"]').exists()).toBe(false);
  });

  it('says so when nothing has been recorded yet', () => {
    // act
    const wrapper = mount(SagaTimeline, { props: { entries: [] } });
    // assess
    expect(wrapper.find('[role="status"]').text()).toBe('No steps recorded yet.');
  });
});
