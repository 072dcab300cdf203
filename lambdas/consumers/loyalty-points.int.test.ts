/**
 * Consumer `loyalty-points` (./loyalty-points.ts) on DynamoDB Local with the real idempotency store: each event type it
 * subscribes to is worked on once per event id however often it is delivered, and a message that is not an order
 * event fails alone. Scaffolded by `npm run new:consumer`; add the work's own effects as the work grows.
 */
import { consumerEvents } from '../../core/platform/resources';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { idempotencyPersistence } from '../shared/powertools';
import {
  orderEventDetail,
  orderEventRecord,
  sqsEvent,
  testLambdaContext,
} from '../shared/test-support/order-event-messages';
import { CONSUMER, createLoyaltyPointsHandler, loyaltyPointsWork } from './loyalty-points';

jest.setTimeout(60_000);

let table: LocalTable;

beforeAll(async () => {
  table = await startLocalTable();
}, 60_000);

afterAll(async () => {
  await table?.stop();
});

/** The handler over the table's idempotency store, with its work wrapped to record which events reached it. */
const handlerCountingWork = () => {
  const handled: string[] = [];
  const handler = createLoyaltyPointsHandler({
    persistence: idempotencyPersistence(table.client, table.tableName),
    work: async (event, log) => {
      handled.push(event.eventId);
      return loyaltyPointsWork(event, log);
    },
  });
  return { handler, handled };
};

describe(`consumer ${CONSUMER}`, () => {
  it.each(consumerEvents(CONSUMER))('works on %s once per event id, however often it is delivered', async (type) => {
    // prepare
    const { handler, handled } = handlerCountingWork();
    const message = orderEventRecord(type, orderEventDetail(type));
    // act
    const first = await handler(sqsEvent(message), testLambdaContext(CONSUMER));
    const again = await handler(
      sqsEvent({ ...message, messageId: `${message.messageId}-again` }),
      testLambdaContext(CONSUMER),
    );
    // assess
    expect([first.batchItemFailures, again.batchItemFailures]).toEqual([[], []]);
    expect(handled).toEqual([JSON.parse(message.body).detail.eventId]);
  });

  it('fails a message that is not an order event alone and works on the rest of the batch', async () => {
    // prepare
    const { handler, handled } = handlerCountingWork();
    const type = consumerEvents(CONSUMER)[0];
    const bad = orderEventRecord(type, '{"not":"an EventBridge envelope"}');
    const good = orderEventRecord(type, orderEventDetail(type));
    // act
    const answer = await handler(sqsEvent(bad, good), testLambdaContext(CONSUMER));
    // assess
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
    expect(handled).toHaveLength(1);
  });

  it('acknowledges order.created, which it does not subscribe to, without working on it', async () => {
    // prepare
    const { handler, handled } = handlerCountingWork();
    // act
    const answer = await handler(
      sqsEvent(orderEventRecord('order.created', orderEventDetail('order.created'))),
      testLambdaContext(CONSUMER),
    );
    // assess
    expect(answer.batchItemFailures).toEqual([]);
    expect(handled).toEqual([]);
  });
});
