import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../services/types';
import SagaTimeline from './SagaTimeline.vue';

/** A tok_chargeDeclined order as the saga records it (order shuffled: the component sorts by time). */
const declined: TimelineEntry[] = [
  {
    status: 'COMPENSATING',
    at: '2026-01-01T10:00:01.500Z',
    step: 'ChargePayment',
    outcome: 'declined',
    reason: 'PAYMENT_DECLINED',
    note: 'card declined',
  },
  { status: 'PENDING', at: '2026-01-01T10:00:00.000Z', step: 'PlaceOrder', outcome: 'placed' },
  { status: 'VALIDATED', at: '2026-01-01T10:00:00.200Z', step: 'ValidateOrder', outcome: 'validated' },
  { status: 'INVENTORY_RESERVED', at: '2026-01-01T10:00:00.500Z', step: 'ReserveInventory', outcome: 'reserved' },
  { status: 'COMPENSATING', at: '2026-01-01T10:00:01.900Z', step: 'ReleaseInventory', outcome: 'released' },
  {
    status: 'FAILED',
    at: '2026-01-01T10:00:02.000Z',
    step: 'MarkOrderFailed',
    outcome: 'failed',
    reason: 'PAYMENT_DECLINED',
  },
];

describe('SagaTimeline', () => {
  it('draws a declined order step by step: forward steps, the declined charge, then the compensations', () => {
    // act
    const wrapper = mount(SagaTimeline, {
      props: { entries: declined, failureReason: 'PAYMENT_DECLINED', admin: true },
    });
    // assess
    const steps = wrapper.findAll('li.timeline__step');
    expect(steps.map((s) => s.attributes('data-step'))).toEqual([
      'PlaceOrder',
      'ValidateOrder',
      'ReserveInventory',
      'ChargePayment',
      'ReleaseInventory',
      'MarkOrderFailed',
    ]);
    expect(steps.map((s) => s.attributes('data-kind'))).toEqual([
      'forward',
      'forward',
      'forward',
      'failure',
      'compensation',
      'compensation',
    ]);
    expect(steps[3]!.text()).toContain('Declined');
    expect(steps[3]!.text()).toContain('card declined');
    expect(steps[3]!.classes()).toContain('timeline__step--failed');
    expect(steps[4]!.text()).toContain('Released');
    expect(wrapper.find('[data-testid="failure-reason"]').text()).toBe('The card was declined. No money was taken.');
  });

  it('shows how long each step took: the difference to the previous entry', () => {
    // act
    const wrapper = mount(SagaTimeline, { props: { entries: declined } });
    // assess
    const metas = wrapper.findAll('.timeline__meta').map((m) => m.text());
    expect(metas[0]).not.toContain('+');
    expect(metas[1]).toContain('+200 ms');
    expect(metas[3]).toContain('+1.0 s');
    expect(metas[5]).toContain('+100 ms');
    expect(wrapper.find('[data-testid="failure-reason"]').exists()).toBe(false);
  });

  it('still renders entries without a step (older data) by their status', () => {
    // prepare
    const old: TimelineEntry[] = [
      { status: 'PENDING', at: '2026-01-01T10:00:00.000Z' },
      { status: 'CONFIRMED', at: '2026-01-01T10:00:03.000Z' },
    ];
    // act
    const wrapper = mount(SagaTimeline, { props: { entries: old } });
    // assess
    const steps = wrapper.findAll('li.timeline__step');
    expect(steps.map((s) => s.attributes('data-kind'))).toEqual(['status', 'status']);
    expect(steps[1]!.text()).toContain('Confirmed');
    expect(steps[1]!.text()).toContain('+3.0 s');
  });

  it('marks a compensation that found nothing to undo apart from one that undid something', () => {
    // prepare
    const entries: TimelineEntry[] = [
      {
        status: 'COMPENSATING',
        at: '2026-01-01T10:00:00.000Z',
        step: 'ValidateOrder',
        outcome: 'invalid',
        reason: 'VALIDATION_FAILED',
      },
      { status: 'COMPENSATING', at: '2026-01-01T10:00:00.100Z', step: 'RefundPayment', outcome: 'nothing-to-refund' },
      { status: 'COMPENSATING', at: '2026-01-01T10:00:00.200Z', step: 'ReleaseInventory', outcome: 'released' },
    ];
    // act
    const steps = mount(SagaTimeline, { props: { entries } }).findAll('li.timeline__step');
    // assess
    expect(steps.map((s) => s.classes().find((c) => /--(ok|failed|info)$/.test(c)))).toEqual([
      'timeline__step--failed',
      'timeline__step--info',
      'timeline__step--ok',
    ]);
  });

  it('says so when nothing has been recorded yet', () => {
    // act
    const wrapper = mount(SagaTimeline, { props: { entries: [] } });
    // assess
    expect(wrapper.find('[role="status"]').text()).toBe('No steps recorded yet.');
  });

  it('never shows a customer the internal error text or the reason code of a failed step', () => {
    // prepare
    const entries = [
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
    ] as TimelineEntry[];
    // act
    const wrapper = mount(SagaTimeline, { props: { entries, failureReason: 'CONFIRMATION_FAILED' } });
    // assess
    expect(wrapper.text()).not.toContain('InjectedFaultError');
    expect(wrapper.text()).not.toContain('CONFIRMATION_FAILED');
    expect(wrapper.find('[data-testid="failure-reason"]').text()).toBe(
      'The order could not be completed because of a problem on our side. Any payment was refunded.',
    );
  });

  it('lets an admin expand the error text and see the reason code', () => {
    // prepare
    const entries = [
      {
        status: 'COMPENSATING',
        at: '2026-01-01T10:00:01.000Z',
        step: 'ConfirmOrder',
        outcome: 'error',
        reason: 'CONFIRMATION_FAILED',
        note: 'InjectedFaultError: injected fault',
      },
    ] as TimelineEntry[];
    // act
    const wrapper = mount(SagaTimeline, { props: { entries, failureReason: 'CONFIRMATION_FAILED', admin: true } });
    // assess
    expect(wrapper.find('details[data-testid="step-error"]').text()).toContain('InjectedFaultError: injected fault');
    expect(wrapper.find('[data-testid="failure-code"]').text()).toBe('CONFIRMATION_FAILED');
  });
});
