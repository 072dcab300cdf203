import { Logger } from '@aws-lambda-powertools/logger';
import { createDynamoStores } from '../../core/store/dynamo-stores';
import type { DynamoStores } from '../../core/store/dynamo-stores';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { createRecordEventHandler } from './record-event';

describe('record-event', () => {
  let local: LocalTable;
  let stores: DynamoStores;
  beforeAll(async () => {
    local = await startLocalTable();
    stores = createDynamoStores(local.documentClient, local.tableName);
  });
  afterAll(async () => {
    await local.stop();
  });

  const envelope = (id: string, source: string, detail: Record<string, unknown>) =>
    JSON.stringify({
      version: '0',
      id,
      'detail-type': 'order.created',
      source,
      account: '1',
      time: '2026-03-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail,
    });

  it('records each event once, deduplicating redeliveries and republished platform events, and fails only the bad message', async () => {
    const handle = createRecordEventHandler({ store: stores.events, logger: new Logger({ logLevel: 'SILENT' }) });
    const response = await handle({
      Records: [
        { messageId: 'm1', body: envelope('eb-1', 'orders.platform', { eventId: 'ev-1', orderId: 'o1' }) },
        { messageId: 'm2', body: envelope('eb-2', 'orders.platform', { eventId: 'ev-1', orderId: 'o1' }) },
        { messageId: 'm3', body: envelope('eb-3', 'partner.acme', { shipment: 's1' }) },
        { messageId: 'm4', body: envelope('eb-3', 'partner.acme', { shipment: 's1' }) },
        { messageId: 'm5', body: '{"not":"an envelope"}' },
        { messageId: 'm6', body: 'not json' },
      ],
    });
    const events = await stores.events.listEvents({ limit: 100 });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm5' }, { itemIdentifier: 'm6' }]);
    expect(events.items.map((event) => event.eventId).sort()).toEqual(['eb-3', 'ev-1']);
  });
});
