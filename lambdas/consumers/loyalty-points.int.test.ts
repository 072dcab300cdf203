/**
 * Consumer `loyalty-points` (./loyalty-points.ts) on DynamoDB Local with the real ledger: order.confirmed earns the
 * customer 1 point per whole unit of the total, once per order however often it is delivered; order.failed takes them
 * back once; a message that is not an order event fails alone. Started from the test `npm run new:consumer` wrote.
 */
import { money } from '../../core/domain/money';
import { consumerEvents } from '../../core/platform/resources';
import { DynamoLoyaltyLedger } from '../../core/store/dynamo-loyalty-ledger';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import {
  orderEventDetail,
  orderEventRecord,
  sqsEvent,
  testLambdaContext,
} from '../shared/test-support/order-event-messages';
import { CONSUMER, createLoyaltyPointsHandler } from './loyalty-points';
import { ulid } from 'ulid';

jest.setTimeout(60_000);

let table: LocalTable;
let ledger: DynamoLoyaltyLedger;

beforeAll(async () => {
  table = await startLocalTable();
  ledger = new DynamoLoyaltyLedger(table.documentClient, table.tableName);
}, 60_000);

afterAll(async () => {
  await table?.stop();
});

const context = testLambdaContext(CONSUMER);
const handle = (...records: Parameters<typeof sqsEvent>) =>
  createLoyaltyPointsHandler({ ledger })(sqsEvent(...records), context);

/** A customer of their own per test, with one order of `amount` cents. */
const anOrder = (amount: number) => ({ customerId: `c-${ulid()}`, orderId: ulid(), total: money(amount, 'EUR') });

describe(`consumer ${CONSUMER}`, () => {
  it('subscribes to order.confirmed and order.failed', () => {
    expect(consumerEvents(CONSUMER)).toEqual(['order.confirmed', 'order.failed']);
  });

  it('awards 1 point per whole currency unit of a confirmed order', async () => {
    // prepare
    const order = anOrder(2490);
    // act
    const answer = await handle(orderEventRecord('order.confirmed', orderEventDetail('order.confirmed', order)));
    // assess
    expect(answer.batchItemFailures).toEqual([]);
    expect(await ledger.account(order.customerId)).toMatchObject({
      points: 24,
      entries: [{ orderId: order.orderId, points: 24, state: 'AWARDED' }],
    });
  });

  it('awards once however often order.confirmed is delivered, in one batch or in several', async () => {
    // prepare
    const order = anOrder(1000);
    const message = orderEventRecord('order.confirmed', orderEventDetail('order.confirmed', order));
    // act
    const answers = [
      await handle(message, { ...message, messageId: `${message.messageId}-twin` }),
      await handle({ ...message, messageId: `${message.messageId}-again` }),
    ];
    // assess
    expect(answers.map((answer) => answer.batchItemFailures)).toEqual([[], []]);
    expect((await ledger.account(order.customerId)).points).toBe(10);
  });

  it('takes the points back on order.failed, once', async () => {
    // prepare
    const order = anOrder(4200);
    const other = { ...anOrder(1500), customerId: order.customerId };
    await handle(
      orderEventRecord('order.confirmed', orderEventDetail('order.confirmed', order)),
      orderEventRecord('order.confirmed', orderEventDetail('order.confirmed', other)),
    );
    const failed = orderEventRecord('order.failed', orderEventDetail('order.failed', order));
    // act
    const answers = [await handle(failed), await handle({ ...failed, messageId: `${failed.messageId}-again` })];
    // assess
    expect(answers.map((answer) => answer.batchItemFailures)).toEqual([[], []]);
    const account = await ledger.account(order.customerId);
    expect(account.points).toBe(15);
    expect(account.entries.find((entry) => entry.orderId === order.orderId)).toMatchObject({
      state: 'REVOKED',
      awardedPoints: 42,
    });
  });

  it('leaves a customer whose order failed before confirmation without points or entry', async () => {
    // prepare
    const order = anOrder(4200);
    // act
    const answer = await handle(orderEventRecord('order.failed', orderEventDetail('order.failed', order)));
    // assess
    expect(answer.batchItemFailures).toEqual([]);
    expect(await ledger.account(order.customerId)).toEqual({ customerId: order.customerId, points: 0, entries: [] });
  });

  it('fails a message that is not an order event alone and works on the rest of the batch', async () => {
    // prepare
    const order = anOrder(700);
    const bad = orderEventRecord('order.confirmed', '{"not":"an EventBridge envelope"}');
    const good = orderEventRecord('order.confirmed', orderEventDetail('order.confirmed', order));
    // act
    const answer = await handle(bad, good);
    // assess
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
    expect((await ledger.account(order.customerId)).points).toBe(7);
  });
});
