/**
 * The load generator of `npm run bench`, in a process of its own so its CPU is neither the cloud's nor the API's
 * (scripts/bench.ts forks it and sends jobs over the IPC channel). Jobs:
 *
 *  - ceiling: replays one real request of the API (the TransactWriteItems of an order, captured at the edge) with
 *    fresh ids, through the same edge, signed with the API's own key, by `connections` workers in a closed loop;
 *  - closed: POST /api/orders by `connections` workers in a closed loop, each request a fresh Idempotency-Key;
 *  - open: POST /api/orders at `rate` per second on a fixed schedule whatever the answers (open loop; `rate` 0 sends
 *    `count` at once, a burst), then follows every created order to a terminal status by reading the table straight
 *    from DynamoDB Local (not through the edge, so the follow-up is not counted as the platform's calls, and not
 *    through the API, so it adds no API load): latency from the POST to the status change seen.
 *
 * Every second it reports progress; it answers each job with its samples.
 */
import { BatchGetItemCommand, DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { isOrderStatus, isTerminal } from '../core/domain/order-status';
import { keys } from '../core/store/keys';
import { openLoopArrivals } from './bench-support-model';

export interface CeilingJob {
  readonly kind: 'ceiling';
  readonly edgeUrl: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The captured request body (DynamoDB JSON); every ULID in it is replaced by a fresh one per call. */
  readonly template: string;
  readonly connections: number;
  readonly seconds: number;
}

export interface ClosedJob {
  readonly kind: 'closed';
  readonly apiUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly connections: number;
  readonly seconds: number;
}

export interface OpenJob {
  readonly kind: 'open';
  readonly apiUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Arrivals per second; 0 sends `count` at once. */
  readonly rate: number;
  readonly seconds: number;
  readonly count?: number;
  readonly table: { readonly endpoint: string; readonly region: string; readonly name: string };
  readonly pollMs: number;
  readonly orderTimeoutMs: number;
}

export type LoadJob = CeilingJob | ClosedJob | OpenJob;

export interface ClosedResult {
  readonly ok: number;
  readonly failed: Readonly<Record<string, number>>;
  readonly latencies: readonly number[];
  readonly elapsedMs: number;
}

export interface OrderSample {
  /** When it was sent, ms from the job's start. */
  readonly sentAt: number;
  readonly postMs: number;
  readonly postStatus: number;
  /** Terminal status, or `timeout` / `POST <status>`. */
  readonly outcome: string;
  /** POST -> terminal status seen, ms; undefined when it never got there. */
  readonly endToEndMs?: number;
}

export interface OpenResult {
  readonly samples: readonly OrderSample[];
  /** From the first POST to the last order settled. */
  readonly elapsedMs: number;
}

export type LoadMessage =
  | { readonly type: 'progress'; readonly text: string }
  | { readonly type: 'result'; readonly result: ClosedResult | OpenResult }
  | { readonly type: 'error'; readonly message: string };

const sleep = (ms: number) => new Promise<void>((wake) => setTimeout(wake, ms));
const ULID = /[0-9A-HJKMNP-TV-Z]{26}/g;

const progressEvery = (describe: () => string): (() => void) => {
  const timer = setInterval(() => process.send?.({ type: 'progress', text: describe() } satisfies LoadMessage), 1000);
  return () => clearInterval(timer);
};

const failure = (failed: Record<string, number>, what: string) => {
  failed[what] = (failed[what] ?? 0) + 1;
};

const runCeiling = async (job: CeilingJob): Promise<ClosedResult> => {
  const client = new DynamoDBClient({ endpoint: job.edgeUrl, region: job.region, credentials: job.credentials });
  const latencies: number[] = [];
  const failed: Record<string, number> = {};
  const deadline = performance.now() + job.seconds * 1000;
  const stop = progressEvery(() => `ceiling: ${latencies.length} transactions`);
  const started = performance.now();
  try {
    const worker = async () => {
      while (performance.now() < deadline) {
        const fresh = new Map<string, string>();
        const body = job.template.replace(ULID, (id) => {
          const replacement = fresh.get(id) ?? ulid();
          fresh.set(id, replacement);
          return replacement;
        });
        const sent = performance.now();
        try {
          // The SDK's ClientRequestToken of the captured call is dropped: the client makes a fresh one per call.
          const { ClientRequestToken: _token, ...input } = JSON.parse(body) as Record<string, unknown>;
          await client.send(new TransactWriteItemsCommand(input as never));
          latencies.push(performance.now() - sent);
        } catch (error) {
          failure(failed, (error as Error).name);
        }
      }
    };
    await Promise.all(Array.from({ length: job.connections }, worker));
    return { ok: latencies.length, failed, latencies, elapsedMs: performance.now() - started };
  } finally {
    stop();
    client.destroy();
  }
};

const runClosed = async (job: ClosedJob): Promise<ClosedResult> => {
  const latencies: number[] = [];
  const failed: Record<string, number> = {};
  const deadline = performance.now() + job.seconds * 1000;
  const stop = progressEvery(() => `POST closed loop: ${latencies.length} created`);
  const started = performance.now();
  try {
    const worker = async () => {
      while (performance.now() < deadline) {
        const sent = performance.now();
        try {
          const answer = await fetch(`${job.apiUrl}/api/orders`, {
            method: 'POST',
            headers: { ...job.headers, 'idempotency-key': ulid() },
            body: job.body,
          });
          await answer.arrayBuffer();
          if (answer.status === 201) latencies.push(performance.now() - sent);
          else failure(failed, `POST ${answer.status}`);
        } catch (error) {
          failure(failed, (error as Error).name);
        }
      }
    };
    await Promise.all(Array.from({ length: job.connections }, worker));
    return { ok: latencies.length, failed, latencies, elapsedMs: performance.now() - started };
  } finally {
    stop();
  }
};

interface Following {
  readonly orderId: string;
  readonly sentAt: number;
  readonly postMs: number;
  readonly resolve: (sample: OrderSample) => void;
}

const runOpen = async (job: OpenJob): Promise<OpenResult> => {
  const table = new DynamoDBClient({
    endpoint: job.table.endpoint,
    region: job.table.region,
    credentials: { accessKeyId: 'benchfollower', secretAccessKey: 'test' },
  });
  const arrivals = job.rate > 0 ? openLoopArrivals(job.rate, job.seconds) : Array(job.count ?? 0).fill(0);
  const following = new Map<string, Following>();
  const samples: OrderSample[] = [];
  let sent = 0;
  const started = performance.now();
  const stop = progressEvery(
    () =>
      `${job.rate > 0 ? `open loop ${job.rate}/s` : 'burst'}: sent ${sent}/${arrivals.length}, settled ${samples.length}, in flight ${following.size}`,
  );
  let polling = true;
  // One reader for every order in flight: BatchGetItem of up to 100 orders every pollMs, consistent reads.
  const poller = (async () => {
    while (polling) {
      const batch = [...following.values()].slice(0, 100);
      if (batch.length > 0) {
        try {
          const read = await table.send(
            new BatchGetItemCommand({
              RequestItems: {
                [job.table.name]: {
                  Keys: batch.map((order) => {
                    const key = keys.order(order.orderId);
                    return { PK: { S: key.PK }, SK: { S: key.SK } };
                  }),
                  ProjectionExpression: 'orderId, #status',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ConsistentRead: true,
                },
              },
            }),
          );
          const seenAt = performance.now();
          for (const item of read.Responses?.[job.table.name] ?? []) {
            const orderId = item.orderId?.S;
            const status = item.status?.S;
            const order = orderId === undefined ? undefined : following.get(orderId);
            if (order === undefined || status === undefined || !(isOrderStatus(status) && isTerminal(status))) continue;
            following.delete(order.orderId);
            order.resolve({
              sentAt: order.sentAt,
              postMs: order.postMs,
              postStatus: 201,
              outcome: status,
              endToEndMs: seenAt - started - order.sentAt,
            });
          }
        } catch {
          // A failed read is retried on the next tick.
        }
        for (const order of following.values())
          if (performance.now() - started - order.sentAt > job.orderTimeoutMs) {
            following.delete(order.orderId);
            order.resolve({ sentAt: order.sentAt, postMs: order.postMs, postStatus: 201, outcome: 'timeout' });
          }
      }
      await sleep(job.pollMs);
    }
  })();
  const place = async (offset: number): Promise<OrderSample> => {
    const wait = started + offset - performance.now();
    if (wait > 0) await sleep(wait);
    const sentAt = performance.now() - started;
    sent += 1;
    try {
      const answer = await fetch(`${job.apiUrl}/api/orders`, {
        method: 'POST',
        headers: { ...job.headers, 'idempotency-key': ulid() },
        body: job.body,
      });
      const postMs = performance.now() - started - sentAt;
      if (answer.status !== 201) {
        await answer.arrayBuffer();
        return { sentAt, postMs, postStatus: answer.status, outcome: `POST ${answer.status}` };
      }
      const { orderId } = (await answer.json()) as { orderId: string };
      return await new Promise<OrderSample>((resolve) => following.set(orderId, { orderId, sentAt, postMs, resolve }));
    } catch (error) {
      return { sentAt, postMs: performance.now() - started - sentAt, postStatus: 0, outcome: (error as Error).name };
    }
  };
  try {
    const settled = await Promise.all(
      arrivals.map((offset) =>
        place(offset).then((sample) => {
          samples.push(sample);
          return sample;
        }),
      ),
    );
    return { samples: settled, elapsedMs: performance.now() - started };
  } finally {
    polling = false;
    await poller;
    stop();
    table.destroy();
  }
};

const run = (job: LoadJob): Promise<ClosedResult | OpenResult> => {
  if (job.kind === 'ceiling') return runCeiling(job);
  if (job.kind === 'closed') return runClosed(job);
  return runOpen(job);
};

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.({ type: 'result', result } satisfies LoadMessage),
    (error: unknown) =>
      process.send?.({ type: 'error', message: (error as Error).stack ?? String(error) } satisfies LoadMessage),
  );
});
process.on('disconnect', () => process.exit(0));
