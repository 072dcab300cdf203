/**
 * Loyalty points through the local cloud as it is deployed: the order service's create (what POST /api/orders runs) ->
 * the saga on the real ASL -> order.confirmed on the bus -> rule events-to-loyalty-points -> queue loyalty-points ->
 * the loyalty-points function under its own IAM role -> the customer's entry in the table. A replay of the archive to
 * the loyalty rule delivers the order's confirmation again and awards nothing twice; a declined order earns nothing.
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ulid } from 'ulid';
import { EventReplays } from '../../core/adapters/eventbridge-replays';
import { consumerRuleName, deadLetterQueueName } from '../../core/platform/resources';
import { DynamoLoyaltyLedger } from '../../core/store/dynamo-loyalty-ledger';
import { LOCAL_PREFIX } from '../../scripts/local-platform/cloud';
import { startSagaCloud } from '../../scripts/local-platform/test-support/saga-cloud';
import type { SagaCloud } from '../../scripts/local-platform/test-support/saga-cloud';
import { CONSUMER } from './loyalty-points';

jest.setTimeout(120_000);

const customerId = `loyal-${ulid()}`;
let saga: SagaCloud;
let ledger: DynamoLoyaltyLedger;
let eventBridge: EventBridgeClient;

beforeAll(async () => {
  saga = await startSagaCloud(customerId);
  ledger = new DynamoLoyaltyLedger(saga.documentClient, saga.tableName);
  eventBridge = new EventBridgeClient({
    endpoint: saga.cloud.edgeUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}, 120_000);

afterAll(async () => {
  eventBridge?.destroy();
  await saga?.stop();
});

const until = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 100));
  }
};

/** Invocations of the loyalty-points function so far (each takes one batch off its queue). */
const invocations = (): number =>
  saga.cloud.services.metrics.snapshot().functions.find((fn) => fn.function === saga.cloud.names(CONSUMER))
    ?.invocations ?? 0;

/** Messages in the queue `name` (waiting, in flight or delayed), from the control plane. */
const messagesIn = async (name: string): Promise<number> => {
  const { queues } = (await (await fetch(`${saga.cloud.edgeUrl}/_local/queues`)).json()) as {
    queues: { name: string; depth: number; inFlight: number; delayed: number }[];
  };
  const queue = queues.find((candidate) => candidate.name === saga.cloud.names(name));
  if (queue === undefined) throw new Error(`no queue ${name}`);
  return queue.depth + queue.inFlight + queue.delayed;
};

/** The loyalty queue empty with nothing in flight. */
const drained = async (): Promise<boolean> => (await messagesIn(CONSUMER)) === 0;

describe('loyalty points on the local cloud', () => {
  let orderId: string;
  let windowStart: string;

  it('awards a confirmed order 1 point per whole euro, through the rule, queue and function as deployed', async () => {
    // prepare: 3 x 5.00 EUR
    windowStart = new Date(Date.now() - 1000).toISOString();
    const productId = await saga.product(10);
    // act
    orderId = await saga.placeOrder([{ productId, quantity: 3 }]);
    const { order } = await saga.settle(orderId);
    // assess
    expect(order.status).toBe('CONFIRMED');
    const account = await until('the points', async () => {
      const read = await ledger.account(customerId);
      return read.points > 0 ? read : undefined;
    });
    expect(account).toMatchObject({ points: 15, entries: [{ orderId, state: 'AWARDED', awardedPoints: 15 }] });
  });

  it('awards nothing twice when the archive is replayed to the loyalty rule', async () => {
    // prepare
    await until('the loyalty queue drained', async () => ((await drained()) ? true : undefined));
    const before = invocations();
    const replays = new EventReplays(eventBridge, {
      busName: saga.cloud.names('orders'),
      resourcePrefix: LOCAL_PREFIX,
    });
    // act
    const started = await replays.start({
      from: windowStart,
      to: new Date().toISOString(),
      rule: consumerRuleName(CONSUMER),
    });
    await until('the replay completed', async () => {
      const replay = await replays.describe(started.name);
      return replay.state === 'COMPLETED' ? replay : undefined;
    });
    await until('the replayed confirmation handled', async () =>
      invocations() > before && (await drained()) ? true : undefined,
    );
    // assess
    expect(await ledger.account(customerId)).toMatchObject({ points: 15, entries: [{ orderId, points: 15 }] });
  });

  it('gives a declined order no points', async () => {
    // prepare
    const productId = await saga.product(10);
    const before = invocations();
    // act
    const declined = await saga.placeOrder([{ productId, quantity: 1 }], 'tok_chargeDeclined');
    const { order } = await saga.settle(declined);
    await until('order.failed handled', async () => (invocations() > before && (await drained()) ? true : undefined));
    // assess
    expect(order.status).toBe('FAILED');
    const account = await ledger.account(customerId);
    expect(account.points).toBe(15);
    expect(account.entries.map((entry) => entry.orderId)).toEqual([orderId]);
    // handled, not given up on: its role let it write (and refuse) as it does in AWS
    expect(await messagesIn(deadLetterQueueName(CONSUMER))).toBe(0);
  });
});
