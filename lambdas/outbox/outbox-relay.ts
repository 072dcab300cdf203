/**
 * Scheduled (rule `outbox-relay-schedule`): publishes the outbox records a direct publish could not (written only
 * when it failed, docs/decisions.md), oldest first, until drained or the run's time is up (core/orders/outbox-relay.ts).
 *
 * One run at a time: a lease item taken with a conditional write for the run's whole time budget (a run that dies
 * frees it when its budget ends), released at the end. Overlapping runs (a 1-minute schedule, a 60 s timeout) once
 * published the same records twice. A run killed mid-way (a crash of `npm start`, a Lambda sandbox lost) holds the
 * lease until its budget ends, up to a minute; the local start-up pass sends `{"takeOverLease": true}` — no run of
 * the previous process can still be alive — so the records a crash left pending go out at once. Parked records are counted in an Embedded Metric Format line
 * (`OutboxRecordsParked`, namespace RELAY_METRICS.namespace), which the observability module alarms on: no
 * PutMetricData call and no extra permission. At-least-once: consumers deduplicate on `detail.eventId`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { z } from 'zod';
import { orderEventPublisher } from '../../core/adapters/eventbridge-publisher';
import { ConfigValueInvalidError } from '../../core/config/env';
import { requiredEnv } from '../../core/config/env';
import type { Env } from '../../core/config/env';
import { DEFAULT_RELAY_MAX_ATTEMPTS, relayOutbox } from '../../core/orders/outbox-relay';
import type { RelayReport } from '../../core/orders/outbox-relay';
import type { EventPublisher, OrderOutbox, RelayLease } from '../../core/orders/ports';
import { RELAY_METRICS } from '../../core/platform/resources';
import { DynamoOutbox } from '../../core/store/dynamo-outbox';
import { DynamoWebhookStore } from '../../core/store/webhook-store';
import { WebhookSubscriptions } from '../../core/webhooks/fan-out-routing';
import type { LambdaContext } from '../shared/lambda-context';

/** What a run did; `skipped` when another run held the lease. */
export type RelayResult = RelayReport | { readonly skipped: true };

export interface RelayDeps {
  readonly outbox: OrderOutbox;
  readonly lease: RelayLease;
  readonly publisher: EventPublisher;
  readonly logger: Logger;
  /**
   * Records younger than this are left to their writer: a saga step's transaction writes its record before it
   * publishes and marks it sent (a failed direct publish writes its record only afterwards, so 0 would do for those).
   */
  readonly minAgeMs: number;
  readonly maxAttempts?: number;
  readonly pageSize?: number;
  readonly now?: () => Date;
}

/** The schedule's event carries nothing of this; the local start-up pass asks to take over a dead run's lease. */
const RelayEventSchema = z.object({ takeOverLease: z.literal(true).optional() }).passthrough();

/** Left of the function's time when the last page starts: room to finish it and release the lease. */
const FINISH_MARGIN_MS = 10_000;
/** The budget when the caller gives no context (tests, a manual call). */
const DEFAULT_BUDGET_MS = 60_000;

export const createRelayHandler = (deps: RelayDeps) => {
  const now = deps.now ?? (() => new Date());
  return async (event?: unknown, context?: Pick<LambdaContext, 'awsRequestId' | 'getRemainingTimeInMillis'>) => {
    const startedMs = now().getTime();
    const budgetMs = context?.getRemainingTimeInMillis() ?? DEFAULT_BUDGET_MS;
    const owner = context?.awsRequestId ?? ulid();
    // Taking over: any lease counts as expired.
    const takeOver = RelayEventSchema.safeParse(event ?? {}).data?.takeOverLease === true;
    if (!(await deps.lease.acquire(owner, startedMs + budgetMs, takeOver ? Number.MAX_SAFE_INTEGER : startedMs))) {
      deps.logger.info('outbox relay skipped: another run holds the lease');
      return { skipped: true } as const satisfies RelayResult;
    }
    try {
      const report = await relayOutbox(
        { outbox: deps.outbox, publisher: deps.publisher, log: deps.logger, now },
        {
          minAgeMs: deps.minAgeMs,
          maxAttempts: deps.maxAttempts ?? DEFAULT_RELAY_MAX_ATTEMPTS,
          pageSize: deps.pageSize ?? 100,
          deadlineMs: startedMs + Math.max(budgetMs - FINISH_MARGIN_MS, 0),
        },
      );
      if (report.published > 0 || report.failed > 0) deps.logger.info('outbox relay pass', { ...report });
      if (report.parked > 0) deps.logger.info('outbox records parked', parkedMetric(report.parked, now()));
      return report;
    } finally {
      await deps.lease.release(owner);
    }
  };
};

/**
 * An Embedded Metric Format record: CloudWatch Logs turns it into the metric the relay's alarm watches. The
 * dimension is the function's physical name, which the alarm derives from the same description.
 */
export const parkedMetric = (count: number, at: Date, functionName = process.env.AWS_LAMBDA_FUNCTION_NAME) => ({
  _aws: {
    Timestamp: at.getTime(),
    CloudWatchMetrics: [
      {
        Namespace: RELAY_METRICS.namespace,
        Dimensions: [[RELAY_METRICS.dimension]],
        Metrics: [{ Name: RELAY_METRICS.parked, Unit: 'Count' }],
      },
    ],
  },
  [RELAY_METRICS.dimension]: functionName ?? 'outbox-relay',
  [RELAY_METRICS.parked]: count,
});

const nonNegativeInteger = (env: Env, key: string, fallback: number): number => {
  const raw = env[key]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigValueInvalidError(key, `expected a non-negative integer, got ${JSON.stringify(raw)}`);
  return value;
};

const fromEnvironment = (env: Env) => {
  const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'outbox-relay' });
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const tableName = requiredEnv(env, 'TABLE_NAME');
  const outbox = new DynamoOutbox(documentClient, tableName);
  return createRelayHandler({
    outbox,
    lease: outbox,
    // A republished record is routed afresh: the registrations as they are now decide whether webhooks get it.
    publisher: orderEventPublisher(
      new EventBridgeClient({}),
      requiredEnv(env, 'EVENT_BUS_NAME'),
      new WebhookSubscriptions(new DynamoWebhookStore(documentClient, tableName)),
      logger,
    ),
    logger,
    minAgeMs: nonNegativeInteger(env, 'OUTBOX_MIN_AGE_MS', 5000),
    maxAttempts: Math.max(1, nonNegativeInteger(env, 'OUTBOX_MAX_ATTEMPTS', DEFAULT_RELAY_MAX_ATTEMPTS)),
  });
};

let configured: ReturnType<typeof createRelayHandler> | undefined;

/** The Lambda entry; configured from the environment on the first invocation, then reused. */
export const handler = async (event: unknown, context?: LambdaContext): Promise<RelayResult> => {
  configured ??= fromEnvironment(process.env);
  return configured(event, context);
};
