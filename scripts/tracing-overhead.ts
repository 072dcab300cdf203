/**
 * `npx tsx scripts/tracing-overhead.ts`: what X-Ray tracing costs the API in CPU per POST /api/orders, by sampling mode
 * (XRAY_SAMPLING, api/config.ts): `off` (no tracing, the baseline), `local` (the SDK's default rules, 1 request/s then
 * 5%: what AWS samples by default and what a load test sets) and `all` (every request: the local default). The local
 * cloud runs in this process; the API in a process of its own, whose CPU (user + system, summed over its process
 * tree from /proc) is read before and after TRACING_POSTS sequential POSTs (no saga runs behind them). The modes take turns in each of
 * TRACING_RUNS rounds (drift on a shared machine spreads over all of them) and the median per mode is printed.
 * EDGE_PORT and PORT pin the local cloud's edge and the API (default: free ports).
 * A measurement for humans, not a test: it is not part of `npm test` (Linux only, for /proc).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { freePort } from '@order-platform/local-cloud/dynamodb';
import { ulid } from 'ulid';
import type { TracingSampling } from '../api/config';
import { startApiProcess } from './bench-support';
import { type RunningLocalCloud, startLocalCloud } from './local-platform/cloud';

const say = (line = '') => process.stdout.write(`${line}\n`);
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const MODES: readonly TracingSampling[] = ['off', 'local', 'all'];
const TICK_MS = 10; // getconf CLK_TCK = 100 on Linux

const setting = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${raw}`);
  return value;
};

/** CPU milliseconds (user + system) of a process and every descendant, from /proc. */
const treeCpuMs = (pid: number): number => {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  let children: number[] = [];
  try {
    children = readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    children = [];
  }
  return own + children.reduce((sum, child) => sum + treeCpuMs(child), 0);
};

const idToken = async (cloud: RunningLocalCloud, username: string): Promise<string> => {
  const user = cloud.services.identity.users.find((candidate) => candidate.username === username);
  if (user === undefined) throw new Error(`the local Cognito has no demo user ${username}`);
  const cognito = new CognitoIdentityProviderClient({
    endpoint: cloud.edgeUrl,
    region: cloud.env.AWS_REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
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

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const main = async (): Promise<void> => {
  const posts = setting('TRACING_POSTS', 300);
  const runs = setting('TRACING_RUNS', 3);
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const cloud = await startLocalCloud({ edgePort: Number(process.env.EDGE_PORT ?? 0), logger: quiet });
  const apiPort = process.env.PORT === undefined ? undefined : Number(process.env.PORT);
  // Only the API's CPU is measured: no saga runs behind the POSTs to slow this process's event loop (start-saga and
  // the reconciler, which would resume the orders left PENDING, fail fast).
  for (const fn of ['start-saga', 'reconciler']) cloud.services.lambda.injectFault(cloud.names(fn), { probability: 1 });
  try {
    const [customer, admin] = [await idToken(cloud, 'alice'), await idToken(cloud, 'admin')];
    const productId = `tracing-${ulid()}`.toLowerCase();
    const body = JSON.stringify({ items: [{ productId, quantity: 1 }], paymentToken: 'tok_visa' });
    const results = new Map<TracingSampling, number[]>(MODES.map((mode) => [mode, []]));
    for (let run = 1; run <= runs; run += 1) {
      for (const mode of MODES) {
        const api = await startApiProcess(
          { ...process.env, ...cloud.env, LOG_LEVEL: 'WARN', XRAY_SAMPLING: mode },
          apiPort ?? (await freePort()),
        );
        try {
          if (run === 1 && mode === MODES[0]) {
            const put = await fetch(`${api.url}/api/products/${productId}`, {
              method: 'PUT',
              headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
              body: JSON.stringify({ name: 'Tracing mug', price: 990, currency: 'EUR', stock: 10_000_000 }),
            });
            if (!put.ok) throw new Error(`PUT /api/products answered ${put.status}: ${await put.text()}`);
          }
          const post = async (): Promise<void> => {
            const answer = await fetch(`${api.url}/api/orders`, {
              method: 'POST',
              headers: {
                authorization: `Bearer ${customer}`,
                'content-type': 'application/json',
                'idempotency-key': ulid(),
              },
              body,
            });
            if (answer.status !== 201) throw new Error(`POST /api/orders answered ${answer.status}`);
            await answer.arrayBuffer();
          };
          // Warm: JIT, connection pools, the catalog cache and (for `local`) the sampler's first-second reservoir.
          for (let i = 0; i < 50; i += 1) await post();
          const before = treeCpuMs(api.pid);
          for (let i = 0; i < posts; i += 1) await post();
          const perPost = (treeCpuMs(api.pid) - before) / posts;
          results.get(mode)?.push(perPost);
          say(`run ${run}/${runs} ${mode.padEnd(5)} ${perPost.toFixed(2)} ms CPU per POST`);
        } finally {
          await api.stop();
        }
      }
    }
    const baseline = median(results.get('off') ?? []);
    say();
    say(`median CPU per POST over ${runs} runs of ${posts} POSTs (API process tree):`);
    for (const mode of MODES) {
      const value = median(results.get(mode) ?? []);
      const overhead =
        mode === 'off' ? '' : `  tracing overhead ${(((value - baseline) / baseline) * 100).toFixed(1)} %`;
      say(`  ${mode.padEnd(5)} ${value.toFixed(2)} ms${overhead}`);
    }
  } finally {
    await cloud.stop();
  }
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `tracing-overhead: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
