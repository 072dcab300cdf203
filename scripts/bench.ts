/**
 * `npm run bench`: POST /api/orders under load (autocannon) against the local stack, and, in the same run, the raw
 * rate of DynamoDB Local for the same writes (the create transaction plus marking the outbox record sent) as the
 * ceiling. Prints both and their ratio. A benchmark, not a test.
 *
 * BENCH_SECONDS (default 8) and BENCH_CONNECTIONS (default 16) tune it. The API runs in its own process (as in
 * production) with LOG_LEVEL=WARN so the per-request access log does not dominate; the stand-in event bus only
 * accepts events.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { money } from '../core/domain/money';
import { newOrder } from '../core/domain/order';
import { orderEvent } from '../core/events/order-events';
import { DynamoOrderStore } from '../core/store/dynamo-order-store';
import { startEventBusStub } from '../api/dev/event-bus-stub';
import { startTestCognito } from '../local/cognito/test-tokens';
import { demoCatalog } from '../local/dynamodb/demo-catalog';
import { freePort } from '../local/dynamodb/dynamodb-local';
import { startLocalTable } from '../local/dynamodb/test-harness';

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  '2xx': number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no types; this is the one call we make.
const autocannon = require('autocannon') as Autocannon;

const say = (line: string) => process.stdout.write(`${line}\n`);
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const body = JSON.stringify({ items: [{ productId: 'mug', quantity: 2 }, { productId: 'espresso-beans', quantity: 1 }], paymentToken: 'tok_bench' });

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

const waitForHealth = async (url: string) => {
  for (let attempt = 0; attempt < 150; attempt += 1) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      await new Promise((resolveWait) => setTimeout(resolveWait, 200));
    }
  }
  throw new Error(`the API at ${url} did not become healthy`);
};

const main = async () => {
  const local = await startLocalTable();
  const bus = await startEventBusStub();
  const identity = await startTestCognito();
  const token = await identity.tokenFor('bench');
  const store = new DynamoOrderStore(local.documentClient, local.tableName);
  for (const product of demoCatalog(new Date().toISOString())) await store.putProduct(product);
  const port = await freePort();
  const api = spawn(process.execPath, [join(__dirname, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(__dirname, '..', 'api', 'server.ts')], {
    env: {
      ...process.env,
      PORT: String(port),
      TABLE_NAME: local.tableName,
      EVENT_BUS_NAME: 'local-orders',
      LOG_LEVEL: 'WARN',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: local.dynamo.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: identity.endpoint,
      USER_POOL_ID: identity.userPoolId,
      USER_POOL_CLIENT_ID: identity.userPoolClientId,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url);
    say(`bench: ${seconds} s, ${connections} connections, DynamoDB Local ${local.dynamo.endpoint}, API ${url} (pid ${api.pid})`);

    await autocannon({ url: `${url}/api/products`, connections: 4, duration: 1, headers: { authorization: `Bearer ${token}` } });
    const http = await autocannon({
      url,
      connections,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/api/orders',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body,
          setupRequest: (request: { headers: Record<string, string> }) => ({ ...request, headers: { ...request.headers, 'idempotency-key': ulid() } }),
        },
      ],
    });

    const latencies: number[] = [];
    const deadline = Date.now() + seconds * 1000;
    const at = new Date().toISOString();
    const worker = async () => {
      while (Date.now() < deadline) {
        const started = performance.now();
        const order = newOrder({ orderId: ulid(), customerId: 'raw', lines: [], total: money(3740, 'EUR'), paymentToken: 'tok', at });
        const eventId = ulid();
        await store.createOrder(
          order,
          { customerId: 'raw', key: ulid(), requestHash: 'h', orderId: order.orderId, createdAt: at, expiresAt: Math.floor(Date.now() / 1000) + 3600 },
          { orderId: order.orderId, eventId, event: orderEvent(order, eventId, at), status: 'PENDING', createdAt: at },
        );
        await store.markOutboxSent(order.orderId, eventId, at);
        latencies.push(performance.now() - started);
      }
    };
    const rawStarted = performance.now();
    await Promise.all(Array.from({ length: connections }, worker));
    const rawRate = latencies.length / ((performance.now() - rawStarted) / 1000);
    latencies.sort((a, b) => a - b);

    const apiRate = http.requests.average;
    say('');
    say(`POST /api/orders          ${apiRate.toFixed(0)} req/s   p50 ${http.latency.p50} ms   p99 ${http.latency.p99} ms   (2xx ${http['2xx']}, non-2xx ${http.non2xx}, errors ${http.errors})`);
    say(`DynamoDB Local, same writes ${rawRate.toFixed(0)} orders/s   p50 ${percentile(latencies, 50).toFixed(1)} ms   p99 ${percentile(latencies, 99).toFixed(1)} ms   (TransactWriteItems x3 + UpdateItem, ${latencies.length} orders)`);
    say(`API / ceiling             ${((apiRate / rawRate) * 100).toFixed(0)} %`);
  } finally {
    api.kill('SIGTERM');
    await bus.stop();
    await identity.stop();
    await local.stop();
  }
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
