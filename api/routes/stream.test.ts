import type { Order } from '../../core/domain/order';
import type { EventRecord } from '../../core/events/ports';
import type { Caller } from '../types';
import { mayReceiveEvent, OrderFeed, sseFrame } from './stream';
import type { FeedSubscriber } from './stream';

/** Our own port, faked: the events log with `eventsAfter` as DynamoDB answers it (newest first, time > after). */
class FakeEventsLog {
  records: EventRecord[] = [];
  reads = 0;
  async eventsAfter(afterTime: string, limit: number): Promise<EventRecord[]> {
    this.reads += 1;
    return this.records
      .filter((record) => record.time > afterTime)
      .sort((a, b) => b.time.localeCompare(a.time))
      .slice(0, limit);
  }
}

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

const record = (
  eventId: string,
  offsetMs: number,
  customerId: string,
  orderId = `order-${customerId}`,
): EventRecord => ({
  eventId,
  source: 'orders',
  detailType: 'order.created',
  time: iso(offsetMs),
  detail: { orderId, customerId },
  receivedAt: iso(offsetMs),
});

const order = (orderId: string, customerId: string): Order => ({
  orderId,
  customerId,
  lines: [],
  total: { amount: 1, currency: 'USD' },
  status: 'PENDING',
  timeline: [{ status: 'PENDING', at: iso(0) }],
  paymentToken: 'tok_visa',
  createdAt: iso(0),
  updatedAt: iso(0),
});

const subscriber = (caller: Caller, buffered = () => 0): FeedSubscriber & { frames: string[]; closed: boolean } => {
  const frames: string[] = [];
  const self = {
    caller,
    frames,
    closed: false,
    send: (frame: string) => frames.push(frame),
    bufferedBytes: buffered,
    close: () => (self.closed = true),
  };
  return self;
};

describe('OrderFeed', () => {
  let clock: number;
  let log: FakeEventsLog;
  let feed: OrderFeed;
  const logger = { warn: jest.fn(), error: jest.fn() };

  beforeEach(() => {
    clock = T0;
    log = new FakeEventsLog();
    feed = new OrderFeed({
      queries: log,
      store: { getOrder: async (orderId: string) => order(orderId, orderId.replace('order-', '')) },
      logger,
      pollMs: 3_600_000,
      heartbeatMs: 15_000,
      lookbackMs: 30_000,
      now: () => clock,
    });
  });
  afterEach(() => feed.close());

  it('sends each event once, also one recorded late with a time before the previous read', async () => {
    const admin = subscriber({ customerId: 'root', isAdmin: true });
    feed.subscribe(admin);
    log.records.push(record('e1', 1000, 'alice'));
    clock = T0 + 2000;
    await feed.tick();
    log.records.push(record('e0-late', 500, 'alice'));
    clock = T0 + 3000;

    await feed.tick();
    await feed.tick();

    const events = admin.frames.filter((frame) => frame.startsWith('event: event'));
    expect(events).toEqual([
      sseFrame('event', record('e1', 1000, 'alice')),
      sseFrame('event', record('e0-late', 500, 'alice')),
    ]);
  });

  it('sends nothing from before it started', async () => {
    log.records.push(record('old', -10_000, 'alice'));
    const admin = subscriber({ customerId: 'root', isAdmin: true });
    feed.subscribe(admin);

    await feed.tick();

    expect(admin.frames).toEqual([]);
  });

  it("gives a customer only their own events and orders, the admin everyone's", async () => {
    const alice = subscriber({ customerId: 'alice', isAdmin: false });
    const bob = subscriber({ customerId: 'bob', isAdmin: false });
    const admin = subscriber({ customerId: 'root', isAdmin: true });
    for (const each of [alice, bob, admin]) feed.subscribe(each);
    log.records.push(record('e1', 1000, 'alice'));
    clock = T0 + 1500;

    await feed.tick();

    expect(alice.frames.map((frame) => frame.split('\n')[0])).toEqual(['event: event', 'event: order']);
    expect(alice.frames[1]).toContain('"orderId":"order-alice"');
    expect(alice.frames[1]).not.toContain('paymentToken');
    expect(bob.frames).toEqual([]);
    expect(admin.frames).toHaveLength(2);
    expect(mayReceiveEvent({ customerId: 'bob', isAdmin: false }, record('x', 0, 'alice'))).toBe(false);
  });

  it('sends a heartbeat comment once per heartbeat interval', async () => {
    const alice = subscriber({ customerId: 'alice', isAdmin: false });
    feed.subscribe(alice);

    clock = T0 + 14_999;
    await feed.tick();
    clock = T0 + 15_000;
    await feed.tick();
    clock = T0 + 16_000;
    await feed.tick();

    expect(alice.frames).toEqual([`: heartbeat ${iso(15_000)}\n\n`]);
  });

  it('runs its interval only while someone listens and reads nothing without subscribers', async () => {
    const alice = subscriber({ customerId: 'alice', isAdmin: false });
    expect(feed.running).toBe(false);

    const unsubscribe = feed.subscribe(alice);
    expect(feed.running).toBe(true);
    unsubscribe();
    unsubscribe();
    await feed.tick();

    expect(feed.running).toBe(false);
    expect(feed.subscriberCount).toBe(0);
    expect(log.reads).toBe(0);
  });

  it('drops a subscriber that stopped reading, and keeps serving the others', async () => {
    const stalled = subscriber({ customerId: 'root', isAdmin: true }, () => 2 * 1024 * 1024);
    const reading = subscriber({ customerId: 'root', isAdmin: true });
    feed.subscribe(stalled);
    feed.subscribe(reading);
    log.records.push(record('e1', 1000, 'alice'));
    clock = T0 + 1500;

    await feed.tick();

    expect(stalled.closed).toBe(true);
    expect(stalled.frames).toEqual([]);
    expect(reading.frames).toHaveLength(2);
    expect(feed.subscriberCount).toBe(1);
  });

  it('keeps running when a read fails, and logs it', async () => {
    const admin = subscriber({ customerId: 'root', isAdmin: true });
    feed.subscribe(admin);
    const failing = jest.spyOn(log, 'eventsAfter').mockRejectedValueOnce(new Error('throttled'));

    await feed.tick();
    log.records.push(record('e1', 1000, 'alice'));
    clock = T0 + 1500;
    await feed.tick();

    expect(failing).toHaveBeenCalledTimes(2);
    expect(logger.error).toHaveBeenCalled();
    expect(admin.frames).toHaveLength(2);
  });
});
