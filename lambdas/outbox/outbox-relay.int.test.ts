import { Logger } from '@aws-lambda-powertools/logger';
import { ulid } from 'ulid';
import { money } from '../../core/domain/money';
import { FakePublisher } from '../../core/orders/fake-publisher';
import { OrderService } from '../../core/orders/order-service';
import { DynamoOrderStore } from '../../core/store/dynamo-order-store';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { createRelayHandler } from './outbox-relay';

describe('outbox-relay', () => {
  let local: LocalTable;
  let store: DynamoOrderStore;
  beforeAll(async () => {
    local = await startLocalTable();
    store = new DynamoOrderStore(local.documentClient, local.tableName);
    await store.putProduct({ productId: 'mug', name: 'Mug', price: money(1250, 'EUR'), stock: 5, updatedAt: '2026-01-01T00:00:00Z' });
  });
  afterAll(async () => {
    await local.stop();
  });

  it('republishes what the API failed to publish, once, and leaves nothing pending', async () => {
    const logger = new Logger({ logLevel: 'SILENT' });
    const down = new FakePublisher();
    down.failing = true;
    const api = new OrderService({ store, publisher: down, log: logger, newId: ulid });
    const orders = await Promise.all([1, 2, 3].map((n) => api.createOrder('zoe', `key-${n}`, { items: [{ productId: 'mug', quantity: n }], paymentToken: 't' })));
    const up = new FakePublisher();
    const relay = createRelayHandler({ store, publisher: up, logger, minAgeMs: 0 });
    const first = await relay();
    const second = await relay();
    expect(first).toEqual({ published: 3, failed: 0 });
    expect(second).toEqual({ published: 0, failed: 0 });
    expect(up.published.map((event) => (event.detail as { orderId: string }).orderId).sort()).toEqual(orders.map((result) => result.order.orderId).sort());
  });

  it('keeps records pending while the bus is still down', async () => {
    const logger = new Logger({ logLevel: 'SILENT' });
    const down = new FakePublisher();
    down.failing = true;
    await new OrderService({ store, publisher: down, log: logger, newId: ulid }).createOrder('yann', 'k', { items: [{ productId: 'mug', quantity: 1 }], paymentToken: 't' });
    const result = await createRelayHandler({ store, publisher: down, logger, minAgeMs: 0 })();
    const pending = await store.listPendingOutbox('9999', 100);
    expect(result.published).toBe(0);
    expect(result.failed).toBeGreaterThanOrEqual(1);
    expect(pending.length).toBeGreaterThanOrEqual(1);
  });
});
