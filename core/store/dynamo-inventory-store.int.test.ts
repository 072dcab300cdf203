import fc from 'fast-check';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { money } from '../domain/money';
import { InventoryReservationReleasedError, OutOfStockError } from '../inventory/inventory';
import { DynamoInventoryStore } from './dynamo-inventory-store';
import { createDynamoStores } from './dynamo-stores';
import type { DynamoStores } from './dynamo-stores';

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
});
