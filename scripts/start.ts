/**
 * `npm start`: the whole platform on this machine.
 *
 * 1. The local cloud (the package in local/, given the platform by scripts/local-platform/): DynamoDB Local, the edge on EDGE_PORT (default 4566) serving DynamoDB,
 *    EventBridge, SQS, Step Functions, Lambda, S3, SES v2, Secrets Manager, Cognito and X-Ray, every resource of
 *    core/platform/resources.ts, the handlers, the ASL and the rules; seeded with the demo catalog.
 * 2. The orders API (api/server.ts) as its own process on PORT (default 3000), configured only through the
 *    standard AWS environment pointing at the edge, exactly as the Fargate task is configured in AWS.
 *
 * DATA_DIR keeps DynamoDB's data, receipts, captured mail and queued messages across restarts (executions are in
 * memory; the reconciler's pass at start-up resumes their orders). Ctrl-C or SIGTERM stops both. If DynamoDB Local
 * dies and the local cloud cannot start it again, npm start stops and says why.
 *
 * The console stays quiet after the banner: every log line (the API, the functions, the local cloud) goes to a file
 * (DATA_DIR/logs/platform.log, or a temporary directory; the banner says where). `--verbose` or LOG_LEVEL shows them
 * here too, one readable line each (scripts/start-logs.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync, type Stats } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStores } from '../core/store/dynamo-stores';
import {
  handlerNicenessFromEnvironment,
  handlerThreadsFromEnvironment,
  startLocalCloud,
  type LocalCloudContext,
  type RunningLocalCloud,
} from './local-platform/cloud';
import { demoCatalog } from './local-platform/demo-catalog';
import { LogSink, startLogSettings } from './start-logs';
import { reconcileAtStart } from './local-platform/reconcile-at-start';

const ROOT = resolve(__dirname, '..');
// Bound before the process's output is sent to the log file: the script's own lines always reach the terminal.
const terminal = process.stdout.write.bind(process.stdout);
const say = (line = '') => terminal(`${line}\n`);

/**
 * Sends whatever this process writes to stdout and stderr (the functions' Powertools loggers, the local cloud's
 * loggers, library warnings) to the log sink instead of the terminal; `say` keeps the terminal.
 */
const captureProcessOutput = (sink: LogSink): void => {
  const capture = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    sink.write(chunk);
    const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
};

/** Puts the demo catalog in, keeping products that already exist (a DATA_DIR restart keeps its stock). */
const seedCatalog = async (cloud: LocalCloudContext): Promise<void> => {
  const client = new DynamoDBClient({
    endpoint: cloud.edgeUrl,
    region: cloud.env.AWS_REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const { products } = createDynamoStores(DynamoDBDocumentClient.from(client), cloud.names('orders'));
    for (const product of demoCatalog(new Date().toISOString())) {
      if ((await products.getProduct(product.productId)) === undefined) await products.putProduct(product);
    }
  } finally {
    client.destroy();
  }
};

const portInUse = (port: number): Promise<boolean> =>
  new Promise((answer) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      answer(true);
    });
    socket.once('error', () => answer(false));
  });

const waitForHealth = async (url: string, api: ChildProcess, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (api.exitCode !== null) throw new Error(`the API exited with code ${api.exitCode} before it was ready`);
    const healthy = await fetch(`${url}/health`).then(
      (answer) => answer.ok,
      () => false,
    );
    if (healthy) return;
    await new Promise((wake) => setTimeout(wake, 100));
  }
  throw new Error(`the API did not answer ${url}/health within ${timeoutMs / 1000} s`);
};

/** The newest modification time (ms) of a file under `path` (or of the file itself); 0 when it does not exist. */
const newestMtime = (path: string): number => {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), stat.mtimeMs);
};

/** Builds ui/dist when its index.html is missing or older than the newest file of ui/src or ui/index.html. */
const buildDashboardIfStale = (sink: LogSink): void => {
  const built = newestMtime(resolve(ROOT, 'ui/dist/index.html'));
  const sources = Math.max(newestMtime(resolve(ROOT, 'ui/src')), newestMtime(resolve(ROOT, 'ui/index.html')));
  if (built > 0 && built >= sources) return;
  say('building the dashboard ...');
  const began = Date.now();
  const result = spawnSync(
    process.execPath,
    [
      resolve(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      resolve(ROOT, 'ui/vite.config.ts'),
      '--logLevel',
      'warn',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  );
  sink.write(`${result.stdout ?? ''}${result.stderr ?? ''}\n`);
  if (result.status !== 0)
    throw new Error(
      `the dashboard build failed (exit code ${result.status ?? result.signal}); its output is in ${sink.settings.file}`,
    );
  say(`dashboard built in ${((Date.now() - began) / 1000).toFixed(1)} s`);
};

const formatUptime = (ms: number): string => {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
};

const main = async (): Promise<void> => {
  const started = Date.now();
  let logs: LogSink;
  try {
    logs = new LogSink(startLogSettings(process.argv.slice(2), process.env), say);
  } catch (error) {
    say(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  const sink = logs;
  captureProcessOutput(sink);
  // Every part logs at the one level asked for: the functions (Powertools), the local cloud, and the API below.
  process.env.POWERTOOLS_LOG_LEVEL ??= sink.settings.level;
  process.env.LOCAL_CLOUD_LOG_LEVEL ??= sink.settings.level.toLowerCase();
  // These machines run Node 20; the SDK's notice about its Node 22 requirement from 2027 would repeat on every
  // client of every process. Lambda runs nodejs22.x in AWS.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const port = Number(process.env.PORT ?? 3000);
  const refusal =
    !Number.isInteger(port) || port < 1 || port > 65535
      ? `PORT must be a port number, got ${process.env.PORT}`
      : (await portInUse(port))
        ? `port ${port} is in use: stop what holds it or start with PORT=<another port>`
        : undefined;
  if (refusal) {
    say(`npm start failed: ${refusal}`);
    process.exit(1);
  }

  let cloud: RunningLocalCloud | undefined;
  let api: ChildProcess | undefined;
  let stopping = false;
  const stop = async (code: number, why?: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (why !== undefined) say(`${why}: stopping the API and the local cloud ...`);
    if (api && api.exitCode === null) {
      const exited = new Promise((done) => api?.once('exit', done));
      api.kill('SIGTERM');
      await Promise.race([exited, new Promise((done) => setTimeout(done, 3000))]);
      if (api.exitCode === null) api.kill('SIGKILL');
    }
    await cloud?.stop();
    await sink.close();
    if (why !== undefined) say(`stopped after ${formatUptime(Date.now() - started)}; logs in ${sink.settings.file}`);
    process.exit(code);
  };
  process.once('SIGINT', () => void stop(0, 'Ctrl-C'));
  process.once('SIGTERM', () => void stop(0, 'SIGTERM'));

  try {
    if (process.env.DASHBOARD_DIR === undefined) buildDashboardIfStale(sink);
    say('starting the local cloud (DynamoDB Local, edge, functions, rules, state machine) ...');
    cloud = await startLocalCloud({
      seed: seedCatalog,
      // The handlers off the edge's event loop, in worker threads at a lower priority (LOCAL_HANDLER_THREADS=0: in-process).
      handlerThreads: handlerThreadsFromEnvironment(),
      handlerNiceness: handlerNicenessFromEnvironment(),
      // A JVM start on a loaded machine can take longer than the default 30 s; waiting beats failing here.
      dynamoDbReadyTimeoutMs: 120_000,
      // The local cloud restarts a DynamoDB Local that dies; if it cannot, serving on without a table helps nobody.
      onDynamoDbLost: (message) => void stop(1, message),
    });
    const reconciled = await reconcileAtStart(cloud);
    if (reconciled.relayed > 0) say(`published ${reconciled.relayed} events the last run left in the outbox`);
    if (reconciled.resumed > 0) say(`resumed the saga of ${reconciled.resumed} orders left unfinished by the last run`);
    if (reconciled.reannounced > 0)
      say(`published again the status events of ${reconciled.reannounced} orders the last run finished recently`);
    if (reconciled.note !== undefined) say(reconciled.note);
    const apiUrl = `http://127.0.0.1:${port}`;
    api = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'api/server.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...cloud.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: sink.settings.level,
        LOCAL_CONTROL_PLANE_URL: `${cloud.edgeUrl}/_local`,
        DASHBOARD_DIR: process.env.DASHBOARD_DIR ?? resolve(ROOT, 'ui/dist'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = api;
    child.stdout?.on('data', (chunk: Buffer) => sink.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => sink.write(chunk));
    child.once('exit', (code) => {
      if (!stopping) {
        say(`the API stopped (exit code ${code}); stopping the local cloud (logs in ${sink.settings.file})`);
        void stop(code ?? 1);
      }
    });
    // 90 s: after a crash the resumed sagas share the machine with the API starting up; 30 s failed the restart on loaded runners.
    await waitForHealth(apiUrl, child, 90_000);

    const identity = cloud.services.identity;
    say();
    say(
      `platform ready in ${((Date.now() - started) / 1000).toFixed(1)} s (local cloud ${(cloud.readyMs / 1000).toFixed(1)} s)`,
    );
    say(`  dashboard and API  ${apiUrl}/            (OpenAPI: ${apiUrl}/openapi.json)`);
    say(
      `  AWS edge           ${cloud.edgeUrl}      (AWS_ENDPOINT_URL for any SDK or CLI; control plane ${cloud.edgeUrl}/_local)`,
    );
    say(`  demo users         (also GET ${cloud.edgeUrl}/_local/users)`);
    for (const user of identity.users)
      say(
        `    ${user.username.padEnd(6)} password ${user.password}${user.groups.length > 0 ? `   groups: ${user.groups.join(', ')}` : ''}`,
      );
    if (cloud.missingFunctions.length > 0)
      say(`  not yet implemented, so not running: ${cloud.missingFunctions.join(', ')}`);
    say(
      `  logs               ${sink.settings.file}${sink.settings.echo ? '   (also shown here)' : '   (npm start -- --verbose, or LOG_LEVEL=DEBUG, shows them here)'}`,
    );
    say('Ctrl-C stops everything.');
  } catch (error) {
    say(`npm start failed: ${error instanceof Error ? error.message : String(error)} (logs in ${sink.settings.file})`);
    await stop(1);
  }
};

void main();
