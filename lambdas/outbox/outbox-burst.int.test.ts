/**
 * A 150-order burst (issue 18 measured 300: the relay re-published 26% of events) against DynamoDB Local: the API's direct
 * publish, failing now and then, races the real relay handler run back to back with no minimum age; every order's
 * order.created reaches the bus exactly once. Before, the outbox record was written for every order and the relay
 * read it while the API was still publishing it.
 *
 * Takes ~15 s alone, up to ~50 s on a heavily loaded runner (load average 30): 150 create transactions while the
 * relay runs back to back; fewer would race less.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ulid } from 'ulid';
import { money } from '../../core/domain/money';
import type { PlatformEvent } from '../../core/events/order-events';
import { OrderService } from '../../core/orders/order-service';
import { EventPublishFailedError } from '../../core/orders/ports';
import type { EventPublisher } from '../../core/orders/ports';
import { CachedProductPrices } from '../../core/store/dynamo-product-catalog';
import { DynamoOutbox } from '../../core/store/dynamo-outbox';
import { createDynamoStores } from '../../core/store/dynamo-stores';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { createRelayHandler } from './outbox-relay';

jest.setTimeout(180_000);

const ORDERS = 150;
const CONCURRENCY = 25;

/** Every 4th PutEvents refuses its entries, as EventBridge does under throttling; a few ms per call. */
class SometimesFailingBus implements EventPublisher {
  readonly published: PlatformEvent<object>[] = [];
  refusals = 0;
  private calls = 0;
  async publish(events: readonly PlatformEvent<object>[]): Promise<void> {
    this.calls += 1;
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (this.calls % 4 === 0) {
      this.refusals += events.length;
      throw new EventPublishFailedError('ThrottlingException (test)', [...events.keys()]);
    }
    this.published.push(...events);
  }
}

describe('a burst of orders with the relay running', () => {
  let local: LocalTable;
  beforeAll(async () => {
    // DynamoDB Local takes well over 30 s to start on a loaded shared runner.
    local = await startLocalTable({ readyTimeoutMs: 110_000 });
  }, 120_000);
  afterAll(async () => {
    await local.stop();
  });

  it('publishes every order.created exactly once, however the relay races the direct publish', async () => {
    // prepare
    const stores = createDynamoStores(local.documentClient, local.tableName);
    await stores.products.putProduct({
      productId: 'mug',
      name: 'Mug',
      price: money(1250, 'EUR'),
      stock: 1000,
      updatedAt: '2026-01-01T00:00:00Z',
    });
    const logger = new Logger({ logLevel: 'SILENT' });
    const bus = new SometimesFailingBus();
    const outbox = new DynamoOutbox(local.documentClient, local.tableName);
    const service = new OrderService({
      ...stores,
      products: new CachedProductPrices(stores.products, 5000),
      publisher: bus,
      log: logger,
      newId: ulid,
    });
    const relay = createRelayHandler({ outbox, lease: outbox, publisher: bus, logger, minAgeMs: 0 });
    const created: string[] = [];
    let placing = true;
    // act
    const relaying = (async () => {
      while (placing) await relay();
    })();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ORDERS) {
          next += 1;
          const { order } = await service.createOrder(`burst-${next % 40}`, ulid(), {
            items: [{ productId: 'mug', quantity: 1 }],
            paymentToken: 't',
          });
          created.push(order.orderId);
        }
      }),
    );
    await service.settled();
    placing = false;
    await relaying;
    // The relay's own PutEvents fail every 4th call too: it runs until nothing is pending (a few runs at most).
    for (let run = 0; run < 20 && (await outbox.listPendingOutbox('9999', 1)).length > 0; run += 1) await relay();
    // assess
    const perOrder = new Map<string, number>();
    for (const event of bus.published) {
      const orderId = (event.detail as { orderId: string }).orderId;
      perOrder.set(orderId, (perOrder.get(orderId) ?? 0) + 1);
    }
    expect(created).toHaveLength(ORDERS);
    expect(bus.refusals).toBeGreaterThan(0);
    expect([...perOrder.values()].filter((count) => count > 1)).toEqual([]);
    expect([...perOrder.keys()].sort()).toEqual([...created].sort());
  });
});
