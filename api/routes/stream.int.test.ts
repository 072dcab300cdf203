/**
 * GET /api/stream and GET /api/events over the whole local cloud (the cloud-backed API harness): what they show went
 * the real way — POST /api/orders -> PutEvents -> the all-events-to-log rule -> its SQS queue -> the record-event
 * function -> the events log — and the saga (order-created-starts-saga -> start-saga -> the ASL) moves the orders on.
 * A real HTTP client reads the server-sent events. One cloud for both routes: it takes about 15 s to start.
 */
import { ulid } from 'ulid';
import { ORDER_EVENT_SOURCE } from '../../core/events/order-events';
import { startCloudApiHarness } from '../test-support/api-harness';
import type { CloudApiHarness } from '../test-support/api-harness';

jest.setTimeout(90_000);

interface Frame {
  readonly event: string;
  /** The fields of the frame's JSON this test reads: an order, or an event record with the order in its detail. */
  readonly data: {
    orderId?: string;
    status?: string;
    paymentToken?: string;
    detailType?: string;
    detail?: { orderId?: string };
    timeline?: { status: string }[];
  };
}

/** A server-sent-events reader over fetch: collects frames (and comment lines) as they arrive. */
class SseClient {
  readonly frames: Frame[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  status = 0;
  contentType = '';
  private readonly abort = new AbortController();
  private buffer = '';
  private reading: Promise<void> = Promise.resolve();

  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const client = new SseClient();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: client.abort.signal,
    });
    client.status = response.status;
    client.contentType = response.headers.get('content-type') ?? '';
    if (response.body !== null && response.ok) client.reading = client.read(response.body);
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let end = this.buffer.indexOf('\n\n');
        while (end >= 0) {
          this.parse(this.buffer.slice(0, end));
          this.buffer = this.buffer.slice(end + 2);
          end = this.buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted by close().
    }
  }

  private parse(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('retry: ')) this.retry = Number(line.slice(7));
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) this.frames.push({ event, data: JSON.parse(data.join('\n')) });
  }

  async waitFor(what: string, predicate: (frame: Frame) => boolean, timeoutMs = 60_000): Promise<Frame> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(predicate);
      if (found !== undefined) return found;
      if (Date.now() > until)
        throw new Error(
          `timed out waiting for ${what}; got ${JSON.stringify(this.frames.map((frame) => [frame.event, frame.data.status ?? frame.data.detailType]))}`,
        );
      await new Promise((resolveSleep) => setTimeout(resolveSleep, 50));
    }
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.reading;
  }
}

const waitUntil = async (what: string, check: () => boolean, timeoutMs = 5000): Promise<void> => {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 20));
  }
};

let api: CloudApiHarness;
beforeAll(async () => {
  api = await startCloudApiHarness();
}, 120_000);
afterAll(async () => {
  await api?.stop();
});

const placeOrder = async (username: string): Promise<{ orderId: string; customerId: string; status: string }> => {
  const response = await fetch(`${api.url}/api/orders`, {
    method: 'POST',
    headers: { ...(await api.authHeader(username)), 'content-type': 'application/json', 'idempotency-key': ulid() },
    body: JSON.stringify({ items: [{ productId: 'espresso-beans', quantity: 1 }], paymentToken: 'tok_visa' }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { orderId: string; customerId: string; status: string };
};

const createdEvent = (orderId: string) => (frame: Frame) =>
  frame.event === 'event' && frame.data.detail?.orderId === orderId && frame.data.detailType === 'order.created';

describe('GET /api/stream', () => {
  const open: SseClient[] = [];

  const stream = async (username: string, via: 'header' | 'query' = 'header'): Promise<SseClient> => {
    const token = await api.tokenFor(username);
    const client =
      via === 'header'
        ? await SseClient.open(`${api.url}/api/stream`, { authorization: `Bearer ${token}` })
        : await SseClient.open(`${api.url}/api/stream?access_token=${token}`, {});
    open.push(client);
    return client;
  };

  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.close()));
    await waitUntil('the feed to lose its subscribers', () => api.dashboard.feed.subscriberCount === 0);
  });

  it('answers text/event-stream with a retry hint, and 401 without a token', async () => {
    const anonymous = await fetch(`${api.url}/api/stream`, { headers: { accept: 'text/event-stream' } });
    const client = await stream('alice');
    await waitUntil('the retry hint', () => client.retry !== undefined);

    expect(anonymous.status).toBe(401);
    expect(client.status).toBe(200);
    expect(client.contentType).toContain('text/event-stream');
    expect(client.retry).toBe(3000);
  });

  it("pushes the caller's new order and its recorded order.created, never to another customer; the admin gets both", async () => {
    const alice = await stream('alice');
    const bob = await stream('bob');
    const admin = await stream('admin');

    const placed = await placeOrder('alice');

    const order = await alice.waitFor(
      'alice: her order',
      (frame) => frame.event === 'order' && frame.data.orderId === placed.orderId,
    );
    const event = await alice.waitFor('alice: her order.created', createdEvent(placed.orderId));
    await admin.waitFor(
      'admin: the order',
      (frame) => frame.event === 'order' && frame.data.orderId === placed.orderId,
    );
    await admin.waitFor('admin: the order.created', createdEvent(placed.orderId));
    // A positive marker instead of a sleep: bob's own order and its event come through the same feed after alice's,
    // so once bob has them, anything of alice's that was going to reach him has reached him.
    const bobsOrder = await placeOrder('bob');
    await bob.waitFor(
      'bob: his own order',
      (frame) => frame.event === 'order' && frame.data.orderId === bobsOrder.orderId,
    );
    await bob.waitFor('bob: his own order.created', createdEvent(bobsOrder.orderId));
    // The saga runs: the first frame may already show a later status, but always the order's own history.
    expect(order.data).toMatchObject({ orderId: placed.orderId, customerId: placed.customerId });
    expect(order.data.timeline?.[0]).toMatchObject({ status: 'PENDING' });
    expect(order.data.paymentToken).toBeUndefined();
    expect(event.data).toMatchObject({
      eventId: expect.any(String),
      source: expect.any(String),
      detailType: 'order.created',
      time: expect.any(String),
      receivedAt: expect.any(String),
    });
    expect(bob.frames.filter((frame) => JSON.stringify(frame.data).includes(placed.orderId))).toEqual([]);
    expect(alice.frames.filter(createdEvent(placed.orderId))).toHaveLength(1);
  });

  it('pushes the order again when the saga moves it on, to a stream opened the EventSource way (?access_token=)', async () => {
    const carol = await stream('carol', 'query');
    await waitUntil('carol subscribed', () => api.dashboard.feed.subscriberCount === 1);

    const placed = await placeOrder('carol');

    const moved = await carol.waitFor(
      'carol: her order past PENDING',
      (candidate) =>
        candidate.event === 'order' && candidate.data.orderId === placed.orderId && candidate.data.status !== 'PENDING',
    );
    expect(carol.status).toBe(200);
    const statuses = moved.data.timeline?.map((entry) => entry.status) ?? [];
    expect(statuses.slice(0, 2)).toEqual(['PENDING', 'VALIDATED']);
    expect(statuses.at(-1)).toBe(moved.data.status);
  });

  it('removes a closed connection from the feed and stops polling once nobody listens', async () => {
    const first = await stream('alice');
    const second = await stream('bob');
    await waitUntil('two subscribers', () => api.dashboard.feed.subscriberCount === 2);
    expect(api.dashboard.feed.running).toBe(true);

    await first.close();
    await waitUntil('one subscriber', () => api.dashboard.feed.subscriberCount === 1);
    expect(api.dashboard.feed.running).toBe(true);

    await second.close();
    await waitUntil('no subscriber', () => api.dashboard.feed.subscriberCount === 0);
    expect(api.dashboard.feed.running).toBe(false);
  });
});

describe('GET /api/events', () => {
  interface EventPage {
    readonly items: { eventId: string; detailType: string; source: string; detail: { orderId?: string } }[];
  }
  /** The order's events as GET /api/events lists them (newest first), once `done` holds or the time is up. */
  const eventsOf = async (orderId: string, done: (types: string[]) => boolean): Promise<EventPage['items']> => {
    const until = Date.now() + 60_000;
    for (;;) {
      const page = (await (
        await fetch(`${api.url}/api/events?limit=100`, { headers: await api.authHeader('admin') })
      ).json()) as EventPage;
      const items = page.items.filter((item) => item.detail.orderId === orderId);
      if (done(items.map((item) => item.detailType)) || Date.now() > until) return items;
      await new Promise((resolveSleep) => setTimeout(resolveSleep, 100));
    }
  };

  it('lists order.created once, as the record-event function recorded it from the bus', async () => {
    // act
    const placed = await placeOrder('lena');
    const items = await eventsOf(placed.orderId, (types) => types.includes('order.created'));
    // assess
    const created = items.filter((item) => item.detailType === 'order.created');
    expect(created).toEqual([
      expect.objectContaining({
        source: ORDER_EVENT_SOURCE,
        detail: expect.objectContaining({ orderId: placed.orderId }),
      }),
    ]);
  });
});
