/**
 * `npm run bench`: one run, three phases, on the local cloud as `npm start` runs it (scripts/local-platform/cloud.ts: DynamoDB Local,
 * the EventBridge, SQS, Step Functions and Lambda emulations with the saga's handlers and ASL; the API in its own
 * process configured from `cloud.env`; a customer's ID token from the local Cognito):
 *
 *  1. ceiling: the raw rate of DynamoDB Local for the writes POST /api/orders makes (the TransactWriteItems of order,
 *     idempotency record and outbox record, then the UpdateItem marking the outbox record sent), straight to DynamoDB
 *     Local's own endpoint, into a table of its own, with BENCH_CONNECTIONS workers;
 *  2. API only: POST /api/orders under autocannon (BENCH_CONNECTIONS connections), the sagas of those orders running
 *     behind it; then the backlog of sagas drains;
 *  3. end to end: BENCH_CUSTOMERS customers, each in a closed loop POST -> poll GET /api/orders/:id until a terminal
 *     status: orders completed per second and p50/p99 from the POST to the terminal status.
 *
 * Each phase lasts BENCH_SECONDS (default 5). Rates count successes over the phase's measured wall time; p50/p99 are
 * nearest-rank percentiles of the measured latencies (phase 2: autocannon's histogram of every response). A benchmark,
 * not a test: it is not part of `npm test`. Retry waits are real (timeScale 1); no faults are injected.
 */
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { money } from '../core/domain/money';
import { newOrder, priceOrder } from '../core/domain/order';
import { isOrderStatus, isTerminal } from '../core/domain/order-status';
import type { Product } from '../core/domain/product';
import type { CreateOrderRequest } from '../core/domain/schemas';
import { orderEvent } from '../core/events/order-events';
import { requestHash } from '../core/orders/order-service';
import { tables } from '../core/platform/resources';
import { createDynamoStores } from '../core/store/dynamo-stores';
import { startLocalCloud, type RunningLocalCloud } from './local-platform/cloud';
import { createTable, freePort } from '@order-platform/local-cloud/dynamodb';
import { byName, PLATFORM } from './local-platform/description';
import {
  formatNumber,
  formatTable,
  positiveIntegerSetting,
  runAutocannon,
  startApiProcess,
  summarize,
  type ApiProcess,
  type LatencySummary,
} from './bench-support';

const say = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise<void>((wake) => setTimeout(wake, ms));
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const sdkCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

interface BenchSettings {
  readonly seconds: number;
  readonly connections: number;
  readonly customers: number;
  readonly pollMs: number;
}

const readSettings = (environment: NodeJS.ProcessEnv): BenchSettings => ({
  seconds: positiveIntegerSetting(environment, 'BENCH_SECONDS', 5),
  connections: positiveIntegerSetting(environment, 'BENCH_CONNECTIONS', 16),
  customers: positiveIntegerSetting(environment, 'BENCH_CUSTOMERS', 8),
  pollMs: positiveIntegerSetting(environment, 'BENCH_POLL_MS', 50),
});
/** An order that never reaches a terminal status within this is counted as timed out, not as a sample. */
const ORDER_TIMEOUT_MS = 60_000;

const productId = `bench-${ulid()}`.toLowerCase();
const product = { name: 'Bench mug', price: 990, currency: 'EUR', stock: 1_000_000 };
const orderRequest: CreateOrderRequest = { items: [{ productId, quantity: 1 }], paymentToken: 'tok_visa' };

interface PhaseResult {
  readonly name: string;
  readonly unit: string;
  readonly rate: number;
  readonly latency: LatencySummary;
  readonly counts: string;
}

/** Phase 1: the API's writes for one order, straight to DynamoDB Local, by `connections` workers for `seconds`. */
const measureCeiling = async (
  settings: BenchSettings,
  cloud: RunningLocalCloud,
  customerId: string,
): Promise<PhaseResult> => {
  const client = new DynamoDBClient({
    endpoint: cloud.services.dynamoDbEndpoint,
    region: cloud.env.AWS_REGION,
    credentials: sdkCredentials,
  });
  try {
    const tableName = `bench-ceiling-${ulid()}`.toLowerCase();
    await createTable(client, byName(tables, PLATFORM.table, 'table'), tableName);
    const stores = createDynamoStores(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      tableName,
    );
    const catalog = new Map<string, Product>([
      [
        productId,
        {
          productId,
          name: product.name,
          price: money(product.price, product.currency),
          stock: product.stock,
          updatedAt: new Date().toISOString(),
        },
      ],
    ]);
    const hash = requestHash(orderRequest);
    const latencies: number[] = [];
    const deadline = Date.now() + settings.seconds * 1000;
    const worker = async () => {
      while (Date.now() < deadline) {
        const started = performance.now();
        const at = new Date();
        const createdAt = at.toISOString();
        const { lines, total } = priceOrder(orderRequest, catalog);
        const order = newOrder({
          orderId: ulid(),
          customerId,
          lines,
          total,
          paymentToken: orderRequest.paymentToken,
          at: createdAt,
        });
        const eventId = ulid();
        await stores.orders.createOrder(
          order,
          {
            customerId,
            key: ulid(),
            requestHash: hash,
            orderId: order.orderId,
            createdAt,
            expiresAt: Math.floor(at.getTime() / 1000) + 86_400,
          },
          {
            orderId: order.orderId,
            eventId,
            event: orderEvent(order, eventId, createdAt),
            status: 'PENDING',
            createdAt,
          },
        );
        await stores.outbox.markOutboxSent(order.orderId, eventId, new Date().toISOString());
        latencies.push(performance.now() - started);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: settings.connections }, worker));
    const elapsedSeconds = (performance.now() - started) / 1000;
    return {
      name: '1 ceiling: DynamoDB Local, same writes',
      unit: 'orders/s',
      rate: latencies.length / elapsedSeconds,
      latency: summarize(latencies),
      counts: `${latencies.length} orders (TransactWriteItems x3 + UpdateItem), ${settings.connections} workers`,
    };
  } finally {
    client.destroy();
  }
};

/** Phase 2: POST /api/orders under autocannon; every request a fresh Idempotency-Key, so every one creates an order. */
const measureApi = async (
  settings: BenchSettings,
  api: ApiProcess,
  headers: Record<string, string>,
): Promise<PhaseResult> => {
  const result = await runAutocannon({
    url: api.url,
    connections: settings.connections,
    seconds: settings.seconds,
    request: { method: 'POST', path: '/api/orders', headers, body: JSON.stringify(orderRequest) },
    perRequestHeaders: () => ({ 'idempotency-key': ulid() }),
  });
  const elapsedSeconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  return {
    name: '2 API only: POST /api/orders',
    unit: 'req/s',
    rate: result['2xx'] / elapsedSeconds,
    latency: {
      count: result.requests.total,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    counts: `2xx ${result['2xx']}, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}; ${settings.connections} connections`,
  };
};

/** Phase 3: customers in a closed loop, POST then poll until the order is terminal. */
const measureEndToEnd = async (
  settings: BenchSettings,
  api: ApiProcess,
  headers: Record<string, string>,
): Promise<PhaseResult> => {
  const latencies: number[] = [];
  const outcomes = new Map<string, number>();
  const count = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  const body = JSON.stringify(orderRequest);
  const deadline = Date.now() + settings.seconds * 1000;
  const customerLoop = async () => {
    while (Date.now() < deadline) {
      const started = performance.now();
      const created = await fetch(`${api.url}/api/orders`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': ulid() },
        body,
      });
      if (created.status !== 201) {
        count(`POST ${created.status}`);
        await created.arrayBuffer();
        continue;
      }
      const { orderId } = (await created.json()) as { orderId: string };
      let status = 'PENDING';
      while (!(isOrderStatus(status) && isTerminal(status)) && performance.now() - started < ORDER_TIMEOUT_MS) {
        await sleep(settings.pollMs);
        const read = await fetch(`${api.url}/api/orders/${orderId}`, { headers });
        if (read.ok) status = ((await read.json()) as { status: string }).status;
        else await read.arrayBuffer();
      }
      if (isOrderStatus(status) && isTerminal(status)) {
        latencies.push(performance.now() - started);
        count(status);
      } else count(`not terminal after ${ORDER_TIMEOUT_MS / 1000} s`);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: settings.customers }, customerLoop));
  const elapsedSeconds = (performance.now() - started) / 1000;
  return {
    name: '3 end to end: POST -> terminal',
    unit: 'orders/s',
    rate: latencies.length / elapsedSeconds,
    latency: summarize(latencies),
    counts: `${[...outcomes].map(([outcome, n]) => `${outcome} ${n}`).join(', ') || 'no orders'}; ${settings.customers} customers, poll ${settings.pollMs} ms`,
  };
};

/** Waits until no saga execution runs, at most `limitMs`; answers the seconds waited and whether it drained. */
const drainSagas = async (
  cloud: RunningLocalCloud,
  limitMs: number,
): Promise<{ seconds: number; drained: boolean }> => {
  const sfn = new SFNClient({ endpoint: cloud.edgeUrl, region: cloud.env.AWS_REGION, credentials: sdkCredentials });
  const stateMachineArn = cloud.services.stepFunctions.stateMachineArn(cloud.names('order-saga'));
  const started = performance.now();
  let lastReport = started;
  try {
    while (performance.now() - started < limitMs) {
      const running = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 100 }),
      );
      const count = (running.executions ?? []).length;
      if (count === 0) return { seconds: (performance.now() - started) / 1000, drained: true };
      // Progress while the backlog drains, every 2 s, so a long wait is not a silent one.
      if (performance.now() - lastReport >= 2_000) {
        lastReport = performance.now();
        const more = running.nextToken === undefined ? '' : '+';
        say(`  sagas still running: ${count}${more} after ${((lastReport - started) / 1000).toFixed(0)} s`);
      }
      await sleep(100);
    }
    return { seconds: (performance.now() - started) / 1000, drained: false };
  } finally {
    sfn.destroy();
  }
};

/** A real sign-in through the local Cognito (USER_PASSWORD_AUTH, as the dashboard does): the user's ID token. */
const idTokenOf = async (cloud: RunningLocalCloud, username: string): Promise<string> => {
  const user = cloud.services.identity.users.find((candidate) => candidate.username === username);
  if (user === undefined) throw new Error(`the local Cognito has no demo user ${username}`);
  const cognito = new CognitoIdentityProviderClient({
    endpoint: cloud.edgeUrl,
    region: cloud.env.AWS_REGION,
    credentials: sdkCredentials,
  });
  try {
    const signedIn = await cognito.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: cloud.env.USER_POOL_CLIENT_ID,
        AuthParameters: { USERNAME: user.username, PASSWORD: user.password },
      }),
    );
    const token = signedIn.AuthenticationResult?.IdToken;
    if (token === undefined) throw new Error(`signing ${username} in gave no ID token`);
    return token;
  } finally {
    cognito.destroy();
  }
};

const main = async (): Promise<void> => {
  const benchStarted = performance.now();
  const settings = readSettings(process.env);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The handlers run in this process; their per-invocation INFO lines would drown the table.
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const cloud = await startLocalCloud({ edgePort: 0, logger: quiet });
  let api: ApiProcess | undefined;
  try {
    api = await startApiProcess({ ...process.env, ...cloud.env, LOG_LEVEL: 'WARN' }, await freePort());
    const [customerToken, adminToken] = [await idTokenOf(cloud, 'alice'), await idTokenOf(cloud, 'admin')];
    const customerId = cloud.services.identity.users.find((user) => user.username === 'alice')?.sub ?? '';
    const put = await fetch(`${api.url}/api/products/${productId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(product),
    });
    if (!put.ok) throw new Error(`PUT /api/products/${productId} answered ${put.status}: ${await put.text()}`);
    const headers = { authorization: `Bearer ${customerToken}`, 'content-type': 'application/json' };
    const smoke = await fetch(`${api.url}/api/orders`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': ulid() },
      body: JSON.stringify(orderRequest),
    });
    if (smoke.status !== 201)
      throw new Error(`a first POST /api/orders answered ${smoke.status}: ${await smoke.text()}`);
    say(
      `bench: ${settings.seconds} s per phase; local cloud ${cloud.edgeUrl} (ready in ${(cloud.readyMs / 1000).toFixed(1)} s), DynamoDB Local ${cloud.services.dynamoDbEndpoint}, API ${api.url} (pid ${api.pid})`,
    );

    say('phase 1/3: DynamoDB Local ceiling ...');
    const ceiling = await measureCeiling(settings, cloud, customerId);
    say('phase 2/3: API only ...');
    const apiOnly = await measureApi(settings, api, headers);
    // Phase 3 measures the saga unloaded only when phase 2's backlog is gone; the sagas run several times slower
    // than the API accepts orders, so the wait is a multiple of the phase.
    const drainLimitMs = Math.max(30_000, settings.seconds * 12_000);
    say(`waiting for the sagas of phase 2 to finish (at most ${(drainLimitMs / 1000).toFixed(0)} s) ...`);
    const drain = await drainSagas(cloud, drainLimitMs);
    say('phase 3/3: end to end ...');
    const endToEnd = await measureEndToEnd(settings, api, headers);

    const rows = [ceiling, apiOnly, endToEnd].map((phase) => [
      phase.name,
      `${formatNumber(phase.rate, 1)} ${phase.unit}`,
      formatNumber(phase.latency.p50),
      formatNumber(phase.latency.p99),
      formatNumber(phase.latency.max),
      phase.counts,
    ]);
    say();
    say(formatTable(['phase', 'rate', 'p50 ms', 'p99 ms', 'max ms', 'counts'], rows));
    say();
    say(`API / ceiling         ${formatNumber((apiOnly.rate / ceiling.rate) * 100, 1)} %`);
    say(`end to end / API     ${formatNumber((endToEnd.rate / apiOnly.rate) * 100, 1)} %`);
    say(
      drain.drained
        ? `the sagas of phase 2 drained in ${drain.seconds.toFixed(1)} s before phase 3`
        : `the sagas of phase 2 had NOT drained after ${drain.seconds.toFixed(1)} s; phase 3 ran with that backlog`,
    );
    say(`total ${((performance.now() - benchStarted) / 1000).toFixed(1)} s`);
  } finally {
    await api?.stop();
    await cloud.stop();
  }
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
