import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { provideApi } from '../composables/use-api';
import { REPLAY_REFRESH_MS } from '../composables/use-replays';
import type { AsyncApiDocument } from '../services/event-catalog';
import type { Replay } from '../services/types';
import { clientFor } from '../test/fakes';
import ReplayPanel from './ReplayPanel.vue';

// The document the API serves, as committed (core/events/contracts.test.ts keeps it equal to GET /asyncapi.json).
const DOCUMENT = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', 'docs', 'events', 'asyncapi.json'), 'utf8'),
) as AsyncApiDocument;
const NAME = 'local-orders-20260101T100500Z-ab12';
const FROM = '2026-01-01T09:00';
const TO = '2026-01-01T10:00';
const replay = (over: Partial<Replay> = {}): Replay => ({
  name: NAME,
  state: 'STARTING',
  from: new Date(FROM).toISOString(),
  to: new Date(TO).toISOString(),
  rule: 'events-to-loyalty-points',
  percent: 0,
  ...over,
});

/** The panel over a table of answers; the table can be changed while it is mounted (the next read sees it). */
const mountPanel = async (table: Parameters<typeof clientFor>[0] = {}) => {
  setActivePinia(createPinia());
  const answers: Parameters<typeof clientFor>[0] = {
    'GET /asyncapi.json': [200, DOCUMENT],
    'GET /api/admin/replays': [200, { items: [] }],
    ...table,
  };
  const client = clientFor(answers);
  provideApi(client.api);
  const wrapper = mount(ReplayPanel);
  await flushPromises();
  return { wrapper, calls: client.calls, answers };
};
const reads = (calls: { method: string; url: string }[], url: string) =>
  calls.filter((call) => call.method === 'GET' && call.url === url).length;
const fillWindow = async (wrapper: Awaited<ReturnType<typeof mountPanel>>['wrapper'], from = FROM, to = TO) => {
  await wrapper.find('#replay-from').setValue(from);
  await wrapper.find('#replay-to').setValue(to);
};

describe('ReplayPanel', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    provideApi(undefined);
  });

  it('offers every rule, or one of the rules /asyncapi.json names, the new consumers included', async () => {
    // act
    const { wrapper } = await mountPanel();
    // assess
    const options = wrapper.findAll('[data-testid="replay-rule"] option').map((option) => option.attributes('value'));
    expect(options[0]).toBe('');
    expect(options.slice(1)).toEqual([
      'all-events-to-log',
      'events-to-loyalty-points',
      'order-confirmed-to-receipts',
      'order-created-starts-saga',
      'order-events-to-webhooks',
      'order-outcome-to-email',
    ]);
  });

  it('starts a replay of the window to the chosen rule and follows its progress until it completes, then stops reading', async () => {
    // prepare
    const { wrapper, calls, answers } = await mountPanel({ 'POST /api/admin/replays': [202, replay()] });
    await fillWindow(wrapper);
    await wrapper.find('[data-testid="replay-rule"]').setValue('events-to-loyalty-points');
    answers[`GET /api/admin/replays/${NAME}`] = [200, replay({ state: 'RUNNING', percent: 40 })];
    // act
    await wrapper.find('[data-testid="replay-form"]').trigger('submit');
    await flushPromises();
    // assess: the request, then the progress as it is read again
    const post = calls.find((call) => call.method === 'POST');
    expect(JSON.parse(post?.body ?? '{}')).toEqual({
      from: new Date(FROM).toISOString(),
      to: new Date(TO).toISOString(),
      rule: 'events-to-loyalty-points',
    });
    expect(wrapper.find('[data-testid="replay-state"]').text()).toBe('STARTING');
    await vi.advanceTimersByTimeAsync(REPLAY_REFRESH_MS);
    expect(wrapper.find('[data-testid="replay-state"]').text()).toBe('RUNNING');
    expect(wrapper.find('progress').attributes('value')).toBe('40');
    answers[`GET /api/admin/replays/${NAME}`] = [200, replay({ state: 'COMPLETED', percent: 100 })];
    await vi.advanceTimersByTimeAsync(REPLAY_REFRESH_MS);
    expect(wrapper.find('[data-testid="replay-progress"]').attributes('data-state')).toBe('COMPLETED');
    expect(wrapper.find('[data-testid="replay-detail"]').text()).toContain('events-to-loyalty-points');
    expect(wrapper.find('[data-testid="replay-detail"]').text()).toContain('100%');
    const afterCompletion = reads(calls, `/api/admin/replays/${NAME}`);
    await vi.advanceTimersByTimeAsync(5 * REPLAY_REFRESH_MS);
    expect(reads(calls, `/api/admin/replays/${NAME}`)).toBe(afterCompletion);
  });

  it('sends no rule for a replay to every rule', async () => {
    // prepare
    const { wrapper, calls } = await mountPanel({ 'POST /api/admin/replays': [202, replay({ rule: undefined })] });
    await fillWindow(wrapper);
    // act
    await wrapper.find('[data-testid="replay-form"]').trigger('submit');
    await flushPromises();
    // assess
    expect(JSON.parse(calls.find((call) => call.method === 'POST')?.body ?? '{}')).not.toHaveProperty('rule');
    expect(wrapper.find('[data-testid="replay-detail"]').text()).toContain('every rule');
  });

  it("shows the API's refusal and watches nothing", async () => {
    // prepare
    const message =
      'a replay to every rule must start within the last 24 hours, the consumers’ idempotency window; replay an older window to one rule (rule) instead';
    const { wrapper } = await mountPanel({
      'POST /api/admin/replays': [422, { error: { code: 'REPLAY_REFUSED', message } }],
    });
    await fillWindow(wrapper);
    // act
    await wrapper.find('[data-testid="replay-form"]').trigger('submit');
    await flushPromises();
    // assess
    expect(wrapper.find('[data-testid="replay-refused"]').text()).toBe(message);
    expect(wrapper.find('[data-testid="replay-progress"]').exists()).toBe(false);
  });

  it('refuses a window that ends before it starts without asking the API', async () => {
    // prepare
    const { wrapper, calls } = await mountPanel();
    await fillWindow(wrapper, TO, FROM);
    // act
    await wrapper.find('[data-testid="replay-form"]').trigger('submit');
    await flushPromises();
    // assess
    expect(wrapper.find('[data-testid="replay-invalid"]').text()).toBe('The window must start before it ends.');
    expect(calls.filter((call) => call.method === 'POST')).toEqual([]);
  });

  it('lists the replays so far and watches one on request', async () => {
    // prepare
    const { wrapper } = await mountPanel({
      'GET /api/admin/replays': [200, { items: [replay({ state: 'COMPLETED', percent: undefined })] }],
      [`GET /api/admin/replays/${NAME}`]: [200, replay({ state: 'COMPLETED', percent: 100 })],
    });
    // act
    await wrapper.find(`[data-replay="${NAME}"] button`).trigger('click');
    await flushPromises();
    // assess
    expect(wrapper.find(`[data-replay="${NAME}"]`).text()).toContain('COMPLETED');
    expect(wrapper.find('[data-testid="replay-progress"]').attributes('data-state')).toBe('COMPLETED');
  });
});
