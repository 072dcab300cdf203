import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import type { DeliveryRecord, WebhookEndpoint } from '../webhooks/registration';
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

  const record = (webhookId: string, eventId: string, fields: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
    webhookId,
    customerId: 'c9',
    deliveryId: `msg_${eventId}_${webhookId}`,
    eventId,
    eventType: 'order.confirmed',
    payload: '{"type":"order.confirmed"}',
    round: 0,
    status: 'pending',
    attempts: 1,
    failedAttempts: 1,
    passStartedAt: '2026-11-21T10:00:00.000Z',
    attemptLog: [{ attempt: 1, at: '2026-11-21T10:00:00.000Z', statusCode: 500, durationMs: 3 }],
    ...fields,
  });

  it('answers deliveries newest event first, one item per delivery whatever its attempts', async () => {
    // prepare: two events (ULIDs sort by time); the older one rewritten after a second attempt
    await store.saveDelivery(record('WLOG', '01JD8ZQ3K5V7T2X9W4R6M1N0PA'), '2026-11-21T10:00:00.000Z');
    await store.saveDelivery(record('WLOG', '01JD8ZQ3K5V7T2X9W4R6M1N0PB'), '2026-11-21T10:00:01.000Z');
    await store.saveDelivery(
      record('WLOG', '01JD8ZQ3K5V7T2X9W4R6M1N0PA', { status: 'delivered', attempts: 2 }),
      '2026-11-21T10:00:05.000Z',
    );
    // act
    const deliveries = await store.listDeliveries('WLOG');
    // assess
    expect(deliveries.map((delivery) => [delivery.eventId, delivery.status, delivery.attempts])).toEqual([
      ['01JD8ZQ3K5V7T2X9W4R6M1N0PB', 'pending', 1],
      ['01JD8ZQ3K5V7T2X9W4R6M1N0PA', 'delivered', 2],
    ]);
  });

  it('never lets a late message of the same round undo a delivery, and lets a newer round through', async () => {
    // prepare
    const eventId = '01JD8ZQ3K5V7T2X9W4R6M1N0PC';
    await store.saveDelivery(record('WRND', eventId, { status: 'delivered' }), '2026-11-21T10:00:00.000Z');
    // act
    const late = await store.saveDelivery(record('WRND', eventId, { status: 'pending' }), '2026-11-21T10:00:01.000Z');
    const resent = await store.saveDelivery(
      record('WRND', eventId, { status: 'pending', round: 1 }),
      '2026-11-21T10:00:02.000Z',
    );
    const stale = await store.saveDelivery(record('WRND', eventId, { round: 0 }), '2026-11-21T10:00:03.000Z');
    // assess
    expect([late, resent, stale]).toEqual([false, true, false]);
    expect(await store.getDelivery('WRND', `msg_${eventId}_WRND`)).toMatchObject({ round: 1, status: 'pending' });
  });

  it('writes an endpoint health only over the version it read', async () => {
    // prepare
    const created = endpoint('c5', ['order.confirmed']);
    await store.createEndpoint(created);
    // act
    const first = await store.saveHealth('c5', created.webhookId, 0, { version: 1, lastError: 'HTTP 500' });
    const stale = await store.saveHealth('c5', created.webhookId, 0, { version: 1, lastError: 'HTTP 502' });
    const second = await store.saveHealth('c5', created.webhookId, 1, { version: 2, lastError: 'HTTP 503' });
    const gone = await store.saveHealth('nobody', created.webhookId, 0, { version: 1 });
    // assess
    expect([first, stale, second, gone]).toEqual([true, false, true, false]);
    expect((await store.getEndpoint('c5', created.webhookId))?.health).toEqual({ version: 2, lastError: 'HTTP 503' });
    expect(await store.getEndpoint('nobody', created.webhookId)).toBeUndefined();
  });
});
