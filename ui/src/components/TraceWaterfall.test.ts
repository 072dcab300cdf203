import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { provideApi } from '../composables/use-api';
import type { TraceSegment } from '../services/types';
import { clientFor } from '../test/fakes';
import TraceWaterfall from './TraceWaterfall.vue';

const segment = (over: Partial<TraceSegment>): TraceSegment => ({
  traceId: '1-abc',
  id: 's',
  parentId: null,
  name: 'orders-api',
  origin: 'AWS::ECS::Container',
  operation: null,
  kind: 'segment',
  start: 1_000,
  end: 3_000,
  durationMs: 2_000,
  inProgress: false,
  error: false,
  fault: false,
  throttle: false,
  httpStatus: 201,
  annotations: {},
  cause: null,
  ...over,
});

describe('TraceWaterfall', () => {
  beforeEach(() => setActivePinia(createPinia()));
  afterEach(() => provideApi(undefined));

  it('shows a clear no-trace-yet state while the trace has no segments', async () => {
    // prepare
    const { api, calls } = clientFor({
      'GET /api/orders/o-1/trace': [200, { orderId: 'o-1', traceIds: [], segments: [] }],
    });
    provideApi(api);
    // act
    const wrapper = mount(TraceWaterfall, { props: { orderId: 'o-1' } });
    await flushPromises();
    // assess
    expect(calls[0]!.url).toBe('/api/orders/o-1/trace');
    expect(wrapper.find('[data-testid="no-trace"]').text()).toContain('No trace yet');
  });

  it('draws service, operation and duration per segment on a shared axis, highlighting faults and errors', async () => {
    // prepare
    provideApi(
      clientFor({
        'GET /api/orders/o-1/trace': [
          200,
          {
            orderId: 'o-1',
            traceIds: ['1-abc'],
            segments: [
              segment({ id: 'a' }),
              segment({
                id: 'b',
                parentId: 'a',
                name: 'DynamoDB',
                kind: 'subsegment',
                operation: 'PutItem',
                start: 2_000,
                end: 2_500,
                durationMs: 500,
                fault: true,
                httpStatus: 500,
                cause: { type: 'InternalServerError', message: 'boom' },
              }),
              segment({
                id: 'c',
                parentId: 'a',
                name: 'local-send-email',
                origin: 'AWS::Lambda::Function',
                start: 2_500,
                end: 2_600,
                durationMs: 100,
                error: true,
                httpStatus: 400,
              }),
            ],
          },
        ],
      }).api,
    );
    // act
    const wrapper = mount(TraceWaterfall, { props: { orderId: 'o-1' } });
    await flushPromises();
    // assess
    const rows = wrapper.findAll('.waterfall__row');
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.attributes('data-problem'))).toEqual([undefined, 'fault', 'error']);
    expect(rows[1]!.text()).toContain('DynamoDB');
    expect(rows[1]!.text()).toContain('PutItem');
    expect(rows[1]!.text()).toContain('500 ms');
    const bars = wrapper.findAll('.waterfall__bar');
    expect(bars[1]!.attributes('style')).toContain('left: 50%');
    expect(bars[1]!.classes()).toContain('waterfall__bar--error');
    expect(bars[2]!.classes()).toContain('waterfall__bar--warn');
    expect(bars[0]!.classes()).not.toContain('waterfall__bar--error');
  });

  it('marks a declined card as a business outcome, not a fault, and folds the ## handler subsegment into its function', async () => {
    // prepare: the saga state and the function both report PaymentDeclinedError as a fault, as X-Ray records it
    provideApi(
      clientFor({
        'GET /api/orders/o-1/trace': [
          200,
          {
            orderId: 'o-1',
            traceIds: ['1-abc'],
            segments: [
              segment({
                id: 'sfn',
                name: 'local-order-saga',
                origin: 'AWS::StepFunctions::StateMachine',
                httpStatus: null,
              }),
              segment({
                id: 'state',
                parentId: 'sfn',
                name: 'ChargePayment',
                origin: null,
                kind: 'subsegment',
                start: 1_100,
                end: 1_900,
                fault: true,
                httpStatus: null,
                cause: { type: 'PaymentDeclinedError', message: 'card declined' },
              }),
              segment({
                id: 'fn',
                parentId: 'state',
                name: 'local-charge-payment',
                origin: 'AWS::Lambda::Function',
                start: 1_200,
                end: 1_800,
                fault: true,
                httpStatus: null,
                cause: { type: 'PaymentDeclinedError', message: 'card declined' },
              }),
              segment({
                id: 'hs',
                parentId: 'fn',
                name: '## ChargePayment',
                origin: null,
                kind: 'subsegment',
                start: 1_250,
                end: 1_750,
                fault: true,
                httpStatus: null,
                cause: { type: 'PaymentDeclinedError', message: 'card declined' },
              }),
            ],
          },
        ],
      }).api,
    );
    // act
    const wrapper = mount(TraceWaterfall, { props: { orderId: 'o-1' } });
    await flushPromises();
    // assess
    const rows = wrapper.findAll('.waterfall__row');
    expect(rows.map((r) => r.find('.waterfall__service').text())).toEqual([
      'local-order-saga',
      'ChargePayment',
      'local-charge-payment',
    ]);
    expect(rows.map((r) => r.attributes('data-problem'))).toEqual([undefined, 'business', 'business']);
    expect(wrapper.findAll('.waterfall__bar--error')).toHaveLength(0);
    expect(rows[1]!.text()).toContain('PaymentDeclinedError: card declined');
    expect(wrapper.findAll('.waterfall__cause')).toHaveLength(1);
  });

  it('shows the order path first and hides event-log and webhook runs and SDK calls behind "show all"', async () => {
    // prepare
    provideApi(
      clientFor({
        'GET /api/orders/o-1/trace': [
          200,
          {
            orderId: 'o-1',
            traceIds: ['1-abc'],
            segments: [
              segment({ id: 'api' }),
              segment({
                id: 'put',
                parentId: 'api',
                name: 'EventBridge',
                origin: null,
                operation: 'PutEvents',
                kind: 'subsegment',
                start: 1_100,
                end: 1_200,
              }),
              segment({
                id: 'sfn',
                parentId: 'put',
                name: 'local-order-saga',
                origin: 'AWS::StepFunctions::StateMachine',
                start: 1_300,
              }),
              segment({
                id: 'state',
                parentId: 'sfn',
                name: 'ValidateOrder',
                origin: null,
                kind: 'subsegment',
                start: 1_400,
              }),
              segment({
                id: 'fn',
                parentId: 'state',
                name: 'local-validate-order',
                origin: 'AWS::Lambda::Function',
                start: 1_500,
              }),
              segment({
                id: 'hs',
                parentId: 'fn',
                name: '## ValidateOrder',
                origin: null,
                kind: 'subsegment',
                start: 1_550,
              }),
              segment({
                id: 'ddb',
                parentId: 'hs',
                name: 'DynamoDB',
                origin: null,
                operation: 'GetItem',
                kind: 'subsegment',
                start: 1_600,
              }),
              segment({
                id: 'log',
                parentId: 'put',
                name: 'local-record-event',
                origin: 'AWS::Lambda::Function',
                start: 1_700,
              }),
              segment({
                id: 'fan',
                parentId: 'put',
                name: 'local-fan-out-webhooks',
                origin: 'AWS::Lambda::Function',
                start: 1_800,
              }),
              segment({
                id: 'dlv',
                parentId: 'fan',
                name: 'local-deliver-webhook',
                origin: 'AWS::Lambda::Function',
                start: 1_900,
                fault: true,
                cause: { type: 'WebhookDeliveryError', message: '503' },
              }),
            ],
          },
        ],
      }).api,
    );
    const wrapper = mount(TraceWaterfall, { props: { orderId: 'o-1' } });
    await flushPromises();
    const names = () => wrapper.findAll('.waterfall__service').map((n) => n.text());
    expect(names()).toEqual(['orders-api', 'local-order-saga', 'ValidateOrder', 'local-validate-order']);
    // act
    await wrapper.find('button[aria-controls="trace-rows"]').trigger('click');
    // assess: everything but the folded ## subsegment, which never gets a row of its own
    expect(names()).toEqual([
      'orders-api',
      'EventBridge',
      'local-order-saga',
      'ValidateOrder',
      'local-validate-order',
      'DynamoDB',
      'local-record-event',
      'local-fan-out-webhooks',
      'local-deliver-webhook',
    ]);
  });

  it('draws a segment still in progress to the end of the trace', async () => {
    // prepare
    provideApi(
      clientFor({
        'GET /api/orders/o-1/trace': [
          200,
          {
            orderId: 'o-1',
            traceIds: ['1-abc'],
            segments: [
              segment({ id: 'a' }),
              segment({ id: 'b', parentId: 'a', start: 2_000, end: null, durationMs: null, inProgress: true }),
            ],
          },
        ],
      }).api,
    );
    // act
    const wrapper = mount(TraceWaterfall, { props: { orderId: 'o-1' } });
    await flushPromises();
    // assess
    expect(wrapper.findAll('.waterfall__bar')[1]!.attributes('style')).toContain('width: 50%');
    expect(wrapper.text()).toContain('in progress');
  });

  it('shows the service segments and faulted calls by default and every call on request', async () => {
    // prepare
    provideApi(
      clientFor({
        'GET /api/orders/o-1/trace': [
          200,
          {
            orderId: 'o-1',
            traceIds: ['1-abc'],
            segments: [
              segment({ id: 'a' }),
              segment({
                id: 'b',
                parentId: 'a',
                name: 'DynamoDB',
                operation: 'PutItem',
                kind: 'subsegment',
                start: 1_100,
                end: 1_200,
                durationMs: 100,
              }),
              segment({
                id: 'c',
                parentId: 'a',
                name: 'EventBridge',
                operation: 'PutEvents',
                kind: 'subsegment',
                start: 1_200,
                end: 1_300,
                durationMs: 100,
                fault: true,
              }),
            ],
          },
        ],
      }).api,
    );
    const wrapper = mount(TraceWaterfall, { props: { orderId: 'o-1' } });
    await flushPromises();
    const names = () => wrapper.findAll('.waterfall__service').map((n) => n.text());
    expect(names()).toEqual(['orders-api', 'EventBridge']);
    // act
    await wrapper.find('button[aria-controls="trace-rows"]').trigger('click');
    // assess
    expect(names()).toEqual(['orders-api', 'DynamoDB', 'EventBridge']);
    expect(wrapper.find('button[aria-controls="trace-rows"]').attributes('aria-expanded')).toBe('true');
  });
});
