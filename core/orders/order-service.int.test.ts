import fc from 'fast-check';
import { decodeTime, ulid } from 'ulid';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { money } from '../domain/money';
import { CachedProductPrices } from '../store/dynamo-product-catalog';
import { createDynamoStores } from '../store/dynamo-stores';
import type { DynamoStores } from '../store/dynamo-stores';
import { FakePublisher } from '../test-support/fake-publisher';
import { IdempotencyKeyConflictError } from './errors';
import { OrderService } from './order-service';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('OrderService against DynamoDB Local', () => {
  let local: LocalTable;
  let stores: DynamoStores;
  beforeAll(async () => {
    // DynamoDB Local takes well over 30 s to start on a loaded shared runner.
    local = await startLocalTable({ readyTimeoutMs: 110_000 });
    stores = createDynamoStores(local.documentClient, local.tableName);
    await stores.products.putProduct({
      productId: 'tea',
      name: 'Tea',
      price: money(450, 'EUR'),
      stock: 100,
      updatedAt: '2026-01-01T00:00:00Z',
    });
    await stores.products.putProduct({
      productId: 'cup',
      name: 'Cup',
      price: money(1200, 'EUR'),
      stock: 100,
      updatedAt: '2026-01-01T00:00:00Z',
    });
  }, 120_000);
  afterAll(async () => {
    await local.stop();
  });

  const request = fc.record({
    items: fc.uniqueArray(
      fc.record({ productId: fc.constantFrom('tea', 'cup'), quantity: fc.integer({ min: 1, max: 100 }) }),
      { minLength: 1, maxLength: 2, selector: (item) => item.productId },
    ),
    paymentToken: fc.constantFrom('tok_a', 'tok_b'),
  });

  it('creates one order per key however often it is replayed, though every call makes fresh ids', async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.integer({ min: 2, max: 4 }), fc.boolean(), async (body, calls, concurrent) => {
        const customerId = `c${ulid()}`;
        const service = new OrderService({ ...stores, publisher: new FakePublisher(), log: silent, newId: ulid });
        const run = () => service.createOrder(customerId, 'k', body);
        const results = concurrent
          ? await Promise.all(Array.from({ length: calls }, run))
          : await Array.from({ length: calls }).reduce<Promise<Awaited<ReturnType<typeof run>>[]>>(
              async (acc) => [...(await acc), await run()],
              Promise.resolve([]),
            );
        const stored = await stores.orders.listCustomerOrders(customerId);
        expect(new Set(results.map((result) => result.order.orderId)).size).toBe(1);
        expect(results.filter((result) => !result.replayed)).toHaveLength(1);
        expect(stored.items).toHaveLength(1);
      }),
      { numRuns: 12 },
    );
  });

  it('gives an order an id of its creation time, so a time range by id holds it', async () => {
    // prepare: the service's clock reads a moment that the id generator's own clock has left behind
    const createdAt = new Date(Date.now() - 5_000);
    const service = new OrderService({
      ...stores,
      publisher: new FakePublisher(),
      log: silent,
      newId: ulid,
      now: () => createdAt,
    });
    // act
    const { order } = await service.createOrder('jude', ulid(), {
      items: [{ productId: 'tea', quantity: 1 }],
      paymentToken: 't',
    });
    // assess
    expect([decodeTime(order.orderId), order.createdAt]).toEqual([createdAt.getTime(), createdAt.toISOString()]);
  });

  it('answers a conflict for the same key with a different body and creates nothing more', async () => {
    expect.assertions(2);
    const service = new OrderService({ ...stores, publisher: new FakePublisher(), log: silent, newId: ulid });
    await service.createOrder('ivy', 'k', { items: [{ productId: 'tea', quantity: 1 }], paymentToken: 't' });
    await expect(
      service.createOrder('ivy', 'k', { items: [{ productId: 'tea', quantity: 2 }], paymentToken: 't' }),
    ).rejects.toThrow(IdempotencyKeyConflictError);
    expect((await stores.orders.listCustomerOrders('ivy')).items).toHaveLength(1);
  });

  it('still publishes order.created through the relay when PutEvents failed at create time', async () => {
    const publisher = new FakePublisher();
    publisher.failing = true;
    let now = new Date('2026-02-01T00:00:00Z');
    const service = new OrderService({ ...stores, publisher, log: silent, newId: ulid, now: () => now });
    const { order } = await service.createOrder('jack', 'k', {
      items: [{ productId: 'cup', quantity: 2 }],
      paymentToken: 't',
    });
    await service.settled();
    const publishedAtCreate = publisher.published.length;
    publisher.failing = false;
    now = new Date('2026-02-01T00:01:00Z');
    await service.relayPendingOutbox({ minAgeMs: 5000 });
    const second = await service.relayPendingOutbox({ minAgeMs: 5000 });
    const mine = publisher.published.filter(
      (event) => (event.detail as { orderId?: string }).orderId === order.orderId,
    );
    expect(publishedAtCreate).toBe(0);
    expect(mine.map((event) => event.detailType)).toEqual(['order.created']);
    expect(mine[0].detail).toMatchObject({
      orderId: order.orderId,
      customerId: 'jack',
      status: 'PENDING',
      total: { amount: 2400, currency: 'EUR' },
    });
    expect(second.published).toBe(0);
  });
  describe('calls per POST (issue 18: one round trip on the happy path)', () => {
    /** DynamoDB commands sent through the stores' client while `act` runs. */
    const commandsDuring = async (act: () => Promise<unknown>): Promise<string[]> => {
      const seen: string[] = [];
      const name = `count-${ulid()}`;
      local.client.middlewareStack.add(
        (next, context) => async (args) => {
          seen.push(String(context.commandName).replace(/Command$/, ''));
          return next(args);
        },
        { step: 'initialize', name },
      );
      try {
        await act();
      } finally {
        local.client.middlewareStack.remove(name);
      }
      return seen;
    };
    /** A bus that holds every PutEvents until released: the create must answer without it. */
    class HeldPublisher extends FakePublisher {
      calls = 0;
      private release: () => void = () => undefined;
      private readonly held = new Promise<void>((resolve) => {
        this.release = resolve;
      });
      override async publish(events: Parameters<FakePublisher['publish']>[0]): Promise<void> {
        this.calls += 1;
        await this.held;
        await super.publish(events);
      }
      open(): void {
        this.release();
      }
    }
    const body = { items: [{ productId: 'tea', quantity: 1 }], paymentToken: 't' };
    const cachedService = (publisher: FakePublisher) =>
      new OrderService({
        ...stores,
        products: new CachedProductPrices(stores.products, 60_000),
        publisher,
        log: silent,
        newId: ulid,
      });

    it('creates with one TransactWriteItems and answers before order.created is published', async () => {
      const publisher = new HeldPublisher();
      const service = cachedService(publisher);
      await service.createOrder(`c${ulid()}`, ulid(), body);
      publisher.open();
      await service.settled();
      const held = new HeldPublisher();
      const warm = cachedService(held);
      await warm.createOrder(`c${ulid()}`, ulid(), body);
      let result: Awaited<ReturnType<OrderService['createOrder']>> | undefined;
      const commands = await commandsDuring(async () => {
        result = await warm.createOrder(`c${ulid()}`, ulid(), body);
      });
      const publishedBeforeRelease = held.published.length;
      held.open();
      await warm.settled();
      expect(commands).toEqual(['TransactWriteItems']);
      expect(result?.replayed).toBe(false);
      expect(publishedBeforeRelease).toBe(0);
      expect(held.published.map((event) => (event.detail as { orderId: string }).orderId)).toContain(
        result?.order.orderId,
      );
    });

    it('publishes with no write when PutEvents succeeds', async () => {
      const service = cachedService(new FakePublisher());
      await service.createOrder(`c${ulid()}`, ulid(), body);
      await service.settled();
      const commands = await commandsDuring(async () => {
        await service.createOrder(`c${ulid()}`, ulid(), body);
        await service.settled();
      });
      expect(commands).toEqual(['TransactWriteItems']);
    });

    it('reads only the original order on a replay', async () => {
      const service = cachedService(new FakePublisher());
      const customerId = `c${ulid()}`;
      const first = await service.createOrder(customerId, 'k', body);
      let replay: Awaited<ReturnType<OrderService['createOrder']>> | undefined;
      const commands = await commandsDuring(async () => {
        replay = await service.createOrder(customerId, 'k', body);
      });
      expect(commands).toEqual(['TransactWriteItems', 'GetItem']);
      expect(replay).toMatchObject({ replayed: true, order: { orderId: first.order.orderId } });
    });

    it('answers a conflict without reading anything', async () => {
      expect.assertions(2);
      const service = cachedService(new FakePublisher());
      const customerId = `c${ulid()}`;
      await service.createOrder(customerId, 'k', body);
      const commands = await commandsDuring(async () => {
        await expect(
          service.createOrder(customerId, 'k', { ...body, items: [{ productId: 'tea', quantity: 2 }] }),
        ).rejects.toThrow(IdempotencyKeyConflictError);
      });
      expect(commands).toEqual(['TransactWriteItems']);
    });

    it('writes order.created to the outbox when PutEvents fails', async () => {
      const publisher = new FakePublisher();
      publisher.failing = true;
      const service = cachedService(publisher);
      const { order } = await service.createOrder(`c${ulid()}`, ulid(), body);
      await service.settled();
      const stored = await stores.orders.getOrderWithEvents(order.orderId);
      expect(stored?.events.map((record) => [record.status, record.event.detailType])).toEqual([
        ['PENDING', 'order.created'],
      ]);
    });
  });
});
