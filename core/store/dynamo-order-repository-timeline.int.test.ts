/**
 * DynamoOrderRepository.appendTimeline against DynamoDB Local: an entry that moves no status, appended once per step key.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { ulid } from 'ulid';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { money } from '../domain/money';
import { newOrder, TimelineEntryInvalidError } from '../domain/order';
import type { Order, TimelineEntry } from '../domain/order';
import { orderEvent } from '../events/order-events';
import { OrderNotFoundError } from '../orders/errors';
import { createDynamoStores } from './dynamo-stores';
import type { DynamoStores } from './dynamo-stores';
import { keys } from './keys';

describe('DynamoOrderRepository.appendTimeline against DynamoDB Local', () => {
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
  const place = async (): Promise<Order> => {
    const order = newOrder({
      orderId: ulid(),
      customerId: 'tim',
      lines: [],
      total: money(100, 'EUR'),
      paymentToken: 'tok',
      at,
    });
    const eventId = ulid();
    await stores.orders.createOrder(
      order,
      {
        customerId: 'tim',
        key: ulid(),
        requestHash: 'h',
        orderId: order.orderId,
        createdAt: at,
        expiresAt: Math.floor(Date.parse(at) / 1000) + 60,
      },
      { orderId: order.orderId, eventId, event: orderEvent(order, eventId, at), status: 'PENDING', createdAt: at },
    );
    return order;
  };
  const released: TimelineEntry = {
    status: 'PENDING',
    at: '2026-01-01T00:00:05.000Z',
    step: 'ReleaseInventory',
    outcome: 'released',
    note: 'returned the reserved stock',
  };

  it('appends the entry after the existing ones and keeps the status', async () => {
    const order = await place();

    const appended = await stores.orders.appendTimeline(order.orderId, released, 'ReleaseInventory');

    const stored = await stores.orders.getOrder(order.orderId);
    expect(appended).toBe(true);
    expect(stored?.timeline).toEqual([{ status: 'PENDING', at, step: 'PlaceOrder', outcome: 'placed' }, released]);
    expect(stored?.status).toBe('PENDING');
    expect(stored?.updatedAt).toBe(released.at);
  });

  it('appends once when the same step key is appended twice; the second call answers false', async () => {
    const order = await place();

    const results = [
      await stores.orders.appendTimeline(order.orderId, released, 'ReleaseInventory'),
      await stores.orders.appendTimeline(
        order.orderId,
        { ...released, at: '2026-01-01T00:00:09.000Z' },
        'ReleaseInventory',
      ),
    ];

    const stored = await stores.orders.getOrder(order.orderId);
    expect(results).toEqual([true, false]);
    expect(stored?.timeline.filter((entry) => entry.step === 'ReleaseInventory')).toEqual([released]);
    expect(stored?.updatedAt).toBe(released.at);
  });

  it('appends entries of distinct keys in call order', async () => {
    const order = await place();
    const refunded: TimelineEntry = {
      status: 'PENDING',
      at: '2026-01-01T00:00:04.000Z',
      step: 'RefundPayment',
      outcome: 'refunded',
    };

    await stores.orders.appendTimeline(order.orderId, refunded, 'RefundPayment');
    await stores.orders.appendTimeline(order.orderId, released, 'ReleaseInventory');

    expect((await stores.orders.getOrder(order.orderId))?.timeline.map((entry) => entry.step)).toEqual([
      'PlaceOrder',
      'RefundPayment',
      'ReleaseInventory',
    ]);
  });

  it('keeps the recorded keys in the item but out of the order it answers', async () => {
    const order = await place();

    await stores.orders.appendTimeline(order.orderId, released, 'ReleaseInventory');

    const { Item } = await local.documentClient.send(
      new GetCommand({ TableName: local.tableName, Key: keys.order(order.orderId) }),
    );
    expect(Item?.timelineStepKeys).toEqual(new Set(['ReleaseInventory']));
    expect(Object.keys((await stores.orders.getOrder(order.orderId)) as Order)).not.toContain('timelineStepKeys');
  });

  it('property: racing appends under random keys record each key exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('RefundPayment', 'ReleaseInventory', 'ChargePayment:failed'), {
          minLength: 1,
          maxLength: 8,
        }),
        async (stepKeys) => {
          const order = await place();

          const results = await Promise.all(
            stepKeys.map((stepKey) =>
              stores.orders.appendTimeline(order.orderId, { ...released, step: stepKey }, stepKey),
            ),
          );

          const steps = ((await stores.orders.getOrder(order.orderId)) as Order).timeline
            .slice(1)
            .map((entry) => entry.step);
          expect([...steps].sort()).toEqual([...new Set(stepKeys)].sort());
          expect(results.filter(Boolean)).toHaveLength(new Set(stepKeys).size);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('refuses an unknown order with OrderNotFoundError and creates no item', async () => {
    expect.assertions(2);
    const orderId = ulid();
    try {
      await stores.orders.appendTimeline(orderId, released, 'ReleaseInventory');
    } catch (error) {
      expect(error).toBeInstanceOf(OrderNotFoundError);
    }
    const { Item } = await local.documentClient.send(
      new GetCommand({ TableName: local.tableName, Key: keys.order(orderId) }),
    );
    expect(Item).toBeUndefined();
  });

  it.each([
    ['an empty step key', released, ' '],
    ['an oversized step key', released, 'k'.repeat(201)],
    ['an unknown status', { ...released, status: 'LOST' } as unknown as TimelineEntry, 'ReleaseInventory'],
    ['a time that is not one', { ...released, at: 'soon' }, 'ReleaseInventory'],
  ])('refuses %s with TimelineEntryInvalidError and changes nothing', async (_, entry, stepKey) => {
    expect.assertions(2);
    const order = await place();
    try {
      await stores.orders.appendTimeline(order.orderId, entry, stepKey);
    } catch (error) {
      expect(error).toBeInstanceOf(TimelineEntryInvalidError);
    }
    expect(await stores.orders.getOrder(order.orderId)).toEqual(order);
  });
});
