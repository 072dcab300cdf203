import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import type { WebhookEndpoint } from '../webhooks/registration';
import { DynamoWebhookStore, MAX_ENDPOINTS_PER_CUSTOMER, WebhookEndpointLimitError } from './webhook-store';

describe('DynamoWebhookStore against DynamoDB Local', () => {
  let local: LocalTable;
  let store: DynamoWebhookStore;
  let counter = 0;
  const endpoint = (customerId: string, eventTypes: string[]): WebhookEndpoint => {
    counter += 1;
    return {
      webhookId: `W${String(counter).padStart(25, '0')}`,
      customerId,
      url: 'https://hooks.example.com/x',
      eventTypes,
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      createdAt: '2026-11-21T10:00:00.000Z',
    };
  };

  beforeAll(async () => {
    local = await startLocalTable();
    store = new DynamoWebhookStore(local.documentClient, local.tableName);
  });
  afterAll(async () => {
    await local.stop();
  });

  it('lists only the subscribed endpoints of the one customer', async () => {
    // prepare
    const confirmed = endpoint('c1', ['order.confirmed']);
    await store.createEndpoint(confirmed);
    await store.createEndpoint(endpoint('c1', ['order.failed']));
    await store.createEndpoint(endpoint('c2', ['order.confirmed']));
    // act
    const subscribed = await store.listSubscribed('c1', 'order.confirmed');
    // assess
    expect(subscribed).toEqual([confirmed]);
  });

  it('refuses an endpoint beyond the limit and stores nothing more', async () => {
    expect.assertions(2);
    for (let index = 0; index < MAX_ENDPOINTS_PER_CUSTOMER; index += 1)
      await store.createEndpoint(endpoint('full', ['order.confirmed']));
    try {
      await store.createEndpoint(endpoint('full', ['order.confirmed']));
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookEndpointLimitError);
    }
    expect(await store.listEndpoints('full')).toHaveLength(MAX_ENDPOINTS_PER_CUSTOMER);
  });

  it('deletes only an existing endpoint of the customer', async () => {
    const created = endpoint('c3', ['order.failed']);
    await store.createEndpoint(created);
    expect(await store.deleteEndpoint('c4', created.webhookId)).toBe(false);
    expect(await store.deleteEndpoint('c3', created.webhookId)).toBe(true);
    expect(await store.getEndpoint('c3', created.webhookId)).toBeUndefined();
  });

  it('answers delivery attempts newest first', async () => {
    // prepare
    const base = {
      webhookId: 'WLOG',
      deliveryId: 'msg_e_w',
      eventId: 'e',
      eventType: 'order.confirmed',
      durationMs: 3,
    };
    await store.recordAttempt({ ...base, attempt: 1, statusCode: 500, ok: false, at: '2026-11-21T10:00:00.000Z' });
    await store.recordAttempt({ ...base, attempt: 2, ok: false, error: 'timeout', at: '2026-11-21T10:00:01.000Z' });
    await store.recordAttempt({ ...base, attempt: 3, statusCode: 204, ok: true, at: '2026-11-21T10:00:03.000Z' });
    // act
    const attempts = await store.listAttempts('WLOG');
    // assess
    expect(attempts.map((attempt) => [attempt.attempt, attempt.statusCode, attempt.ok])).toEqual([
      [3, 204, true],
      [2, undefined, false],
      [1, 500, false],
    ]);
  });
});
