/**
 * `tsx scripts/bench-saga.ts`: the saga under sustained load on the local cloud, as `npm start` runs it (the API in
 * its own process configured from the cloud's environment, the handlers and the ASL in the cloud's process).
 *
 * In one run it reports:
 *  1. API only: POST /api/orders under autocannon (the sagas those orders start run behind it);
 *  2. end to end: after the backlog drained, BENCH_SAGA_CONCURRENCY customers (default 8) each loop
 *     POST -> poll GET /api/orders/:id until a terminal status, for BENCH_SECONDS (default 8): orders completed per
 *     second and p50/p99 from POST to the terminal status.
 * A benchmark, not a test. Retry waits are real (timeScale 1); no faults are injected.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ulid } from 'ulid';
import { freePort } from '../local/dynamodb/dynamodb-local';
import { startLocalCloud } from '../local/cloud';

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  '2xx': number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no types; this is the one call we make.
const autocannon = require('autocannon') as Autocannon;

const say = (line: string) => process.stdout.write(`${line}\n`);
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const concurrency = Number(process.env.BENCH_SAGA_CONCURRENCY ?? 8);
const TERMINAL = new Set(['CONFIRMED', 'FAILED', 'NEEDS_ATTENTION']);
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

const main = async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const cloud = await startLocalCloud({ edgePort: 0, logger: quiet });
  const port = await freePort();
  const api = spawn(process.execPath, [join(__dirname, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(__dirname, '..', 'api', 'server.ts')], {
    env: { ...process.env, ...cloud.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'WARN' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const sfn = new SFNClient({ endpoint: cloud.edgeUrl, region: cloud.env.AWS_REGION, credentials });
  const stateMachineArn = cloud.services.stepFunctions.stateMachineArn(cloud.names('order-saga'));
  /** Waits (at most 2 minutes) until no saga execution is running. */
  const drain = async () => {
    for (let attempt = 0; attempt < 1200; attempt += 1) {
      const running = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 1 }));
      if ((running.executions ?? []).length === 0) return;
      await sleep(100);
    }
  };
  try {
    for (let attempt = 0; attempt < 150 && !(await fetch(`${url}/health`).then((r) => r.ok, () => false)); attempt += 1) await sleep(200);
    const users = ((await (await fetch(`${cloud.edgeUrl}/_local/users`)).json()) as { users: { username: string; password: string }[] }).users;
    const cognito = new CognitoIdentityProviderClient({ endpoint: cloud.edgeUrl, region: cloud.env.AWS_REGION, credentials });
    const token = async (username: string) => {
      const user = users.find((candidate) => candidate.username === username);
      const signedIn = await cognito.send(new InitiateAuthCommand({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: cloud.env.USER_POOL_CLIENT_ID, AuthParameters: { USERNAME: username, PASSWORD: user?.password ?? '' } }));
      return signedIn.AuthenticationResult?.IdToken ?? '';
    };
    const [customer, admin] = [await token('alice'), await token('admin')];
    const productId = `bench-${ulid()}`.toLowerCase();
    const put = await fetch(`${url}/api/products/${productId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench mug', price: 990, currency: 'EUR', stock: 1_000_000 }),
    });
    if (!put.ok) throw new Error(`PUT /api/products answered ${put.status}`);
    const body = JSON.stringify({ items: [{ productId, quantity: 1 }], paymentToken: 'tok_visa' });
    const headers = { authorization: `Bearer ${customer}`, 'content-type': 'application/json' };
    say(`bench-saga: ${seconds} s per phase; API ${url} (pid ${api.pid}); local cloud ${cloud.edgeUrl}`);

    const http = await autocannon({
      url,
      connections,
      duration: seconds,
      requests: [{ method: 'POST', path: '/api/orders', headers, body, setupRequest: (request: { headers: Record<string, string> }) => ({ ...request, headers: { ...request.headers, 'idempotency-key': ulid() } }) }],
    });

    const drainStarted = performance.now();
    await drain();
    const drainSeconds = (performance.now() - drainStarted) / 1000;

    const latencies: number[] = [];
    const outcomes = new Map<string, number>();
    const deadline = Date.now() + seconds * 1000;
    const customerLoop = async () => {
      while (Date.now() < deadline) {
        const started = performance.now();
        const created = await fetch(`${url}/api/orders`, { method: 'POST', headers: { ...headers, 'idempotency-key': ulid() }, body });
        const { orderId } = (await created.json()) as { orderId: string };
        let status = 'PENDING';
        while (!TERMINAL.has(status)) {
          await sleep(20);
          status = ((await (await fetch(`${url}/api/orders/${orderId}`, { headers })).json()) as { status: string }).status;
        }
        latencies.push(performance.now() - started);
        outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
      }
    };
    const e2eStarted = performance.now();
    await Promise.all(Array.from({ length: concurrency }, customerLoop));
    const e2eRate = latencies.length / ((performance.now() - e2eStarted) / 1000);
    latencies.sort((a, b) => a - b);
    cognito.destroy();

    say('');
    say(`API only: POST /api/orders   ${http.requests.average.toFixed(0)} req/s   p50 ${http.latency.p50} ms   p99 ${http.latency.p99} ms   (${connections} connections, 2xx ${http['2xx']}, non-2xx ${http.non2xx}, errors ${http.errors}; their ${http['2xx']} sagas drained in ${drainSeconds.toFixed(1)} s)`);
    say(`end to end: POST -> terminal  ${e2eRate.toFixed(1)} orders/s   p50 ${percentile(latencies, 50).toFixed(0)} ms   p99 ${percentile(latencies, 99).toFixed(0)} ms   (${concurrency} customers in a closed loop, ${latencies.length} orders: ${[...outcomes].map(([status, count]) => `${status} ${count}`).join(', ')})`);
    await drain();
  } finally {
    sfn.destroy();
    api.kill('SIGTERM');
    await cloud.stop();
  }
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench-saga failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
