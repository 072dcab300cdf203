/**
 * `npm run bench`: the figures of issue 18, measured in one run on the local cloud as `npm start` runs it (this
 * process: DynamoDB Local, the edge and the emulations with the saga's handlers), the API in a process of its own and
 * the load generator in a third (scripts/bench-load.ts), so neither's CPU is the other's. Phases, each BENCH_SECONDS:
 *
 *  0. warm-up: DynamoDB Local and both Node processes warmed by the ceiling's calls and by POSTs at the low open-loop
 *     rate, then drained; the background (the schedules of the outbox relay and the reconciler) counted while
 *     idle, to be subtracted;
 *  1. ceiling: the API's own TransactWriteItems of an order (captured at the edge from a real POST) replayed with
 *     fresh ids through the same edge and proxy into a copy of the table, BENCH_CONNECTIONS at a time;
 *  2. POST while sagas run: POST /api/orders in a closed loop, BENCH_CONNECTIONS at a time; then the backlog drains;
 *  3. open loop at BENCH_RATE_LOW (2/s) and BENCH_RATE_GOAL (10/s): POST -> terminal status (read straight from
 *     DynamoDB Local), and the calls, writes, CPU and cost per order counted over the phase;
 *  4. saturation search: open-loop steps up by 1.5x until a step is not sustained (an order not terminal, or latency
 *     growing through the step: a backlog), then halving the gap;
 *  5. burst: BENCH_BURST orders (300) at once: Lambda timeouts and events published twice;
 *  6. POST alone: the bus's event-pattern rules disabled, so no saga runs behind the POSTs (last, as the orders it
 *     leaves PENDING would be resumed by the reconciler a minute later).
 *
 * Calls are counted at the local cloud's edge and where it calls on a client's behalf (local/metrics, GET
 * /_local/metrics); prices are the table of docs/bench.md. A benchmark, not a test: not part of `npm test`.
 */
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { MetricsSnapshot } from '@order-platform/local-cloud';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable, freePort } from '@order-platform/local-cloud/dynamodb';
import { ulid } from 'ulid';
import type { CreateOrderRequest } from '../core/domain/schemas';
import { rules, tables } from '../core/platform/resources';
import {
  handlerNicenessFromEnvironment,
  handlerThreadsFromEnvironment,
  type RunningLocalCloud,
  startLocalCloud,
} from './local-platform/cloud';
import { byName, PLATFORM } from './local-platform/description';
import type { ClosedResult, OpenResult } from './bench-load';
import {
  type ApiProcess,
  formatNumber,
  formatTable,
  type LatencySummary,
  type LoadGenerator,
  positiveIntegerSetting,
  processCpuMs,
  startApiProcess,
  startLoadGenerator,
  summarize,
} from './bench-support';
import {
  callsByOperation,
  costPerMillionOrders,
  type Goal,
  isSustained,
  judge,
  nextSaturationRate,
  scaleDifference,
  snapshotDifference,
  summarizeUsage,
  type Verdict,
  withoutBackground,
} from './bench-support-model';

const say = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise<void>((wake) => setTimeout(wake, ms));
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const sdkCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

interface BenchSettings {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly rateLow: number;
  readonly rateGoal: number;
  readonly burst: number;
  readonly saturation: boolean;
  readonly pollMs: number;
}

const readSettings = (environment: NodeJS.ProcessEnv): BenchSettings => ({
  seconds: positiveIntegerSetting(environment, 'BENCH_SECONDS', 10),
  warmupSeconds: positiveIntegerSetting(environment, 'BENCH_WARMUP_SECONDS', 6),
  connections: positiveIntegerSetting(environment, 'BENCH_CONNECTIONS', 8),
  rateLow: positiveIntegerSetting(environment, 'BENCH_RATE_LOW', 2),
  rateGoal: positiveIntegerSetting(environment, 'BENCH_RATE_GOAL', 10),
  burst: environment.BENCH_BURST === '0' ? 0 : positiveIntegerSetting(environment, 'BENCH_BURST', 300),
  saturation: environment.BENCH_SATURATION !== 'off',
  pollMs: positiveIntegerSetting(environment, 'BENCH_POLL_MS', 20),
});

/** An order not terminal this long after its POST counts as timed out. */
const ORDER_TIMEOUT_MS = 120_000;
/** How long the cloud is watched idle to learn what its schedules cost per second. */
const BACKGROUND_SECONDS = 10;

const productId = `bench-${ulid()}`.toLowerCase();
const product = { name: 'Bench mug', price: 990, currency: 'EUR', stock: 10_000_000 };
const orderRequest: CreateOrderRequest = { items: [{ productId, quantity: 1 }], paymentToken: 'tok_visa' };
const orderBody = JSON.stringify(orderRequest);

/** CPU time of the three processes that do the work: the cloud (this one), the API, DynamoDB Local's JVM. */
interface CpuReading {
  readonly cloud: number;
  readonly api: number;
  readonly dynamoDb: number;
}

interface Context {
  readonly settings: BenchSettings;
  readonly cloud: RunningLocalCloud;
  readonly api: ApiProcess;
  readonly load: LoadGenerator;
  readonly headers: Readonly<Record<string, string>>;
  /** What the cloud does per second on its own (its schedules), subtracted from each phase. */
  background?: MetricsSnapshot;
}

const cpuNow = (context: Context): CpuReading => {
  const own = process.cpuUsage();
  return {
    cloud: (own.user + own.system) / 1000,
    api: processCpuMs(context.api.pid),
    dynamoDb: processCpuMs(context.cloud.services.dynamoDbPid),
  };
};

const metricsNow = (context: Context): MetricsSnapshot => context.cloud.services.metrics.snapshot();

/** A measured stretch: the calls the cloud counted and the CPU the processes spent, from `start` to `end`. */
interface Window {
  readonly usage: MetricsSnapshot;
  readonly seconds: number;
  readonly cpu: CpuReading;
}

const openWindow = (context: Context) => {
  const metrics = metricsNow(context);
  const cpu = cpuNow(context);
  const started = performance.now();
  return (): Window => {
    const after = cpuNow(context);
    const seconds = (performance.now() - started) / 1000;
    const raw = snapshotDifference(metrics, metricsNow(context));
    return {
      usage: context.background === undefined ? raw : withoutBackground(raw, context.background, seconds),
      seconds,
      cpu: { cloud: after.cloud - cpu.cloud, api: after.api - cpu.api, dynamoDb: after.dynamoDb - cpu.dynamoDb },
    };
  };
};

/** The functions the schedules invoke (outbox relay, reconciler): their runs are background, not work in flight. */
const SCHEDULED_FUNCTIONS = new Set(
  rules.flatMap((rule) =>
    'schedule' in rule ? rule.targets.flatMap((target) => ('function' in target ? [target.function] : [])) : [],
  ),
);

/**
 * Waits until the cloud is done: no execution runs, no message waits to be received, and no invocation (but the
 * schedules') finished for 1.5 s. A message in flight that long is a failed one waiting out its visibility timeout
 * before a retry; waiting for it would only wait for the timeout. At most `limitMs`.
 */
const waitQuiet = async (context: Context, what: string, limitMs = 120_000): Promise<boolean> => {
  const { sqs, stepFunctions } = context.cloud.services;
  const scheduled = new Set([...SCHEDULED_FUNCTIONS].map((name) => context.cloud.names(name)));
  const workDone = () =>
    metricsNow(context)
      .functions.filter((entry) => !scheduled.has(entry.function))
      .reduce((sum, entry) => sum + entry.invocations, 0);
  const started = performance.now();
  let lastReport = started;
  let calm = 0;
  let lastWork = workDone();
  while (performance.now() - started < limitMs) {
    const busy = sqs.listQueues().filter((queue) => !queue.isDlq && queue.visible + queue.inFlight + queue.delayed > 0);
    const waiting = busy.reduce((sum, queue) => sum + queue.visible + queue.delayed, 0);
    const running = [...stepFunctions.executions.values()].filter((execution) => execution.status === 'RUNNING').length;
    const work = workDone();
    calm = waiting === 0 && running === 0 && work === lastWork ? calm + 1 : 0;
    lastWork = work;
    if (calm >= 3) return true;
    if (performance.now() - lastReport >= 2_000) {
      lastReport = performance.now();
      const where = busy.map((queue) => `${queue.name} ${queue.visible + queue.inFlight + queue.delayed}`).join(', ');
      say(`  .. ${what}: ${running} executions running, messages ${where || 'none'}`);
    }
    await sleep(500);
  }
  say(`  !! ${what}: still busy after ${(limitMs / 1000).toFixed(0)} s; going on`);
  return false;
};

interface OpenPhase {
  readonly name: string;
  readonly rate: number;
  readonly result: OpenResult;
  readonly latency: LatencySummary;
  readonly window: Window;
  readonly created: number;
  readonly confirmed: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly sustained: boolean;
}

const runOpen = async (
  context: Context,
  name: string,
  rate: number,
  count?: number,
  seconds = context.settings.seconds,
): Promise<OpenPhase> => {
  const close = openWindow(context);
  const result = await context.load.openLoop({
    kind: 'open',
    apiUrl: context.api.url,
    headers: context.headers,
    body: orderBody,
    rate,
    seconds,
    ...(count === undefined ? {} : { count }),
    table: {
      endpoint: context.cloud.services.dynamoDbEndpoint,
      region: context.cloud.env.AWS_REGION,
      name: context.cloud.env.TABLE_NAME,
    },
    pollMs: context.settings.pollMs,
    orderTimeoutMs: ORDER_TIMEOUT_MS,
  });
  // The processors (mail, receipt, webhooks) still run after CONFIRMED: the phase's calls include them.
  await waitQuiet(context, `${name}: draining`);
  const window = close();
  const outcomes: Record<string, number> = {};
  for (const sample of result.samples) outcomes[sample.outcome] = (outcomes[sample.outcome] ?? 0) + 1;
  const latency = summarize(
    result.samples.flatMap((sample) => (sample.endToEndMs === undefined ? [] : [sample.endToEndMs])),
  );
  const created = result.samples.filter((sample) => sample.postStatus === 201).length;
  const settledAll = result.samples.every((sample) => sample.endToEndMs !== undefined);
  return {
    name,
    rate,
    result,
    latency,
    window,
    created,
    confirmed: outcomes.CONFIRMED ?? 0,
    outcomes,
    sustained: settledAll && isSustained(result.samples),
  };
};

const closedSummary = (result: ClosedResult): LatencySummary & { rate: number } => ({
  ...summarize(result.latencies),
  rate: result.ok / (result.elapsedMs / 1000),
});

const failures = (result: ClosedResult): string =>
  Object.entries(result.failed)
    .map(([what, n]) => `${what} x${n}`)
    .join(', ') || 'none';

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

/** Turns the bus's event-pattern rules off or on (in-process): with them off, a POST starts nothing behind it. */
const setPatternRules = (cloud: RunningLocalCloud, state: 'ENABLED' | 'DISABLED'): number => {
  let changed = 0;
  for (const rule of rules) {
    if (!('eventPattern' in rule)) continue;
    cloud.services.eventBridge.requireRule(cloud.names(rule.name), cloud.names(rule.bus)).state = state;
    changed += 1;
  }
  return changed;
};

const perOrderRows = (phase: OpenPhase) => {
  const perOrder = scaleDifference(phase.window.usage, 1 / Math.max(1, phase.created));
  return { perOrder, usage: summarizeUsage(perOrder), cost: costPerMillionOrders(perOrder) };
};

const n1 = (value: number) => formatNumber(value, 1);
const n2 = (value: number) => formatNumber(value, 2);

const verdictRow = (verdict: Verdict, note: string): string[] => [
  verdict.goal.name,
  `${verdict.goal.direction === 'at-most' ? '<=' : '>='} ${verdict.goal.target} ${verdict.goal.unit}`,
  `${n2(verdict.measured)} ${verdict.goal.unit}`,
  `${n2(verdict.ratio)}x`,
  // A phase the settings skipped has no measurement: not a pass, but not a failure measured either.
  Number.isNaN(verdict.measured) ? 'not run' : verdict.pass ? 'PASS' : 'FAIL',
  note,
];

/** On a busy machine DynamoDB Local may miss its start-up deadline; a benchmark tries again rather than give up. */
const startWithRetries = async <T>(start: () => Promise<T>, attempts = 3): Promise<T> => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts) throw error;
      say(`  !! the local cloud did not start (${(error as Error).name}); trying again (${attempt + 1}/${attempts})`);
    }
  }
};

const main = async (): Promise<void> => {
  const benchStarted = performance.now();
  const settings = readSettings(process.env);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // A load test samples as AWS's default rule does (1 request a second, then 5 %), as the README says of XRAY_SAMPLING;
  // `npm start` traces every request. X-Ray is priced from the traces this records.
  process.env.XRAY_SAMPLING ??= 'local';
  // The handlers run in this process; their per-invocation INFO lines would drown the table.
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const edgePort = process.env.EDGE_PORT === undefined ? 0 : Number(process.env.EDGE_PORT);
  // Read once, before the retries: a bad value is the user's to fix, not a start to try again.
  const handlerThreads = handlerThreadsFromEnvironment();
  const handlerNiceness = handlerNicenessFromEnvironment();
  const cloud = await startWithRetries(() =>
    startLocalCloud({ edgePort, logger: quiet, handlerThreads, handlerNiceness }),
  );
  let api: ApiProcess | undefined;
  let load: LoadGenerator | undefined;
  try {
    const apiPort = process.env.PORT === undefined ? await freePort() : Number(process.env.PORT);
    api = await startApiProcess({ ...process.env, ...cloud.env, LOG_LEVEL: 'WARN' }, apiPort);
    load = startLoadGenerator((line) => say(`  .. ${line}`));
    const [customerToken, adminToken] = [await idTokenOf(cloud, 'alice'), await idTokenOf(cloud, 'admin')];
    const put = await fetch(`${api.url}/api/products/${productId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(product),
    });
    if (!put.ok) throw new Error(`PUT /api/products/${productId} answered ${put.status}: ${await put.text()}`);
    const headers = { authorization: `Bearer ${customerToken}`, 'content-type': 'application/json' };
    const context: Context = { settings, cloud, api, load, headers };

    // The API's own write of an order, as the ceiling will replay it.
    const captured = cloud.services.metrics.nextRequestBody('dynamodb', 'TransactWriteItems');
    const smoke = await fetch(`${api.url}/api/orders`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': ulid() },
      body: orderBody,
    });
    if (smoke.status !== 201)
      throw new Error(`a first POST /api/orders answered ${smoke.status}: ${await smoke.text()}`);
    const template = (await Promise.race([captured, sleep(5_000).then(() => undefined)]))?.toString('utf8');
    if (template === undefined) throw new Error('the first POST made no TransactWriteItems through the edge');
    say(
      `bench: ${settings.seconds} s per phase, ${settings.connections} connections, saga ${process.env.LOCAL_WORKFLOW_TYPE ?? 'STANDARD'} (LOCAL_WORKFLOW_TYPE; prod deploys EXPRESS), X-Ray sampling ${process.env.XRAY_SAMPLING} (XRAY_SAMPLING), handlers ${handlerThreads === 0 ? "in the cloud's thread" : `in ${handlerThreads} threads at nice ${handlerNiceness ?? 10}`} (LOCAL_HANDLER_THREADS, LOCAL_HANDLER_NICE); cloud ${cloud.edgeUrl} (pid ${process.pid}), API ${api.url} (pid ${api.pid}), load generator pid ${load.pid}, DynamoDB Local pid ${cloud.services.dynamoDbPid}`,
    );
    await waitQuiet(context, 'first order');

    say(`phase 0: warm-up (${settings.warmupSeconds} s) ...`);
    // The replayed orders go to a copy of the table (same keys and indexes): in the real one the outbox relay would
    // find their PENDING outbox records and start a saga for each. The API's role may not write the copy, so the
    // ceiling signs with a key the local IAM does not evaluate; the rest of the path (edge, proxy) is the API's.
    const ceilingTable = `${cloud.env.TABLE_NAME}-ceiling`;
    const tableClient = new DynamoDBClient({
      endpoint: cloud.services.dynamoDbEndpoint,
      region: cloud.env.AWS_REGION,
      credentials: sdkCredentials,
    });
    await createTable(tableClient, byName(tables, PLATFORM.table, 'table'), ceilingTable);
    tableClient.destroy();
    const ceilingJob = {
      kind: 'ceiling' as const,
      edgeUrl: cloud.edgeUrl,
      region: cloud.env.AWS_REGION,
      credentials: { accessKeyId: 'benchceiling', secretAccessKey: 'test' },
      template: template.replaceAll(JSON.stringify(cloud.env.TABLE_NAME), JSON.stringify(ceilingTable)),
      connections: settings.connections,
    };
    await load.closedLoop({ ...ceilingJob, seconds: settings.warmupSeconds });
    const closedJob = {
      kind: 'closed' as const,
      apiUrl: api.url,
      headers,
      body: orderBody,
      connections: settings.connections,
    };
    // POSTs at the low open-loop rate: every path of the order warmed, without a backlog to wait out.
    await runOpen(context, 'warm-up', settings.rateLow, undefined, settings.warmupSeconds);
    // The background is learnt only from a cloud that is really idle; otherwise nothing is subtracted.
    if (await waitQuiet(context, 'warm-up', 300_000)) {
      say(`        background: the cloud idle for ${BACKGROUND_SECONDS} s ...`);
      const idle = openWindow(context);
      await sleep(BACKGROUND_SECONDS * 1000);
      const idleWindow = idle();
      context.background = scaleDifference(idleWindow.usage, 1 / idleWindow.seconds);
    } else say('  !! no idle moment to learn the background from: the counts below include the schedules');

    say("phase 1: ceiling, the API's TransactWriteItems replayed through the edge ...");
    const ceiling = await load.closedLoop({ ...ceilingJob, seconds: settings.seconds });
    const ceilingStats = closedSummary(ceiling);

    say('phase 2: POST while sagas run (closed loop) ...');
    const withSagasWindow = openWindow(context);
    const withSagas = await load.closedLoop({ ...closedJob, seconds: settings.seconds });
    const withSagasStats = closedSummary(withSagas);
    const drainStarted = performance.now();
    await waitQuiet(context, 'sagas of phase 2');
    const drainSeconds = (performance.now() - drainStarted) / 1000;
    const withSagasUsage = withSagasWindow();

    say(`phase 3: open loop at ${settings.rateLow}/s ...`);
    const low = await runOpen(context, `open loop ${settings.rateLow}/s`, settings.rateLow);
    say(`phase 3: open loop at ${settings.rateGoal}/s ...`);
    const goal = await runOpen(context, `open loop ${settings.rateGoal}/s`, settings.rateGoal);

    const saturationSteps: OpenPhase[] = [];
    if (settings.saturation) {
      say('phase 4: saturation search ...');
      const steps: { rate: number; sustained: boolean }[] = [
        { rate: settings.rateLow, sustained: low.sustained },
        { rate: settings.rateGoal, sustained: goal.sustained },
      ];
      for (
        let rate = nextSaturationRate(steps, { start: 4, factor: 1.5, max: 80, resolution: 0.15 });
        rate !== undefined;
      ) {
        const step = await runOpen(context, `saturation ${rate}/s`, rate);
        say(
          `        ${rate}/s: ${step.sustained ? 'sustained' : 'NOT sustained'} (p50 ${formatNumber(step.latency.p50)} ms, p99 ${formatNumber(step.latency.p99)} ms, ${JSON.stringify(step.outcomes)})`,
        );
        saturationSteps.push(step);
        steps.push({ rate, sustained: step.sustained });
        rate = nextSaturationRate(steps, { start: 4, factor: 1.5, max: 80, resolution: 0.15 });
      }
    }
    const sustainedRates = [low, goal, ...saturationSteps].filter((step) => step.sustained).map((step) => step.rate);
    const saturation = sustainedRates.length === 0 ? 0 : Math.max(...sustainedRates);

    let burst: OpenPhase | undefined;
    if (settings.burst > 0) {
      say(`phase 5: burst of ${settings.burst} orders at once ...`);
      burst = await runOpen(context, `burst ${settings.burst}`, 0, settings.burst);
    }

    say('phase 6: POST alone (the event-pattern rules off) ...');
    // The last phase, and the bus stays quiet after it: no schedule (the reconciler would resume the orders it leaves
    // PENDING) and the rules stay off (the API's publishes still in flight at its end would start sagas), so nothing
    // runs when the cloud stops after the report.
    cloud.services.eventBridge.stop();
    const disabled = setPatternRules(cloud, 'DISABLED');
    const aloneWindow = openWindow(context);
    const alone = await load.closedLoop({ ...closedJob, seconds: settings.seconds });
    const aloneUsage = aloneWindow();
    const aloneStats = closedSummary(alone);

    // ---------------------------------------------------------------------------------------------- the report
    say();
    say('Load phases');
    const phaseRow = (
      name: string,
      rate: string,
      latency: LatencySummary,
      cpu: CpuReading | undefined,
      orders: number,
      note: string,
    ) => [
      name,
      rate,
      formatNumber(latency.p50),
      formatNumber(latency.p99),
      formatNumber(latency.max),
      cpu === undefined || orders === 0
        ? '-'
        : `${n1(cpu.cloud / orders)} / ${n1(cpu.api / orders)} / ${n1(cpu.dynamoDb / orders)}`,
      note,
    ];
    const openRow = (phase: OpenPhase) =>
      phaseRow(
        phase.name,
        `${phase.rate > 0 ? `${phase.rate}/s offered, ` : ''}${n1(phase.created / (phase.result.elapsedMs / 1000))}/s done`,
        phase.latency,
        phase.window.cpu,
        phase.created,
        Object.entries(phase.outcomes)
          .map(([outcome, n]) => `${outcome} ${n}`)
          .join(', '),
      );
    say(
      formatTable(
        ['phase', 'rate', 'p50 ms', 'p99 ms', 'max ms', 'CPU ms/order cloud/API/DDB', 'outcomes'],
        [
          phaseRow(
            `1 ceiling (c=${settings.connections})`,
            `${n1(ceilingStats.rate)} tx/s`,
            ceilingStats,
            undefined,
            0,
            `failures: ${failures(ceiling)}`,
          ),
          phaseRow(
            `2 POST while sagas run (c=${settings.connections})`,
            `${n1(withSagasStats.rate)} req/s`,
            withSagasStats,
            withSagasUsage.cpu,
            withSagas.ok,
            `failures: ${failures(withSagas)}; backlog drained in ${n1(drainSeconds)} s`,
          ),
          openRow(low),
          openRow(goal),
          ...saturationSteps.map(openRow),
          ...(burst === undefined ? [] : [openRow(burst)]),
          phaseRow(
            `6 POST alone (c=${settings.connections})`,
            `${n1(aloneStats.rate)} req/s`,
            aloneStats,
            aloneUsage.cpu,
            alone.ok,
            `failures: ${failures(alone)}; ${disabled} rules off`,
          ),
        ],
      ),
    );

    const counted = perOrderRows(low);
    say();
    say(`Calls per order by operation (open loop ${settings.rateLow}/s, ${low.created} orders, background subtracted)`);
    say(
      formatTable(
        ['service', 'operation', 'origin', 'calls', 'items', 'WRU', 'RRU'],
        callsByOperation(counted.perOrder).map((entry) => [
          entry.service,
          entry.operation,
          entry.origin,
          n2(entry.calls),
          n2(entry.items),
          n2(entry.writeUnits),
          n2(entry.readUnits),
        ]),
      ),
    );
    say();
    say(
      formatTable(
        ['function', 'invocations', 'ms each', 'timeouts'],
        [...counted.perOrder.functions]
          .filter((entry) => entry.invocations >= 0.005)
          .sort((a, b) => b.invocations - a.invocations)
          .map((entry) => [
            entry.function,
            n2(entry.invocations),
            formatNumber(entry.durationMs / Math.max(entry.invocations, Number.EPSILON)),
            n2(entry.timeouts),
          ]),
      ),
    );
    const u = counted.usage;
    say(
      `per order: ${n1(u.awsCalls)} AWS calls, DynamoDB ${n1(u.dynamoDbWriteCalls)} write calls / ${n1(u.dynamoDbWriteItems)} items written / ${n1(u.dynamoDbReadCalls)} reads, ${n1(u.eventsPublished)} events published -> ${n1(u.eventDeliveries)} deliveries, ${n1(u.lambdaInvocations)} invocations, ${n1(u.transitions)} transitions, X-Ray ${n1(u.xraySegments)} segments in ${n2(u.xrayTraces)} traces`,
    );
    const background = context.background === undefined ? undefined : summarizeUsage(context.background);
    say(
      background === undefined
        ? 'background NOT subtracted: the cloud was never idle after the warm-up'
        : `background subtracted (the cloud idle, per second): ${n2(background.awsCalls)} AWS calls, ${n2(background.lambdaInvocations)} invocations`,
    );
    say();
    say(`Cost per 1M orders, AWS list prices us-east-1 (docs/bench.md), from the counts at ${settings.rateLow}/s`);
    say(
      formatTable(
        ['item', 'units/order', 'USD per 1M orders'],
        counted.cost.lines
          .filter((line) => line.units > 0)
          .map((line) => [line.item, formatNumber(line.units, 3), n2(line.usdPerMillion)]),
      ),
    );
    say(`total: $${n2(counted.cost.total)} per 1M orders`);

    const goalCpuOrders = Math.max(1, goal.created);
    const burstTimeouts =
      burst === undefined ? Number.NaN : burst.window.usage.functions.reduce((sum, entry) => sum + entry.timeouts, 0);
    const burstRepublished = burst === undefined ? Number.NaN : burst.window.usage.events.republished;
    const goals: [Goal, number, string][] = [
      [
        { name: 'DynamoDB items written per order', direction: 'at-most', target: 12, unit: 'items' },
        u.dynamoDbWriteItems,
        `${n1(u.dynamoDbWriteCalls)} write calls`,
      ],
      [
        { name: 'AWS calls per order', direction: 'at-most', target: 40, unit: 'calls' },
        u.awsCalls,
        `+ ${n1(u.xraySegments)} X-Ray segments`,
      ],
      [
        { name: 'cost per 1M orders', direction: 'at-most', target: 50, unit: 'USD' },
        counted.cost.total,
        `of which Lambda GB-s $${n1(counted.cost.lines.find((line) => line.item.startsWith('Lambda: GB'))?.usdPerMillion ?? 0)} (local wall time)`,
      ],
      [
        { name: 'POST alone / ceiling (c=8)', direction: 'at-least', target: 0.8, unit: 'x' },
        aloneStats.rate / ceilingStats.rate,
        `${n1(aloneStats.rate)} vs ${n1(ceilingStats.rate)} /s`,
      ],
      [
        { name: 'POST alone p99', direction: 'at-most', target: 20, unit: 'ms' },
        aloneStats.p99,
        `p50 ${formatNumber(aloneStats.p50)} ms`,
      ],
      [
        { name: 'POST while sagas run / POST alone', direction: 'at-least', target: 0.5, unit: 'x' },
        withSagasStats.rate / aloneStats.rate,
        `${n1(withSagasStats.rate)} req/s, p50 ${formatNumber(withSagasStats.p50)} ms`,
      ],
      [
        { name: `end to end p50 at ${settings.rateGoal}/s`, direction: 'at-most', target: 150, unit: 'ms' },
        goal.latency.p50,
        `at ${settings.rateLow}/s: ${formatNumber(low.latency.p50)} ms`,
      ],
      [
        { name: `end to end p99 at ${settings.rateGoal}/s`, direction: 'at-most', target: 300, unit: 'ms' },
        goal.latency.p99,
        `at ${settings.rateLow}/s: ${formatNumber(low.latency.p99)} ms`,
      ],
      [
        { name: 'local saturation', direction: 'at-least', target: 25, unit: 'orders/s' },
        settings.saturation ? saturation : Number.NaN,
        'sustained: all terminal, no latency growth through the step',
      ],
      [
        { name: `burst of ${settings.burst}: Lambda timeouts`, direction: 'at-most', target: 0, unit: '' },
        burstTimeouts,
        burst === undefined ? 'skipped' : `p99 ${formatNumber(burst.latency.p99)} ms`,
      ],
      [
        { name: `burst of ${settings.burst}: events published twice`, direction: 'at-most', target: 0, unit: '' },
        burstRepublished,
        burst === undefined ? 'skipped' : `${formatNumber(burst.window.usage.events.published)} published`,
      ],
    ];
    say();
    say('Goals of issue 18');
    say(
      formatTable(
        ['figure', 'goal', 'measured', 'ratio', 'verdict', 'note'],
        goals.map(([goalSpec, measured, note]) => verdictRow(judge(goalSpec, measured), note)),
      ),
    );
    say(
      `CPU per order at ${settings.rateGoal}/s: cloud ${n1(goal.window.cpu.cloud / goalCpuOrders)} ms, API ${n1(goal.window.cpu.api / goalCpuOrders)} ms, DynamoDB Local ${n1(goal.window.cpu.dynamoDb / goalCpuOrders)} ms`,
    );
    say(`total ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
  } finally {
    await load?.stop();
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
