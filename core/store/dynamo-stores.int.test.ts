import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { ulid } from 'ulid';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { money } from '../domain/money';
import { newOrder } from '../domain/order';
import { ORDER_STATUSES, ORDER_TRANSITIONS } from '../domain/order-status';
import type { OrderStatus } from '../domain/order-status';
import { orderEvent } from '../events/order-events';
import {
  IdempotencyKeyTakenError,
  OrderNotFoundError,
  OrderTransitionRejectedError,
  PaginationCursorInvalidError,
} from '../orders/errors';
import { AdminOrderBrowser } from './admin-order-browser';
import { createDynamoStores } from './dynamo-stores';
import { DynamoStaleOrders } from './stale-orders';
import type { DynamoStores } from './dynamo-stores';

describe('the table adapters (orders, outbox, events log, catalog) against DynamoDB Local', () => {
  let local: LocalTable;
  let stores: DynamoStores;
  beforeAll(async () => {
    local = await startLocalTable();
    stores = createDynamoStores(local.documentClient, local.tableName);
  });
  afterAll(async () => {
    await local.stop();
  });

  const at = '2026-01-01T00:00:00.000Z';
  const place = async (customerId = 'alice', key = ulid()) => {
    const order = newOrder({
      orderId: ulid(),
      customerId,
      lines: [],
      total: money(100, 'EUR'),
      paymentToken: 'tok',
      at,
    });
    const eventId = ulid();
    await stores.orders.createOrder(
      order,
      {
        customerId,
        key,
        requestHash: 'h',
        orderId: order.orderId,
        createdAt: at,
        expiresAt: Math.floor(Date.parse(at) / 1000) + 60,
      },
      { orderId: order.orderId, eventId, event: orderEvent(order, eventId, at), status: 'PENDING', createdAt: at },
    );
    return order;
  };

  it('writes order, idempotency record and pending outbox record together', async () => {
    const order = await place('bob', 'key-1');
    const stored = await stores.orders.getOrderWithEvents(order.orderId);
    const record = await stores.orders.getIdempotencyRecord('bob', 'key-1', Math.floor(Date.parse(at) / 1000));
    expect(stored?.order).toEqual(order);
    expect(stored?.events.map((event) => [event.status, event.event.detailType])).toEqual([
      ['PENDING', 'order.created'],
    ]);
    expect(record?.orderId).toBe(order.orderId);
  });

  it('refuses a second order under a taken idempotency key and writes nothing of it', async () => {
    expect.assertions(2);
    await place('carol', 'same');
    try {
      await place('carol', 'same');
    } catch (error) {
      expect(error).toBeInstanceOf(IdempotencyKeyTakenError);
    }
    expect((await stores.orders.listCustomerOrders('carol')).items).toHaveLength(1);
  });

  it("lists a customer's orders newest first with a working cursor", async () => {
    const placed = [await place('dave'), await place('dave'), await place('dave')];
    const first = await stores.orders.listCustomerOrders('dave', { limit: 2 });
    const second = await stores.orders.listCustomerOrders('dave', { limit: 2, cursor: first.nextCursor });
    expect([...first.items, ...second.items].map((order) => order.orderId)).toEqual(
      placed.map((order) => order.orderId).reverse(),
    );
  });

  it("rejects a cursor of another customer's partition", async () => {
    await place('erin');
    await place('erin');
    const page = await stores.orders.listCustomerOrders('erin', { limit: 1 });
    await expect(stores.orders.listCustomerOrders('frank', { cursor: page.nextCursor })).rejects.toThrow(
      PaginationCursorInvalidError,
    );
  });

  it('applies exactly the transitions of the table, as conditional writes that append to the timeline', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...ORDER_STATUSES), { minLength: 1, maxLength: 6 }),
        async (targets) => {
          const order = await place('walker');
          let status: OrderStatus = 'PENDING';
          let timeline = 1;
          for (const to of targets) {
            const allowed = ORDER_TRANSITIONS[status].includes(to);
            const result = await stores.orders
              .transitionOrder({ orderId: order.orderId, to, at, reason: 'PAYMENT_DECLINED' })
              .then(
                (updated) => updated.status,
                (error: unknown) => error,
              );
            if (allowed) {
              expect(result).toBe(to);
              status = to;
              timeline += 1;
            } else {
              expect(result).toBeInstanceOf(OrderTransitionRejectedError);
            }
          }
          const stored = await stores.orders.getOrder(order.orderId);
          expect(stored?.status).toBe(status);
          expect(stored?.timeline).toHaveLength(timeline);
        },
      ),
      { numRuns: 15 },
    );
  });

  it("a saga's forward steps move no status index entry, and each status still lists only its own orders", async () => {
    const order = await place('hana');
    const indexKey = async () =>
      (
        await local.documentClient.send(
          new GetCommand({ TableName: local.tableName, Key: { PK: `ORDER#${order.orderId}`, SK: 'ORDER' } }),
        )
      ).Item?.GSI2PK;
    const listed = async (status: OrderStatus) =>
      (await stores.orders.listOrdersByStatus(status, { limit: 100 })).items.some(
        (item) => item.orderId === order.orderId,
      );
    const seen: unknown[] = [[await indexKey(), await listed('PENDING'), await listed('VALIDATED')]];

    for (const to of ['VALIDATED', 'INVENTORY_RESERVED', 'PAYMENT_CAPTURED'] as const) {
      await stores.orders.transitionOrder({ orderId: order.orderId, to, at });
      seen.push([await indexKey(), await listed('PENDING'), await listed(to)]);
    }
    await stores.orders.transitionOrder({ orderId: order.orderId, to: 'CONFIRMED', at });
    seen.push([await indexKey(), await listed('PAYMENT_CAPTURED'), await listed('CONFIRMED')]);

    expect(seen).toEqual([
      ['STATUS#IN_FLIGHT', true, false],
      ['STATUS#IN_FLIGHT', false, true],
      ['STATUS#IN_FLIGHT', false, true],
      ['STATUS#IN_FLIGHT', false, true],
      ['STATUS#CONFIRMED', false, true],
    ]);
  });

  it("finds a stuck order still indexed under its status's own partition of before the shared one, and the newest ended orders first", async () => {
    const finder = new DynamoStaleOrders(local.documentClient, local.tableName);
    const legacy = await place('ines');
    await stores.orders.transitionOrder({ orderId: legacy.orderId, to: 'VALIDATED', at });
    // As an order validated before decision 54 was indexed: under STATUS#VALIDATED.
    await local.documentClient.send(
      new UpdateCommand({
        TableName: local.tableName,
        Key: { PK: `ORDER#${legacy.orderId}`, SK: 'ORDER' },
        UpdateExpression: 'SET GSI2PK = :pk',
        ExpressionAttributeValues: { ':pk': 'STATUS#VALIDATED' },
      }),
    );
    const ended = [await place('ines'), await place('ines')];
    for (const order of ended) await stores.orders.transitionOrder({ orderId: order.orderId, to: 'FAILED', at });

    const stale = await finder.findStale('VALIDATED', '9999', 1000);
    const recent = await finder.findCreatedAfter('FAILED', ended[0].createdAt.slice(0, 19), 1000);

    expect(stale.map((order) => order.orderId)).toContain(legacy.orderId);
    const ours = recent.map((order) => order.orderId).filter((id) => ended.some((order) => order.orderId === id));
    expect(ours).toEqual([ended[1].orderId, ended[0].orderId]);
  });

  it('moves the order between status partitions and keeps the first failure reason', async () => {
    const order = await place('gina');
    await stores.orders.transitionOrder({ orderId: order.orderId, to: 'VALIDATED', at });
    await stores.orders.transitionOrder({ orderId: order.orderId, to: 'INVENTORY_RESERVED', at });
    await stores.orders.transitionOrder({
      orderId: order.orderId,
      to: 'COMPENSATING',
      at,
      reason: 'PAYMENT_DECLINED',
    });
    const parked = await stores.orders.transitionOrder({
      orderId: order.orderId,
      to: 'NEEDS_ATTENTION',
      at,
      reason: 'COMPENSATION_FAILED',
    });
    const byStatus = await stores.orders.listOrdersByStatus('NEEDS_ATTENTION', { limit: 100 });
    const history = await stores.orders.getOrderWithEvents(order.orderId);
    expect(parked.failureReason).toBe('PAYMENT_DECLINED');
    expect(byStatus.items.map((item) => item.orderId)).toContain(order.orderId);
    // A status change writes no outbox record: its announcement is published by the saga step (outbox on failure only).
    expect(history?.events.map((event) => event.event.detailType)).toEqual(['order.created']);
  });

  it('lets exactly one of two concurrent identical status changes through the conditional write', async () => {
    const order = await place('race');
    const results = await Promise.allSettled(
      [1, 2, 3].map(() => stores.orders.transitionOrder({ orderId: order.orderId, to: 'VALIDATED', at })),
    );
    const stored = await stores.orders.getOrder(order.orderId);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(
      results
        .filter((result) => result.status === 'rejected')
        .map((result) => (result as PromiseRejectedResult).reason),
    ).toEqual([expect.any(OrderTransitionRejectedError), expect.any(OrderTransitionRejectedError)]);
    expect(stored?.timeline.map((entry) => entry.status)).toEqual(['PENDING', 'VALIDATED']);
  });

  it('answers OrderNotFoundError for a status change of an unknown order', async () => {
    await expect(stores.orders.transitionOrder({ orderId: ulid(), to: 'VALIDATED', at })).rejects.toThrow(
      OrderNotFoundError,
    );
  });

  it('removes an outbox record from the pending index once sent', async () => {
    const order = await place('hank');
    const pendingBefore = await stores.outbox.listPendingOutbox('9999', 1000);
    const record = pendingBefore.find((item) => item.orderId === order.orderId);
    await stores.outbox.markOutboxSent(order.orderId, record?.eventId ?? '', '2026-01-01T00:00:01.000Z');
    const pendingAfter = await stores.outbox.listPendingOutbox('9999', 1000);
    expect(record).toBeDefined();
    expect(pendingAfter.some((item) => item.orderId === order.orderId)).toBe(false);
  });

  it('records a bus event once and lists events newest first', async () => {
    const envelope = (id: string, time: string) => ({
      id,
      'detail-type': 'partner.thing',
      source: 'partner.acme',
      time,
      detail: { n: id },
    });
    const first = await stores.events.recordEvent(envelope('e-1', '2026-01-01T00:00:01Z'), at);
    const again = await stores.events.recordEvent(envelope('e-1', '2026-01-01T00:00:01Z'), at);
    await stores.events.recordEvent(envelope('e-2', '2026-01-01T00:00:02Z'), at);
    const page = await stores.events.listEvents({ limit: 10 });
    expect([first, again]).toEqual([true, false]);
    expect(page.items.map((event) => event.eventId)).toEqual(['e-2', 'e-1']);
  });

  it('stores and lists products with stock', async () => {
    await stores.products.putProduct({
      productId: 'widget',
      name: 'Widget',
      price: money(1999, 'EUR'),
      stock: 7,
      updatedAt: at,
    });
    const products = await stores.products.getProducts(['widget', 'missing']);
    const catalog = await stores.products.listProducts();
    expect(products.get('widget')?.stock).toBe(7);
    expect(products.has('missing')).toBe(false);
    expect(catalog.items.map((product) => product.productId)).toContain('widget');
  });

  it("filters a customer's orders by status in the admin browser after reading them from the key-only index", async () => {
    const [older, newer, other] = [await place('ivy'), await place('ivy'), await place('ivy')];
    await stores.orders.transitionOrder({ orderId: older.orderId, to: 'VALIDATED', at });
    await stores.orders.transitionOrder({ orderId: newer.orderId, to: 'VALIDATED', at });
    const browser = new AdminOrderBrowser(local.documentClient, local.tableName);

    const validated = await browser.listOrders({ customerId: 'ivy', status: 'VALIDATED' });
    const pending = await browser.listOrders({ customerId: 'ivy', status: 'PENDING' });

    expect(validated.items.map((order) => [order.orderId, order.status, order.total.amount])).toEqual([
      [newer.orderId, 'VALIDATED', 100],
      [older.orderId, 'VALIDATED', 100],
    ]);
    expect(pending.items.map((order) => order.orderId)).toEqual([other.orderId]);
  });

  it('fills a filtered page past the orders of other statuses, and its cursor goes on from the last one it kept', async () => {
    // Newest first: v1, p, p, v2, p, p, v3 from the newest; a page of 2 VALIDATED has to read past the PENDING ones.
    const placed = [];
    for (const to of ['VALIDATED', 'PENDING', 'PENDING', 'VALIDATED', 'PENDING', 'PENDING', 'VALIDATED'] as const) {
      const order = await place('kai');
      if (to === 'VALIDATED') await stores.orders.transitionOrder({ orderId: order.orderId, to, at });
      placed.push({ orderId: order.orderId, to });
    }
    const validated = placed.filter((order) => order.to === 'VALIDATED').map((order) => order.orderId);
    const browser = new AdminOrderBrowser(local.documentClient, local.tableName);

    const first = await browser.listOrders({ customerId: 'kai', status: 'VALIDATED' }, { limit: 2 });
    const second = await browser.listOrders(
      { customerId: 'kai', status: 'VALIDATED' },
      { limit: 2, ...(first.nextCursor === undefined ? {} : { cursor: first.nextCursor }) },
    );

    expect(first.items.map((order) => order.orderId)).toEqual([validated[2], validated[1]]);
    expect(first.nextCursor).toBeDefined();
    expect(second.items.map((order) => order.orderId)).toEqual([validated[0]]);
    expect(second.nextCursor).toBeUndefined();
  });

  it('writes only the table and the status index when an order changes status (the listing indexes hold keys only)', async () => {
    const order = await place('jay');
    const key = { PK: `ORDER#${order.orderId}`, SK: 'ORDER' };

    const answer = await local.documentClient.send(
      new UpdateCommand({
        TableName: local.tableName,
        Key: key,
        UpdateExpression: 'SET #status = :to, updatedAt = :at, GSI2PK = :pk',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':to': 'VALIDATED', ':at': at, ':pk': 'STATUS#VALIDATED' },
        ReturnConsumedCapacity: 'INDEXES',
      }),
    );

    // GSI2's key moved (its old entry deleted, a new one written); GSI1 and GSI3 kept their keys: not written.
    expect(Object.keys(answer.ConsumedCapacity?.GlobalSecondaryIndexes ?? {})).toEqual(['GSI2']);
    expect(answer.ConsumedCapacity?.GlobalSecondaryIndexes?.GSI2?.CapacityUnits).toBe(2);
  });
});
