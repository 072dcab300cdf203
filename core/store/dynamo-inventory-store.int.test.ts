/**
 * DynamoInventoryStore against DynamoDB Local: stock on the product items, each order's reservation on its order item,
 * and ReserveInventory's status change made in the reservation's transaction.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { ulid } from 'ulid';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { money } from '../domain/money';
import { newOrder } from '../domain/order';
import type { Order } from '../domain/order';
import type { OrderStatus } from '../domain/order-status';
import { InventoryReservationReleasedError, OutOfStockError } from '../inventory/inventory';
import { OrderNotFoundError, OrderTransitionRejectedError } from '../orders/errors';
import type { TransitionRequest } from '../orders/ports';
import { DynamoInventoryStore, InventoryContentionError } from './dynamo-inventory-store';
import { createDynamoStores } from './dynamo-stores';
import type { DynamoStores } from './dynamo-stores';
import { keys } from './keys';

let table: LocalTable;
let inventory: DynamoInventoryStore;
let stores: DynamoStores;
let sequence = 0;
const id = (prefix: string): string => {
  sequence += 1;
  return `${prefix}-${sequence}`;
};

const product = async (stock: number): Promise<string> => {
  const productId = id('p');
  await stores.products.putProduct({
    productId,
    name: productId,
    price: money(100, 'EUR'),
    stock,
    updatedAt: '2026-01-01T00:00:00.000Z',
  });
  return productId;
};

const conflict = (items: number): TransactionCanceledException =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: Array.from({ length: items }, (_, index) => ({
      Code: index === items - 1 ? 'TransactionConflict' : 'None',
    })),
  });

/**
 * DynamoDB Local serialises transactions and never answers TransactionConflict; AWS does when transactions touch the
 * same item at once. This client answers the store's transactions as `onTransaction` decides (`before` runs first,
 * e.g. a rival taking the last unit), passing everything else to DynamoDB Local.
 */
const racing = (
  onTransaction: (attempt: number) => 'conflict' | 'commit' | 'commit-then-conflict',
  before?: (attempt: number) => Promise<void>,
): { client: DynamoDBDocumentClient; transactions: () => number } => {
  let transactions = 0;
  const send = async (command: TransactWriteCommand) => {
    if (!(command instanceof TransactWriteCommand)) return table.documentClient.send(command);
    const attempt = transactions;
    transactions += 1;
    await before?.(attempt);
    const decision = onTransaction(attempt);
    if (decision !== 'conflict') await table.documentClient.send(command);
    if (decision !== 'commit') throw conflict(command.input.TransactItems?.length ?? 1);
    return {};
  };
  return { client: { send } as unknown as DynamoDBDocumentClient, transactions: () => transactions };
};

/** A stored order of `quantity` units of `productId`, moved through `through` (e.g. VALIDATED). */
const placedOrder = async (productId: string, quantity: number, through: readonly OrderStatus[]): Promise<string> => {
  const at = '2026-01-01T00:00:00.000Z';
  const unitPrice = money(100, 'EUR');
  const order = newOrder({
    orderId: ulid(),
    customerId: 'inventory-test',
    lines: [{ productId, name: productId, quantity, unitPrice, lineTotal: money(100 * quantity, 'EUR') }],
    total: money(100 * quantity, 'EUR'),
    paymentToken: 'tok_visa',
    at,
  });
  await stores.orders.createOrder(order, {
    customerId: 'inventory-test',
    key: ulid(),
    requestHash: 'h',
    orderId: order.orderId,
    createdAt: at,
    expiresAt: Math.floor(Date.parse(at) / 1000) + 60,
  });
  for (const to of through) await stores.orders.transitionOrder({ orderId: order.orderId, to, at });
  return order.orderId;
};

/** ReserveInventory's status change, as the saga hands it to `reserve`. */
const toReserved = (orderId: string): TransitionRequest => ({
  orderId,
  to: 'INVENTORY_RESERVED',
  at: '2026-01-01T00:00:01.000Z',
  step: 'ReserveInventory',
  outcome: 'reserved',
  note: 'reserved by the test',
});

/** Every item in the order's partition, by sort key: the reservation must not be an item of its own. */
const partitionKeys = async (orderId: string): Promise<string[]> => {
  const { Items } = await table.documentClient.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.order(orderId).PK },
      ConsistentRead: true,
    }),
  );
  return (Items ?? []).map((item) => item.SK as string);
};

/** The table's client, recording the operation and the keys of each call it passes on. */
const recording = (): { client: DynamoDBDocumentClient; calls: string[] } => {
  const calls: string[] = [];
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const input = command.input;
    const keysOf =
      (input.TransactItems as Record<string, { Key: { PK: string; SK: string } }>[] | undefined)?.map((item) => {
        const key = Object.values(item)[0].Key;
        return `${key.PK.split('#')[0]}#${key.SK}`;
      }) ?? [];
    calls.push(
      `${command.constructor.name.replace('Command', '')}${keysOf.length > 0 ? ` ${keysOf.join(' + ')}` : ''}`,
    );
    return table.documentClient.send(command as never);
  };
  return { client: { send } as unknown as DynamoDBDocumentClient, calls };
};

beforeAll(async () => {
  table = await startLocalTable();
  inventory = new DynamoInventoryStore(table.documentClient, table.tableName);
  stores = createDynamoStores(table.documentClient, table.tableName);
}, 60000);

afterAll(async () => {
  await table?.stop();
});

describe('DynamoInventoryStore', () => {
  it('reserves every line of an order in one transaction and decrements each stock', async () => {
    const [a, b] = [await product(5), await product(3)];

    const outcome = await inventory.reserve('o-1', [
      { productId: a, quantity: 2 },
      { productId: b, quantity: 3 },
      { productId: a, quantity: 1 },
    ]);

    expect(outcome).toBe('reserved');
    expect([await inventory.getStock(a), await inventory.getStock(b)]).toEqual([2, 0]);
  });

  it('a second reserve of the same order takes nothing more', async () => {
    const a = await product(5);
    await inventory.reserve('o-2', [{ productId: a, quantity: 2 }]);

    const again = await inventory.reserve('o-2', [{ productId: a, quantity: 2 }]);

    expect(again).toBe('already-reserved');
    expect(await inventory.getStock(a)).toBe(3);
  });

  it('an order for more than the stock reserves nothing and names only the short products', async () => {
    expect.assertions(3);
    const [a, b] = [await product(5), await product(1)];

    await inventory
      .reserve('o-3', [
        { productId: a, quantity: 2 },
        { productId: b, quantity: 2 },
      ])
      .catch((error: unknown) => {
        expect(error).toEqual(new OutOfStockError([b]));
      });

    expect([await inventory.getStock(a), await inventory.getStock(b)]).toEqual([5, 1]);
    expect(await inventory.getReservation('o-3')).toBeUndefined();
  });

  it('release returns the stock once; a second release changes nothing', async () => {
    const a = await product(4);
    await inventory.reserve('o-4', [{ productId: a, quantity: 3 }]);

    const first = await inventory.release('o-4');
    const second = await inventory.release('o-4');

    expect([first, second]).toEqual(['released', 'already-released']);
    expect(await inventory.getStock(a)).toBe(4);
  });

  it('a release before any reserve leaves a tombstone, so a late reserve cannot take stock', async () => {
    expect.assertions(3);
    const a = await product(4);

    const outcome = await inventory.release('o-5');
    await inventory.reserve('o-5', [{ productId: a, quantity: 1 }]).catch((error: unknown) => {
      expect(error).toBeInstanceOf(InventoryReservationReleasedError);
    });

    expect(outcome).toBe('nothing-reserved');
    expect(await inventory.getStock(a)).toBe(4);
  });

  it('40 concurrent one-unit reservations of a product with stock 10 reserve exactly 10', async () => {
    const a = await product(10);

    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, index) => inventory.reserve(`c-${index}`, [{ productId: a, quantity: 1 }])),
    );

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    expect(outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof OutOfStockError)).toHaveLength(30);
    expect(await inventory.getStock(a)).toBe(0);
  });

  it('property: concurrent reserves and releases keep stock + held quantities equal to the initial stock, never negative', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 6 }),
        fc.array(fc.record({ quantity: fc.integer({ min: 1, max: 4 }), release: fc.boolean() }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (initial, orders) => {
          const a = await product(initial);
          const orderIds = orders.map(() => id('prop'));
          await Promise.allSettled(
            orders.map((order, index) =>
              inventory.reserve(orderIds[index], [{ productId: a, quantity: order.quantity }]),
            ),
          );
          await Promise.all(
            orders.map((order, index) => (order.release ? inventory.release(orderIds[index]) : Promise.resolve())),
          );
          const held = await Promise.all(
            orderIds.map(async (orderId) =>
              (await inventory.getReservation(orderId))?.status === 'RESERVED'
                ? ((await inventory.getReservation(orderId))?.lines[0]?.quantity ?? 0)
                : 0,
            ),
          );
          const stock = (await inventory.getStock(a)) ?? -1;
          expect(stock).toBeGreaterThanOrEqual(0);
          expect(stock + held.reduce((sum, q) => sum + q, 0)).toBe(initial);
        },
      ),
      { numRuns: 15 },
    );
  });

  describe('with the status change of ReserveInventory (the reservation on the order item)', () => {
    it('takes the stock and moves the order in ONE transaction of the order item and the products, and writes no reservation item', async () => {
      const [a, b] = [await product(5), await product(3)];
      const orderId = await placedOrder(a, 2, ['VALIDATED']);
      const wire = recording();
      const store = new DynamoInventoryStore(wire.client, table.tableName);

      const outcome = await store.reserve(
        orderId,
        [
          { productId: a, quantity: 2 },
          { productId: b, quantity: 1 },
        ],
        toReserved(orderId),
      );

      expect(outcome).toBe('reserved');
      expect(wire.calls).toEqual(['TransactWrite ORDER#ORDER + PRODUCT#PRODUCT + PRODUCT#PRODUCT']);
      const order = (await stores.orders.getOrder(orderId)) as Order;
      expect(order.status).toBe('INVENTORY_RESERVED');
      expect(order.updatedAt).toBe('2026-01-01T00:00:01.000Z');
      expect(order.timeline.at(-1)).toEqual({
        status: 'INVENTORY_RESERVED',
        at: '2026-01-01T00:00:01.000Z',
        step: 'ReserveInventory',
        outcome: 'reserved',
        note: 'reserved by the test',
      });
      expect([await inventory.getStock(a), await inventory.getStock(b)]).toEqual([3, 2]);
      expect(await inventory.getReservation(orderId)).toEqual({
        orderId,
        status: 'RESERVED',
        lines: [
          { productId: a, quantity: 2 },
          { productId: b, quantity: 1 },
        ].sort((x, y) => x.productId.localeCompare(y.productId)),
      });
      expect(await partitionKeys(orderId)).toEqual(['ORDER']);
    });

    it('keeps the reservation out of the order the repository answers (GET /api/orders/:id), and the index keys as they were', async () => {
      const a = await product(5);
      const orderId = await placedOrder(a, 1, ['VALIDATED']);
      const before = (
        await table.documentClient.send(new GetCommand({ TableName: table.tableName, Key: keys.order(orderId) }))
      ).Item as Record<string, unknown>;

      await inventory.reserve(orderId, [{ productId: a, quantity: 1 }], toReserved(orderId));

      const { Item } = await table.documentClient.send(
        new GetCommand({ TableName: table.tableName, Key: keys.order(orderId) }),
      );
      expect(Item?.reservation).toEqual({
        status: 'RESERVED',
        lines: [{ productId: a, quantity: 1 }],
        reservedAt: '2026-01-01T00:00:01.000Z',
      });
      expect(Object.keys((await stores.orders.getOrder(orderId)) as Order)).not.toContain('reservation');
      for (const key of ['GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK', 'GSI3PK', 'GSI3SK'])
        expect(Item?.[key]).toBe(before[key]);
    });

    it('a repeat after the order moved on answers already-reserved and writes nothing: stock, status and timeline as they were', async () => {
      const a = await product(5);
      const orderId = await placedOrder(a, 2, ['VALIDATED']);
      await inventory.reserve(orderId, [{ productId: a, quantity: 2 }], toReserved(orderId));
      await stores.orders.transitionOrder({ orderId, to: 'PAYMENT_CAPTURED', at: '2026-01-01T00:00:02.000Z' });
      const moved = (await stores.orders.getOrder(orderId)) as Order;

      const again = await inventory.reserve(orderId, [{ productId: a, quantity: 2 }], toReserved(orderId));

      expect(again).toBe('already-reserved');
      expect(await inventory.getStock(a)).toBe(3);
      expect(await stores.orders.getOrder(orderId)).toEqual(moved);
    });

    it('two copies at once take the stock once and move the status once', async () => {
      const a = await product(5);
      const orderId = await placedOrder(a, 2, ['VALIDATED']);

      const outcomes = await Promise.all(
        [0, 1].map(() => inventory.reserve(orderId, [{ productId: a, quantity: 2 }], toReserved(orderId))),
      );

      expect(outcomes.sort()).toEqual(['already-reserved', 'reserved']);
      expect(await inventory.getStock(a)).toBe(3);
      const order = (await stores.orders.getOrder(orderId)) as Order;
      expect(order.timeline.filter((entry) => entry.status === 'INVENTORY_RESERVED')).toHaveLength(1);
    });

    it('a release that ran first leaves its tombstone on the order item: the late reserve takes no stock and moves no status', async () => {
      expect.assertions(5);
      const a = await product(4);
      const orderId = await placedOrder(a, 1, ['VALIDATED']);

      const released = await inventory.release(orderId);
      await inventory
        .reserve(orderId, [{ productId: a, quantity: 1 }], toReserved(orderId))
        .catch((error: unknown) => expect(error).toBeInstanceOf(InventoryReservationReleasedError));

      expect(released).toBe('nothing-reserved');
      expect(await inventory.getStock(a)).toBe(4);
      expect((await stores.orders.getOrder(orderId))?.status).toBe('VALIDATED');
      expect(await partitionKeys(orderId)).toEqual(['ORDER']);
    });

    it('release returns exactly what the reserve took, once, and leaves the status to the saga', async () => {
      const [a, b] = [await product(4), await product(4)];
      const orderId = await placedOrder(a, 3, ['VALIDATED']);
      await inventory.reserve(
        orderId,
        [
          { productId: a, quantity: 3 },
          { productId: b, quantity: 1 },
        ],
        toReserved(orderId),
      );

      const outcomes = [await inventory.release(orderId), await inventory.release(orderId)];

      expect(outcomes).toEqual(['released', 'already-released']);
      expect([await inventory.getStock(a), await inventory.getStock(b)]).toEqual([4, 4]);
      expect((await inventory.getReservation(orderId))?.status).toBe('RELEASED');
      expect((await stores.orders.getOrder(orderId))?.status).toBe('INVENTORY_RESERVED');
    });

    it('an order whose status no longer allows the change holds nothing: OrderTransitionRejectedError naming it, no stock taken', async () => {
      expect.assertions(3);
      const a = await product(4);
      const orderId = await placedOrder(a, 1, ['VALIDATED', 'FAILED']);

      await inventory
        .reserve(orderId, [{ productId: a, quantity: 1 }], toReserved(orderId))
        .catch((error: unknown) =>
          expect(error).toEqual(new OrderTransitionRejectedError(orderId, 'FAILED', 'INVENTORY_RESERVED')),
        );

      expect(await inventory.getStock(a)).toBe(4);
      expect(await inventory.getReservation(orderId)).toBeUndefined();
    });

    it('a status change for an order that does not exist takes no stock and creates no item', async () => {
      expect.assertions(3);
      const a = await product(4);
      const orderId = ulid();

      await inventory
        .reserve(orderId, [{ productId: a, quantity: 1 }], toReserved(orderId))
        .catch((error: unknown) => expect(error).toBeInstanceOf(OrderNotFoundError));

      expect(await inventory.getStock(a)).toBe(4);
      expect(await partitionKeys(orderId)).toEqual([]);
    });

    it('out of stock: nothing reserved, the order still VALIDATED with no new timeline entry', async () => {
      expect.assertions(4);
      const [a, b] = [await product(5), await product(1)];
      const orderId = await placedOrder(a, 2, ['VALIDATED']);
      const before = (await stores.orders.getOrder(orderId)) as Order;

      await inventory
        .reserve(
          orderId,
          [
            { productId: a, quantity: 2 },
            { productId: b, quantity: 2 },
          ],
          toReserved(orderId),
        )
        .catch((error: unknown) => expect(error).toEqual(new OutOfStockError([b])));

      expect([await inventory.getStock(a), await inventory.getStock(b)]).toEqual([5, 1]);
      expect(await inventory.getReservation(orderId)).toBeUndefined();
      expect(await stores.orders.getOrder(orderId)).toEqual(before);
    });
  });

  describe('an order reserved before the reservation moved onto the order item (its own RESERVATION item)', () => {
    it('release returns what that item holds, once, and marks it RELEASED', async () => {
      const a = await product(5);
      const orderId = await placedOrder(a, 2, ['VALIDATED', 'INVENTORY_RESERVED', 'COMPENSATING']);
      // What the old reserve wrote: the reservation item and the decrement, in one transaction.
      await table.documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: table.tableName,
                Item: {
                  ...keys.reservation(orderId),
                  type: 'RESERVATION',
                  orderId,
                  lines: [{ productId: a, quantity: 2 }],
                  reservationStatus: 'RESERVED',
                  reservedAt: '2026-01-01T00:00:00.000Z',
                },
              },
            },
            {
              Update: {
                TableName: table.tableName,
                Key: keys.product(a),
                UpdateExpression: 'SET stock = stock - :q',
                ExpressionAttributeValues: { ':q': 2 },
              },
            },
          ],
        }),
      );

      const outcomes = [await inventory.release(orderId), await inventory.release(orderId)];

      expect(outcomes).toEqual(['released', 'already-released']);
      expect(await inventory.getStock(a)).toBe(5);
      expect(await inventory.getReservation(orderId)).toEqual({
        orderId,
        status: 'RELEASED',
        lines: [{ productId: a, quantity: 2 }],
      });
      expect(await partitionKeys(orderId)).toEqual(['ORDER', 'RESERVATION']);
    });
  });

  describe('on a hot product (transactions cancelled by TransactionConflict, as AWS answers them)', () => {
    it('a reserve that loses races keeps trying within its budget and reserves once', async () => {
      const a = await product(5);
      const hot = racing((attempt) => (attempt < 5 ? 'conflict' : 'commit'));
      const store = new DynamoInventoryStore(hot.client, table.tableName, { sleep: async () => undefined });

      const outcome = await store.reserve('hot-1', [{ productId: a, quantity: 1 }]);

      expect(outcome).toBe('reserved');
      expect(hot.transactions()).toBe(6);
      expect(await inventory.getStock(a)).toBe(4);
    });

    it('a reserve that lost the race for the last unit answers OUT_OF_STOCK from a stock read, without another transaction', async () => {
      expect.assertions(3);
      const a = await product(1);
      const hot = racing(
        () => 'conflict',
        async (attempt) => {
          if (attempt === 0) await inventory.reserve('hot-rival', [{ productId: a, quantity: 1 }]);
        },
      );
      const store = new DynamoInventoryStore(hot.client, table.tableName, { sleep: async () => undefined });

      await store.reserve('hot-2', [{ productId: a, quantity: 1 }]).catch((error: unknown) => {
        expect(error).toEqual(new OutOfStockError([a]));
      });

      expect(hot.transactions()).toBe(1);
      expect(await inventory.getStock(a)).toBe(0);
    });

    it('that OUT_OF_STOCK is final: a later attempt of the same order gets the same answer and takes nothing', async () => {
      expect.assertions(2);
      const a = await product(1);
      const hot = racing(
        () => 'conflict',
        async (attempt) => {
          if (attempt === 0) await inventory.reserve('hot-rival-3', [{ productId: a, quantity: 1 }]);
        },
      );
      await new DynamoInventoryStore(hot.client, table.tableName, { sleep: async () => undefined })
        .reserve('hot-3', [{ productId: a, quantity: 1 }])
        .catch(() => undefined);
      await inventory.release('hot-rival-3');

      await inventory.reserve('hot-3', [{ productId: a, quantity: 1 }]).catch((error: unknown) => {
        expect(error).toEqual(new OutOfStockError([a]));
      });

      expect(await inventory.getStock(a)).toBe(1);
    });

    it('when an earlier attempt of the same order took the last unit, the loser answers already-reserved, not OUT_OF_STOCK', async () => {
      const a = await product(1);
      const hot = racing((attempt) => (attempt === 0 ? 'commit-then-conflict' : 'conflict'));
      const store = new DynamoInventoryStore(hot.client, table.tableName, { sleep: async () => undefined });

      const outcome = await store.reserve('hot-4', [{ productId: a, quantity: 1 }]);

      expect(outcome).toBe('already-reserved');
      expect(await inventory.getStock(a)).toBe(0);
    });

    it('a release that loses races keeps trying within its budget and returns the stock once', async () => {
      const a = await product(3);
      await inventory.reserve('hot-5', [{ productId: a, quantity: 2 }]);
      const hot = racing((attempt) => (attempt < 8 ? 'conflict' : 'commit'));
      const store = new DynamoInventoryStore(hot.client, table.tableName, { sleep: async () => undefined });

      const outcome = await store.release('hot-5');

      expect(outcome).toBe('released');
      expect(await inventory.getStock(a)).toBe(3);
    });

    it('a reserve still losing when its budget is spent fails with InventoryContentionError and takes nothing', async () => {
      expect.assertions(2);
      const a = await product(5);
      const hot = racing(() => 'conflict');
      const store = new DynamoInventoryStore(hot.client, table.tableName, {
        contentionBudgetMs: 0,
        sleep: async () => undefined,
      });

      await store.reserve('hot-6', [{ productId: a, quantity: 1 }]).catch((error: unknown) => {
        expect(error).toBeInstanceOf(InventoryContentionError);
      });

      expect(await inventory.getStock(a)).toBe(5);
    });

    it('a saga reserve that lost the last unit leaves its tombstone on the order item, the order VALIDATED; its retry gets OUT_OF_STOCK again', async () => {
      expect.assertions(5);
      const a = await product(1);
      const orderId = await placedOrder(a, 1, ['VALIDATED']);
      const hot = racing(
        () => 'conflict',
        async (attempt) => {
          if (attempt === 0) await inventory.reserve('hot-rival-7', [{ productId: a, quantity: 1 }]);
        },
      );
      await new DynamoInventoryStore(hot.client, table.tableName, { sleep: async () => undefined })
        .reserve(orderId, [{ productId: a, quantity: 1 }], toReserved(orderId))
        .catch((error: unknown) => expect(error).toEqual(new OutOfStockError([a])));
      await inventory.release('hot-rival-7');

      await inventory
        .reserve(orderId, [{ productId: a, quantity: 1 }], toReserved(orderId))
        .catch((error: unknown) => expect(error).toEqual(new OutOfStockError([a])));

      expect(await inventory.getReservation(orderId)).toEqual({
        orderId,
        status: 'RELEASED',
        lines: [],
        outOfStock: [a],
      });
      expect((await stores.orders.getOrder(orderId))?.status).toBe('VALIDATED');
      expect(await inventory.getStock(a)).toBe(1);
    });

    it('when an earlier attempt of the saga reserve won after all, the loser answers already-reserved and the order is INVENTORY_RESERVED once', async () => {
      const a = await product(1);
      const orderId = await placedOrder(a, 1, ['VALIDATED']);
      const hot = racing((attempt) => (attempt === 0 ? 'commit-then-conflict' : 'conflict'));
      const store = new DynamoInventoryStore(hot.client, table.tableName, { sleep: async () => undefined });

      const outcome = await store.reserve(orderId, [{ productId: a, quantity: 1 }], toReserved(orderId));

      expect(outcome).toBe('already-reserved');
      expect(await inventory.getStock(a)).toBe(0);
      const order = (await stores.orders.getOrder(orderId)) as Order;
      expect(order.timeline.filter((entry) => entry.status === 'INVENTORY_RESERVED')).toHaveLength(1);
    });
  });
});
