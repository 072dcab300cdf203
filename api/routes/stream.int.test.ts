/**
 * GET /api/stream against DynamoDB Local through the API harness: a real HTTP client reads the server-sent events
 * while orders are placed and change through the real publish -> events log path.
 */
import { ulid } from 'ulid';
import { orderEvent } from '../../core/events/order-events';
import { startApiHarness } from '../test-support/api-harness';
import type { ApiHarness } from '../test-support/api-harness';

jest.setTimeout(60_000);

interface Frame {
  readonly event: string;
  /** The fields of the frame's JSON this test reads: an order, or an event record with the order in its detail. */
  readonly data: {
    orderId?: string;
    status?: string;
    paymentToken?: string;
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

  async waitFor(what: string, predicate: (frame: Frame) => boolean, timeoutMs = 15_000): Promise<Frame> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(predicate);
      if (found !== undefined) return found;
      if (Date.now() > until)
        throw new Error(
          `timed out waiting for ${what}; got ${JSON.stringify(this.frames.map((frame) => frame.event))}`,
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

describe('GET /api/stream', () => {
  let api: ApiHarness;
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

  const placeOrder = async (username: string): Promise<{ orderId: string; customerId: string; status: string }> => {
    const response = await fetch(`${api.url}/api/orders`, {
      method: 'POST',
      headers: { ...(await api.authHeader(username)), 'content-type': 'application/json', 'idempotency-key': ulid() },
      body: JSON.stringify({ items: [{ productId: 'espresso-beans', quantity: 1 }], paymentToken: 'tok_visa' }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { orderId: string; customerId: string; status: string };
  };

  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.close()));
    await waitUntil('the feed to lose its subscribers', () => api.dashboard.feed.subscriberCount === 0);
  });
  afterAll(async () => {
    await api.stop();
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

  it("pushes the caller's new order and its event, never to another customer; the admin gets both", async () => {
    const alice = await stream('alice');
    const bob = await stream('bob');
    const admin = await stream('admin');

    const placed = await placeOrder('alice');

    const order = await alice.waitFor(
      'alice: her order',
      (frame) => frame.event === 'order' && frame.data.orderId === placed.orderId,
    );
    const event = await alice.waitFor(
      'alice: her event',
      (frame) => frame.event === 'event' && frame.data.detail?.orderId === placed.orderId,
    );
    await admin.waitFor(
      'admin: the order',
      (frame) => frame.event === 'order' && frame.data.orderId === placed.orderId,
    );
    await admin.waitFor(
      'admin: the event',
      (frame) => frame.event === 'event' && frame.data.detail?.orderId === placed.orderId,
    );
    // A positive marker instead of a sleep: bob's own order and its event come through the same feed after alice's,
    // so once bob has them, anything of alice's that was going to reach him has reached him.
    const bobsOrder = await placeOrder('bob');
    await bob.waitFor(
      'bob: his own order',
      (frame) => frame.event === 'order' && frame.data.orderId === bobsOrder.orderId,
    );
    await bob.waitFor(
      'bob: his own event',
      (frame) => frame.event === 'event' && frame.data.detail?.orderId === bobsOrder.orderId,
    );
    expect(order.data).toMatchObject({
      orderId: placed.orderId,
      customerId: placed.customerId,
      status: 'PENDING',
      timeline: [expect.objectContaining({ status: 'PENDING' })],
    });
    expect(order.data.paymentToken).toBeUndefined();
    expect(event.data).toMatchObject({
      eventId: expect.any(String),
      source: expect.any(String),
      detailType: 'order.created',
      time: expect.any(String),
      receivedAt: expect.any(String),
    });
    expect(bob.frames.filter((frame) => JSON.stringify(frame.data).includes(placed.orderId))).toEqual([]);
    expect(
      alice.frames.filter((frame) => frame.event === 'event' && frame.data.detail?.orderId === placed.orderId),
    ).toHaveLength(1);
  });

  it('pushes the order again when its status changes, to a stream opened the EventSource way (?access_token=)', async () => {
    const placed = await placeOrder('carol');
    const carol = await stream('carol', 'query');
    await waitUntil('carol subscribed', () => api.dashboard.feed.subscriberCount === 1);
    const at = new Date().toISOString();

    const changed = await api.stores.orders.transitionOrder({ orderId: placed.orderId, to: 'VALIDATED', at });
    await api.publisher.publish([orderEvent(changed, ulid(), at)]);

    const frame = await carol.waitFor(
      'carol: VALIDATED',
      (candidate) =>
        candidate.event === 'order' &&
        candidate.data.orderId === placed.orderId &&
        candidate.data.status === 'VALIDATED',
    );
    expect(carol.status).toBe(200);
    expect(frame.data.timeline?.map((entry) => entry.status)).toEqual(['PENDING', 'VALIDATED']);
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
