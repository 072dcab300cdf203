/**
 * The outbox relay's handler against DynamoDB Local (issue 20 item 7): what a failed direct publish left is published
 * once; runs never overlap (a lease); one record's failure does not stop the others; a run drains past 100 records;
 * a record EventBridge keeps refusing is parked after the attempt cap and counted for the alarm.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ulid } from 'ulid';
import { money } from '../../core/domain/money';
import type { PlatformEvent } from '../../core/events/order-events';
import { OrderService } from '../../core/orders/order-service';
import { EventPublishFailedError } from '../../core/orders/ports';
import type { EventPublisher, OrderOutbox, OutboxRecord } from '../../core/orders/ports';
import { RELAY_METRICS } from '../../core/platform/resources';
import { DynamoOutbox } from '../../core/store/dynamo-outbox';
import { createDynamoStores } from '../../core/store/dynamo-stores';
import type { DynamoStores } from '../../core/store/dynamo-stores';
import { FakePublisher } from '../../core/test-support/fake-publisher';
import { startLocalTable } from '../../scripts/local-platform/local-table';
import type { LocalTable } from '../../scripts/local-platform/local-table';
import { createRelayHandler } from './outbox-relay';
import type { RelayDeps } from './outbox-relay';

const logger = new Logger({ logLevel: 'SILENT' });
const eventIdOf = (event: PlatformEvent<object>) => (event.detail as { eventId: string }).eventId;

/** Refuses, entry by entry, the events whose id is in `refused`; records the rest. */
class RefusingPublisher implements EventPublisher {
  readonly published: PlatformEvent<object>[] = [];
  constructor(readonly refused: ReadonlySet<string>) {}
  async publish(events: readonly PlatformEvent<object>[]): Promise<void> {
    const failed = events.flatMap((event, index) => (this.refused.has(eventIdOf(event)) ? [index] : []));
    this.published.push(...events.filter((event) => !this.refused.has(eventIdOf(event))));
    if (failed.length > 0) throw new EventPublishFailedError('MalformedDetail (test)', failed);
  }
}

/** Publishes after a pause, so two runs started together overlap for real. */
class SlowPublisher extends FakePublisher {
  override async publish(events: readonly PlatformEvent<object>[]): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    await super.publish(events);
  }
}

describe('outbox-relay', () => {
  let local: LocalTable;
  let stores: DynamoStores;
  let outbox: DynamoOutbox;
  // Each test writes its records in its own minute, an hour before the previous test's: its relay (which reads
  // everything older than its clock) never sees what an earlier test left pending.
  let clock = Date.parse('2026-03-01T00:00:00Z');
  const window = () => {
    clock -= 3_600_000;
    const base = clock;
    return { at: (n: number) => new Date(base + n).toISOString(), now: () => new Date(base + 60_000) };
  };
  const pendingRecords = (at: (n: number) => string, count: number): OutboxRecord[] =>
    Array.from({ length: count }, (_, n) => {
      const orderId = ulid();
      const eventId = ulid();
      return {
        orderId,
        eventId,
        event: { source: 'orders.platform', detailType: 'order.created', detail: { eventId, orderId } },
        status: 'PENDING',
        createdAt: at(n),
      };
    });
  const relay = (deps: Partial<RelayDeps> & Pick<RelayDeps, 'publisher' | 'now'>) =>
    createRelayHandler({ outbox, lease: outbox, logger, minAgeMs: 0, ...deps });
  const saveInChunks = async (records: readonly OutboxRecord[]) => {
    for (let start = 0; start < records.length; start += 25)
      await outbox.saveUnpublished(records.slice(start, start + 25));
  };
  const pendingIn = async (at: (n: number) => string) =>
    (await outbox.listPendingOutbox(at(59_999), 1000)).filter((record) => record.createdAt >= at(0));

  beforeAll(async () => {
    // DynamoDB Local takes well over 30 s to start on a loaded shared runner.
    local = await startLocalTable({ readyTimeoutMs: 110_000 });
    stores = createDynamoStores(local.documentClient, local.tableName);
    outbox = new DynamoOutbox(local.documentClient, local.tableName);
    await stores.products.putProduct({
      productId: 'mug',
      name: 'Mug',
      price: money(1250, 'EUR'),
      stock: 5,
      updatedAt: '2026-01-01T00:00:00Z',
    });
  }, 120_000);
  afterAll(async () => {
    await local.stop();
  });

  it('publishes once what the direct publish could not, and leaves nothing pending', async () => {
    // prepare
    const down = new FakePublisher();
    down.failing = true;
    const api = new OrderService({ ...stores, publisher: down, log: logger, newId: ulid });
    const orders = await Promise.all(
      [1, 2, 3].map((n) =>
        api.createOrder('zoe', `key-${ulid()}`, { items: [{ productId: 'mug', quantity: n }], paymentToken: 't' }),
      ),
    );
    await api.settled();
    const up = new FakePublisher();
    const handler = relay({ publisher: up, now: () => new Date(Date.now() + 1000) });
    // act
    const first = await handler();
    const second = await handler();
    // assess
    const mine = up.published.filter((event) =>
      orders.some((result) => result.order.orderId === (event.detail as { orderId: string }).orderId),
    );
    expect(mine.map((event) => (event.detail as { orderId: string }).orderId).sort()).toEqual(
      orders.map((result) => result.order.orderId).sort(),
    );
    expect(first).toMatchObject({ failed: 0, drained: true });
    expect(second).toMatchObject({ published: 0, drained: true });
  });

  it('keeps records pending while the bus is down, and counts no attempt against them', async () => {
    // prepare
    const { at, now } = window();
    await outbox.saveUnpublished(pendingRecords(at, 3));
    const down = new FakePublisher();
    down.failing = true;
    // act
    const result = await relay({ publisher: down, now, maxAttempts: 1 })();
    // assess
    const pending = await pendingIn(at);
    expect(result).toMatchObject({ published: 0, parked: 0, drained: false });
    expect(pending).toHaveLength(3);
    expect(pending.map((record) => record.attempts ?? 0)).toEqual([0, 0, 0]);
  });

  it('runs once at a time: a run finds the lease taken and publishes nothing', async () => {
    // prepare
    const { at, now } = window();
    await outbox.saveUnpublished(pendingRecords(at, 2));
    const held = await outbox.acquire('another-run', now().getTime() + 60_000, now().getTime());
    const publisher = new FakePublisher();
    // act
    const result = await relay({ publisher, now })();
    await outbox.release('another-run');
    // assess
    expect(held).toBe(true);
    expect(result).toEqual({ skipped: true });
    expect(publisher.published).toHaveLength(0);
    expect(await pendingIn(at)).toHaveLength(2);
  });

  it('takes over the lease of a run that died, when the start-up pass asks it to, and publishes', async () => {
    // prepare: a run killed mid-way left its lease for another 60 s
    const { at, now } = window();
    await outbox.saveUnpublished(pendingRecords(at, 2));
    await outbox.acquire('killed-run', now().getTime() + 60_000, now().getTime());
    const publisher = new FakePublisher();
    // act
    const scheduled = await relay({ publisher, now })({});
    const atStartUp = await relay({ publisher, now })({ takeOverLease: true });
    // assess
    expect([scheduled, atStartUp, publisher.published.length]).toEqual([
      { skipped: true },
      expect.objectContaining({ published: 2, failed: 0 }),
      2,
    ]);
    expect(await pendingIn(at)).toHaveLength(0);
  });

  it('publishes every record exactly once when two runs start together', async () => {
    // prepare
    const { at, now } = window();
    const records = pendingRecords(at, 30);
    await outbox.saveUnpublished(records);
    const publisher = new SlowPublisher();
    // act
    await Promise.all([relay({ publisher, now, pageSize: 10 })(), relay({ publisher, now, pageSize: 10 })()]);
    // assess
    const ids = publisher.published.map(eventIdOf);
    expect(ids.length).toBe(new Set(ids).size);
    expect(new Set(ids)).toEqual(new Set(records.map((record) => record.eventId)));
  });

  it('goes on with the other records when marking one sent fails', async () => {
    // prepare
    const { at, now } = window();
    const records = pendingRecords(at, 5);
    await outbox.saveUnpublished(records);
    const unlucky = records[1].eventId;
    const flaky: OrderOutbox = {
      listPendingOutbox: (...args) => outbox.listPendingOutbox(...args),
      saveUnpublished: (...args) => outbox.saveUnpublished(...args),
      recordPublishFailure: (...args) => outbox.recordPublishFailure(...args),
      markOutboxSent: async (orderId, eventId, sentAt) => {
        if (eventId === unlucky) throw new Error('ProvisionedThroughputExceededException (test)');
        await outbox.markOutboxSent(orderId, eventId, sentAt);
      },
    };
    const publisher = new FakePublisher();
    // act
    const result = await relay({ publisher, now, outbox: flaky })();
    // assess
    expect(result).toMatchObject({ published: 5, unmarked: 1 });
    expect((await pendingIn(at)).map((record) => record.eventId)).toEqual([unlucky]);
  });

  it('goes on with the other records when EventBridge refuses one entry', async () => {
    // prepare
    const { at, now } = window();
    const records = pendingRecords(at, 5);
    await outbox.saveUnpublished(records);
    const publisher = new RefusingPublisher(new Set([records[0].eventId]));
    // act
    const result = await relay({ publisher, now })();
    // assess
    expect(publisher.published.map(eventIdOf)).toEqual(records.slice(1).map((record) => record.eventId));
    expect(result).toMatchObject({ published: 4, failed: 1 });
    expect(await pendingIn(at)).toMatchObject([{ eventId: records[0].eventId, attempts: 1 }]);
  });

  it('drains a backlog larger than one page in one run', async () => {
    // prepare
    const { at, now } = window();
    const records = pendingRecords(at, 110);
    await saveInChunks(records);
    const publisher = new FakePublisher();
    // act
    const result = await relay({ publisher, now })();
    // assess
    expect(result).toMatchObject({ published: 110, drained: true });
    expect(await pendingIn(at)).toHaveLength(0);
  });

  it('parks a record refused on every attempt, after the cap, and stops trying it', async () => {
    // prepare
    const { at, now } = window();
    const [poison] = pendingRecords(at, 1);
    await outbox.saveUnpublished([poison]);
    const publisher = new RefusingPublisher(new Set([poison.eventId]));
    const handler = relay({ publisher, now, maxAttempts: 3 });
    // act
    const runs = [await handler(), await handler(), await handler(), await handler()];
    // assess
    expect(runs.map((run) => ('parked' in run ? run.parked : undefined))).toEqual([0, 0, 1, 0]);
    expect(runs.map((run) => ('failed' in run ? run.failed : undefined))).toEqual([1, 1, 1, 0]);
    expect(await pendingIn(at)).toHaveLength(0);
  });

  it('does not let 101 poison records stop the records behind them', async () => {
    // prepare
    const { at, now } = window();
    const poison = pendingRecords(at, 101);
    const [good] = pendingRecords((n) => at(n + 1000), 1);
    await saveInChunks([...poison, good]);
    const publisher = new RefusingPublisher(new Set(poison.map((record) => record.eventId)));
    // act
    await relay({ publisher, now })();
    // assess
    expect(publisher.published.map(eventIdOf)).toEqual([good.eventId]);
  });

  it('logs the parked count as the metric the alarm watches', async () => {
    // prepare
    const { at, now } = window();
    const [poison] = pendingRecords(at, 1);
    await outbox.saveUnpublished([poison]);
    const spied = new Logger({ logLevel: 'SILENT' });
    const info = jest.spyOn(spied, 'info');
    // act
    await relay({ publisher: new RefusingPublisher(new Set([poison.eventId])), now, maxAttempts: 1, logger: spied })();
    // assess
    const metric = info.mock.calls.find(([message]) => message === 'outbox records parked')?.[1] as
      | Record<string, unknown>
      | undefined;
    expect(metric).toMatchObject({
      [RELAY_METRICS.parked]: 1,
      _aws: { CloudWatchMetrics: [{ Namespace: RELAY_METRICS.namespace, Metrics: [{ Name: RELAY_METRICS.parked }] }] },
    });
  });
});
