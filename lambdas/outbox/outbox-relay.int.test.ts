import { Logger } from '@aws-lambda-powertools/logger';
import { ulid } from 'ulid';
import { money } from '../../core/domain/money';
import { FakePublisher } from '../../core/test-support/fake-publisher';
import { OrderService } from '../../core/orders/order-service';
import { createDynamoStores } from '../../core/store/dynamo-stores';
import type { DynamoStores } from '../../core/store/dynamo-stores';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { createRelayHandler } from './outbox-relay';

describe('outbox-relay', () => {
  let local: LocalTable;
  let stores: DynamoStores;
  beforeAll(async () => {
    local = await startLocalTable();
    stores = createDynamoStores(local.documentClient, local.tableName);
    await stores.products.putProduct({
      productId: 'mug',
      name: 'Mug',
      price: money(1250, 'EUR'),
      stock: 5,
      updatedAt: '2026-01-01T00:00:00Z',
    });
  });
  afterAll(async () => {
    await local.stop();
  });

  it('republishes what the API failed to publish, once, and leaves nothing pending', async () => {
    const logger = new Logger({ logLevel: 'SILENT' });
    const down = new FakePublisher();
    down.failing = true;
    const api = new OrderService({ ...stores, publisher: down, log: logger, newId: ulid });
    const orders = await Promise.all(
      [1, 2, 3].map((n) =>
        api.createOrder('zoe', `key-${n}`, { items: [{ productId: 'mug', quantity: n }], paymentToken: 't' }),
      ),
    );
    const up = new FakePublisher();
    const relay = createRelayHandler({ stores, publisher: up, logger, minAgeMs: 0 });
    const first = await relay();
    const second = await relay();
    expect(first).toEqual({ published: 3, failed: 0 });
    expect(second).toEqual({ published: 0, failed: 0 });
    expect(up.published.map((event) => (event.detail as { orderId: string }).orderId).sort()).toEqual(
      orders.map((result) => result.order.orderId).sort(),
    );
  });

  it('keeps records pending while the bus is still down', async () => {
    const logger = new Logger({ logLevel: 'SILENT' });
    const down = new FakePublisher();
    down.failing = true;
    await new OrderService({ ...stores, publisher: down, log: logger, newId: ulid }).createOrder('yann', 'k', {
      items: [{ productId: 'mug', quantity: 1 }],
      paymentToken: 't',
    });
    const result = await createRelayHandler({ stores, publisher: down, logger, minAgeMs: 0 })();
    const pending = await stores.outbox.listPendingOutbox('9999', 100);
    expect(result.published).toBe(0);
    expect(result.failed).toBeGreaterThanOrEqual(1);
    expect(pending.length).toBeGreaterThanOrEqual(1);
  });
});
