/**
 * The arithmetic of `npm run bench` (scripts/bench.ts), pure so it is unit-tested: what an order used (the difference
 * of two snapshots of the local cloud's call counter, GET /_local/metrics, divided by the orders), what that costs at
 * AWS list prices (the table of docs/bench.md, us-east-1), the goals of issue 18 judged as ratios, and the arrival
 * times of an open-loop load.
 */
import type { MetricsSnapshot, OperationCount } from '@order-platform/local-cloud';

/** AWS list prices, us-east-1, USD, no free tier (sources and dates in docs/bench.md). */
export const PRICES = {
  /** Step Functions Standard, per state transition ($0.025 per 1,000). */
  standardTransition: 0.025 / 1_000,
  /** Step Functions Express, per request ($1.00 per million). */
  expressRequest: 1 / 1_000_000,
  /** Step Functions Express, per GB-second (first tier), memory billed in 64 MB chunks, duration in 100 ms. */
  expressGbSecond: 0.00001667,
  /** DynamoDB on-demand, per write request unit ($0.625 per million, since 2024-11-01). */
  dynamoDbWriteUnit: 0.625 / 1_000_000,
  /** DynamoDB on-demand, per read request unit ($0.125 per million). */
  dynamoDbReadUnit: 0.125 / 1_000_000,
  /** SQS standard, per request (each 64 KB chunk; $0.40 per million). */
  sqsRequest: 0.4 / 1_000_000,
  /** EventBridge, per custom event published (64 KB chunks; $1.00 per million); delivery to AWS targets is free. */
  eventBridgeEvent: 1 / 1_000_000,
  /** Lambda, per request ($0.20 per million). */
  lambdaRequest: 0.2 / 1_000_000,
  /** Lambda arm64, per GB-second. */
  lambdaGbSecondArm: 0.0000133334,
  /** X-Ray, per trace recorded ($5.00 per million). */
  xrayTrace: 5 / 1_000_000,
  /** S3 Standard, per PUT/COPY/POST/LIST ($0.005 per 1,000) and per GET and other ($0.0004 per 1,000). */
  s3Write: 0.005 / 1_000,
  s3Read: 0.0004 / 1_000,
  /** Secrets Manager, per API call ($0.05 per 10,000). */
  secretsCall: 0.05 / 10_000,
  /** SES, per email sent ($0.10 per 1,000): a product feature, priced but outside the goal's total. */
  sesEmail: 0.1 / 1_000,
} as const;

/** Express memory is billed in 64 MB chunks; the saga's payloads are a few KB, so one chunk. */
const EXPRESS_MEMORY_GB = 64 / 1024;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const operationKey = (entry: OperationCount): string => `${entry.origin} ${entry.service} ${entry.operation}`;

/** What happened between two snapshots of the same counter (counters only grow). */
export const snapshotDifference = (before: MetricsSnapshot, after: MetricsSnapshot): MetricsSnapshot => {
  const earlier = new Map(before.operations.map((entry) => [operationKey(entry), entry]));
  const operations = after.operations
    .map((entry) => {
      const old = earlier.get(operationKey(entry));
      return {
        ...entry,
        calls: entry.calls - (old?.calls ?? 0),
        items: entry.items - (old?.items ?? 0),
        writeUnits: entry.writeUnits - (old?.writeUnits ?? 0),
        readUnits: entry.readUnits - (old?.readUnits ?? 0),
      };
    })
    .filter((entry) => entry.calls > 0);
  const earlierFunctions = new Map(before.functions.map((entry) => [entry.function, entry]));
  const functions = after.functions
    .map((entry) => {
      const old = earlierFunctions.get(entry.function);
      return {
        ...entry,
        invocations: entry.invocations - (old?.invocations ?? 0),
        durationMs: entry.durationMs - (old?.durationMs ?? 0),
        errors: entry.errors - (old?.errors ?? 0),
        timeouts: entry.timeouts - (old?.timeouts ?? 0),
      };
    })
    .filter((entry) => entry.invocations > 0);
  const earlierMachines = new Map(before.stateMachines.map((entry) => [entry.stateMachine, entry]));
  const stateMachines = after.stateMachines
    .map((entry) => {
      const old = earlierMachines.get(entry.stateMachine);
      return {
        ...entry,
        executions: entry.executions - (old?.executions ?? 0),
        transitions: entry.transitions - (old?.transitions ?? 0),
        durationMs: entry.durationMs - (old?.durationMs ?? 0),
        billedDurationMs: entry.billedDurationMs - (old?.billedDurationMs ?? 0),
      };
    })
    .filter((entry) => entry.executions > 0 || entry.transitions > 0);
  const deliveries: Record<string, number> = {};
  for (const [service, count] of Object.entries(after.events.deliveries)) {
    const difference = count - (before.events.deliveries[service] ?? 0);
    if (difference > 0) deliveries[service] = difference;
  }
  return {
    at: after.at,
    operations,
    functions,
    stateMachines,
    xray: { segments: after.xray.segments - before.xray.segments, traces: after.xray.traces - before.xray.traces },
    events: {
      published: after.events.published - before.events.published,
      republished: after.events.republished - before.events.republished,
      deliveries,
    },
  };
};

/** Every count of a difference multiplied by `factor` (e.g. 1 / orders, or minus a background rate times seconds). */
export const scaleDifference = (difference: MetricsSnapshot, factor: number): MetricsSnapshot => ({
  ...difference,
  operations: difference.operations.map((entry) => ({
    ...entry,
    calls: entry.calls * factor,
    items: entry.items * factor,
    writeUnits: entry.writeUnits * factor,
    readUnits: entry.readUnits * factor,
  })),
  functions: difference.functions.map((entry) => ({
    ...entry,
    invocations: entry.invocations * factor,
    durationMs: entry.durationMs * factor,
    errors: entry.errors * factor,
    timeouts: entry.timeouts * factor,
  })),
  stateMachines: difference.stateMachines.map((entry) => ({
    ...entry,
    executions: entry.executions * factor,
    transitions: entry.transitions * factor,
    durationMs: entry.durationMs * factor,
    billedDurationMs: entry.billedDurationMs * factor,
  })),
  xray: { segments: difference.xray.segments * factor, traces: difference.xray.traces * factor },
  events: {
    published: difference.events.published * factor,
    republished: difference.events.republished * factor,
    deliveries: Object.fromEntries(
      Object.entries(difference.events.deliveries).map(([service, count]) => [service, count * factor]),
    ),
  },
});

/**
 * `phase` less what the cloud does on its own in that time (schedules: locally the outbox relay every 2 s and the
 * reconciler every 5 s, in AWS every minute, so a cost per hour, not per order), never below zero.
 */
export const withoutBackground = (
  phase: MetricsSnapshot,
  backgroundPerSecond: MetricsSnapshot,
  seconds: number,
): MetricsSnapshot => {
  const background = scaleDifference(backgroundPerSecond, seconds);
  const subtract = (a: number, b: number | undefined) => Math.max(0, a - (b ?? 0));
  const operations = new Map(background.operations.map((entry) => [operationKey(entry), entry]));
  const functions = new Map(background.functions.map((entry) => [entry.function, entry]));
  const machines = new Map(background.stateMachines.map((entry) => [entry.stateMachine, entry]));
  return {
    ...phase,
    operations: phase.operations.map((entry) => {
      const other = operations.get(operationKey(entry));
      return {
        ...entry,
        calls: subtract(entry.calls, other?.calls),
        items: subtract(entry.items, other?.items),
        writeUnits: subtract(entry.writeUnits, other?.writeUnits),
        readUnits: subtract(entry.readUnits, other?.readUnits),
      };
    }),
    functions: phase.functions.map((entry) => {
      const other = functions.get(entry.function);
      return {
        ...entry,
        invocations: subtract(entry.invocations, other?.invocations),
        durationMs: subtract(entry.durationMs, other?.durationMs),
      };
    }),
    stateMachines: phase.stateMachines.map((entry) => {
      const other = machines.get(entry.stateMachine);
      return {
        ...entry,
        executions: subtract(entry.executions, other?.executions),
        transitions: subtract(entry.transitions, other?.transitions),
        durationMs: subtract(entry.durationMs, other?.durationMs),
        billedDurationMs: subtract(entry.billedDurationMs, other?.billedDurationMs),
      };
    }),
    xray: {
      segments: subtract(phase.xray.segments, background.xray.segments),
      traces: subtract(phase.xray.traces, background.xray.traces),
    },
  };
};

/** The headline counts of a (per-order) difference. */
export interface UsageSummary {
  readonly dynamoDbWriteCalls: number;
  readonly dynamoDbWriteItems: number;
  readonly dynamoDbReadCalls: number;
  /**
   * AWS calls of any kind: every request a service bills or meters (DynamoDB, SQS including EventBridge's and the
   * event source mappings' requests, PutEvents, Step Functions API calls and starts, S3, SES, Secrets Manager,
   * Cognito) plus Lambda invocations; X-Ray segments are counted apart (they go to the daemon, not to an API).
   */
  readonly awsCalls: number;
  readonly lambdaInvocations: number;
  readonly transitions: number;
  readonly eventsPublished: number;
  readonly eventDeliveries: number;
  readonly xraySegments: number;
  readonly xrayTraces: number;
}

const DYNAMODB_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const DYNAMODB_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** Whether an operation is an AWS call in the sense of UsageSummary.awsCalls. */
const isAwsCall = (entry: OperationCount): boolean =>
  entry.service !== 'xray' && !(entry.service === 'lambda' && entry.operation === 'Invoke');

export const summarizeUsage = (usage: MetricsSnapshot): UsageSummary => {
  const sum = (entries: readonly OperationCount[], field: 'calls' | 'items') =>
    entries.reduce((total, entry) => total + entry[field], 0);
  const dynamo = usage.operations.filter((entry) => entry.service === 'dynamodb');
  const writes = dynamo.filter((entry) => DYNAMODB_WRITES.has(entry.operation));
  const lambdaInvocations = usage.functions.reduce((total, entry) => total + entry.invocations, 0);
  return {
    dynamoDbWriteCalls: sum(writes, 'calls'),
    dynamoDbWriteItems: sum(writes, 'items'),
    dynamoDbReadCalls: sum(
      dynamo.filter((entry) => DYNAMODB_READS.has(entry.operation)),
      'calls',
    ),
    awsCalls: sum(usage.operations.filter(isAwsCall), 'calls') + lambdaInvocations,
    lambdaInvocations,
    transitions: usage.stateMachines.reduce((total, entry) => total + entry.transitions, 0),
    eventsPublished: usage.events.published,
    eventDeliveries: Object.values(usage.events.deliveries).reduce((total, count) => total + count, 0),
    xraySegments: usage.xray.segments,
    xrayTraces: usage.xray.traces,
  };
};

export interface CostLine {
  readonly item: string;
  /** Units per order (transitions, request units, requests, GB-seconds, traces). */
  readonly units: number;
  /** USD per million orders. */
  readonly usdPerMillion: number;
  /** False for lines priced for information but outside the goal's total (SES emails). */
  readonly inTotal: boolean;
}

/** The cost per million orders of a per-order usage, line by line, at PRICES. */
export const costPerMillionOrders = (perOrder: MetricsSnapshot): { lines: CostLine[]; total: number } => {
  const ops = (predicate: (entry: OperationCount) => boolean) => perOrder.operations.filter(predicate);
  const sum = (entries: readonly OperationCount[], field: 'calls' | 'items' | 'writeUnits' | 'readUnits') =>
    entries.reduce((total, entry) => total + entry[field], 0);
  const standard = perOrder.stateMachines.filter((entry) => entry.type !== 'EXPRESS');
  const express = perOrder.stateMachines.filter((entry) => entry.type === 'EXPRESS');
  const transitions = standard.reduce((total, entry) => total + entry.transitions, 0);
  const expressRequests = express.reduce((total, entry) => total + entry.executions, 0);
  const expressGbSeconds = express.reduce(
    (total, entry) => total + (entry.billedDurationMs / 1000) * EXPRESS_MEMORY_GB,
    0,
  );
  const dynamo = ops((entry) => entry.service === 'dynamodb');
  const invocations = perOrder.functions.reduce((total, entry) => total + entry.invocations, 0);
  const lambdaGbSeconds = perOrder.functions.reduce(
    (total, entry) => total + (entry.durationMs / 1000) * (entry.memoryMb / 1024),
    0,
  );
  const s3 = ops((entry) => entry.service === 's3');
  const s3Writes = sum(
    s3.filter((entry) => entry.operation === 'PutObject' || entry.operation === 'PostObject'),
    'calls',
  );
  const line = (item: string, units: number, unitPrice: number, inTotal = true): CostLine => ({
    item,
    units,
    usdPerMillion: units * unitPrice * 1_000_000,
    inTotal,
  });
  const lines = [
    line('Step Functions Standard: transitions', transitions, PRICES.standardTransition),
    line('Step Functions Express: requests', expressRequests, PRICES.expressRequest),
    line('Step Functions Express: GB-seconds', expressGbSeconds, PRICES.expressGbSecond),
    line('DynamoDB: write request units', sum(dynamo, 'writeUnits'), PRICES.dynamoDbWriteUnit),
    line('DynamoDB: read request units', sum(dynamo, 'readUnits'), PRICES.dynamoDbReadUnit),
    line(
      'SQS: requests',
      sum(
        ops((entry) => entry.service === 'sqs'),
        'calls',
      ),
      PRICES.sqsRequest,
    ),
    line('EventBridge: events published', perOrder.events.published, PRICES.eventBridgeEvent),
    line('Lambda: requests', invocations, PRICES.lambdaRequest),
    line('Lambda: GB-seconds (arm64)', lambdaGbSeconds, PRICES.lambdaGbSecondArm),
    line('X-Ray: traces recorded', perOrder.xray.traces, PRICES.xrayTrace),
    line('S3: PUT requests', s3Writes, PRICES.s3Write),
    line('S3: GET and other requests', sum(s3, 'calls') - s3Writes, PRICES.s3Read),
    line(
      'Secrets Manager: API calls',
      sum(
        ops((entry) => entry.service === 'secretsmanager'),
        'calls',
      ),
      PRICES.secretsCall,
    ),
    line(
      'SES: emails sent (not in the total)',
      sum(
        ops((entry) => entry.service === 'ses' && entry.operation === 'SendEmail'),
        'calls',
      ),
      PRICES.sesEmail,
      false,
    ),
  ];
  return { lines, total: lines.reduce((total, entry) => total + (entry.inTotal ? entry.usdPerMillion : 0), 0) };
};

/** Calls per order by service and operation, the biggest first, for the printed table. */
export const callsByOperation = (perOrder: MetricsSnapshot): Mutable<OperationCount>[] =>
  [...perOrder.operations].sort((a, b) => b.calls - a.calls || operationKey(a).localeCompare(operationKey(b)));

export interface Goal {
  readonly name: string;
  /** `at-most`: the measurement must not exceed the target; `at-least`: it must reach it. */
  readonly direction: 'at-most' | 'at-least';
  readonly target: number;
  readonly unit: string;
}

export interface Verdict {
  readonly goal: Goal;
  readonly measured: number;
  /** measured / target; NaN when there is no measurement. */
  readonly ratio: number;
  readonly pass: boolean;
}

/** Judges a measurement against a goal; a missing measurement (NaN) fails. */
export const judge = (goal: Goal, measured: number): Verdict => {
  const ratio = goal.target === 0 ? (measured === 0 ? 1 : Number.POSITIVE_INFINITY) : measured / goal.target;
  const pass =
    Number.isFinite(measured) && (goal.direction === 'at-most' ? measured <= goal.target : measured >= goal.target);
  return { goal, measured, ratio: Number.isFinite(measured) ? ratio : Number.NaN, pass };
};

/** Offsets (ms from the start) of an open-loop load: `rate` arrivals per second, evenly spaced, for `seconds`. */
export const openLoopArrivals = (rate: number, seconds: number): number[] => {
  if (!(rate > 0) || !(seconds > 0)) return [];
  const count = Math.round(rate * seconds);
  return Array.from({ length: count }, (_, index) => (index * 1000) / rate);
};

/** A rate rounded to half an order per second, the search's step. */
const halfSteps = (rate: number): number => Math.max(0.5, Math.round(rate * 2) / 2);

/**
 * The next rate of a saturation search: up by `factor` while every step is sustained; after the first step that is
 * not, the midpoint between the best sustained rate (0 when none) and the lowest failed one, until the gap is within
 * `resolution` of the failed rate (answers undefined: the search is over). Rates are multiples of 0.5/s.
 */
export const nextSaturationRate = (
  steps: readonly { readonly rate: number; readonly sustained: boolean }[],
  options: { readonly start: number; readonly factor: number; readonly max: number; readonly resolution: number },
): number | undefined => {
  if (steps.length === 0) return options.start;
  const best = Math.max(0, ...steps.filter((step) => step.sustained).map((step) => step.rate));
  const failed = steps.filter((step) => !step.sustained).map((step) => step.rate);
  if (failed.length === 0)
    return best >= options.max ? undefined : Math.min(options.max, halfSteps(best * options.factor));
  const lowestFailed = Math.min(...failed);
  if (lowestFailed - best <= Math.max(0.5, options.resolution * lowestFailed)) return undefined;
  const next = halfSteps((best + lowestFailed) / 2);
  return next === best || next === lowestFailed ? undefined : next;
};

/**
 * Whether an open-loop step was sustained, i.e. left no backlog: every order reached a terminal status and the last
 * third of the arrivals did not wait much longer than the first third (median within 1.5x + 250 ms). A backlog makes
 * every later order wait for the ones before it, so its latency grows through the step; a slow machine alone does not.
 */
export const isSustained = (samples: readonly { readonly sentAt: number; readonly endToEndMs?: number }[]): boolean => {
  if (samples.length === 0 || samples.some((sample) => sample.endToEndMs === undefined)) return false;
  const ordered = [...samples].sort((a, b) => a.sentAt - b.sentAt).map((sample) => sample.endToEndMs as number);
  const third = Math.max(1, Math.floor(ordered.length / 3));
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? 0;
  return median(ordered.slice(-third)) <= 1.5 * median(ordered.slice(0, third)) + 250;
};
