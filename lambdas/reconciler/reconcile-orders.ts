/**
 * Scheduled (rule `reconciler-schedule`, and once at local start-up): one pass of the order reconciler
 * (core/orders/reconciler.ts). Finds orders not terminal past RECONCILE_STALE_AFTER_SECONDS through the status
 * index and resumes each saga as `<orderId>-r<N>`; NEEDS_ATTENTION is left to the operator. The event may lower
 * the threshold (`{"staleAfterSeconds": 0}`): the local start-up pass does, since no execution survives a local
 * restart; a running execution is never raced whatever the threshold (the use case asks DescribeExecution). A
 * PENDING order it takes up gets its order.created published again (stable id; the outbox when the bus refuses).
 * The local start-up pass also sends `{"reannounceSinceSeconds": N}`: the events of orders created within N seconds
 * that ended (CONFIRMED, FAILED, NEEDS_ATTENTION) are published again, standing in for the step retries AWS would
 * have made of executions that died with the local process (core/orders/reconciler.ts, reannounceRecentEnds).
 * Needs Query on the table's index, StartExecution/DescribeExecution on the saga and PutEvents on the bus
 * (modules/functions.ts derives them from the function's `access` in core/platform/resources.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { z } from 'zod';
import { ClaimedSagaRunner } from '../../core/adapters/claimed-saga-runner';
import { orderEventPublisher } from '../../core/adapters/eventbridge-publisher';
import { ConfigValueInvalidError, requiredEnv } from '../../core/config/env';
import type { Env } from '../../core/config/env';
import { OrderService } from '../../core/orders/order-service';
import { reannounceRecentEnds, reconcileStaleOrders } from '../../core/orders/reconciler';
import type { ReconcileReport, ReconcilerDeps } from '../../core/orders/reconciler';
import { createDynamoStores } from '../../core/store/dynamo-stores';
import { DynamoSagaStartClaims } from '../../core/store/saga-start-claims';
import { DynamoStaleOrders } from '../../core/store/stale-orders';
import { DynamoWebhookStore } from '../../core/store/webhook-store';
import { WebhookSubscriptions } from '../../core/webhooks/fan-out-routing';
import type { LambdaContext } from '../shared/lambda-context';
import { captured, logger } from '../shared/powertools';

const positiveInteger = (env: Env, key: string): number => {
  const raw = requiredEnv(env, key);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigValueInvalidError(key, `expected a positive integer, got ${JSON.stringify(raw)}`);
  return value;
};

/** The pass as configured by the function's environment (TABLE_NAME, EVENT_BUS_NAME, STATE_MACHINE_ARN, RECONCILE_*). */
/** One pass; `reannounceSinceMs` (the local start-up's) also publishes again the events of recently ended orders. */
type Pass = (staleAfterMs?: number, budgetMs?: number, reannounceSinceMs?: number) => Promise<PassReport>;

/** The pass's report; `reannounced` only when the event asked for it. */
export type PassReport = ReconcileReport & { readonly reannounced?: number };

export const reconcilerFromEnvironment = (
  env: Env,
  clients: { readonly dynamo: DynamoDBClient; readonly sfn: SFNClient; readonly eventBridge: EventBridgeClient },
): Pass => {
  const tableName = requiredEnv(env, 'TABLE_NAME');
  const documentClient = DynamoDBDocumentClient.from(clients.dynamo, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const stores = createDynamoStores(documentClient, tableName);
  const finder = new DynamoStaleOrders(documentClient, tableName);
  // Only its announce methods are used: the order as stored, published through the bus or else the outbox.
  const announcer = new OrderService({
    orders: stores.orders,
    products: stores.products,
    outbox: stores.outbox,
    publisher: orderEventPublisher(
      clients.eventBridge,
      requiredEnv(env, 'EVENT_BUS_NAME'),
      new WebhookSubscriptions(new DynamoWebhookStore(documentClient, tableName)),
      logger,
    ),
    log: logger,
    newId: ulid,
  });
  const deps: ReconcilerDeps = {
    finder,
    runner: new ClaimedSagaRunner(
      clients.sfn,
      requiredEnv(env, 'STATE_MACHINE_ARN'),
      new DynamoSagaStartClaims(documentClient, tableName),
    ),
    announcer,
    log: logger,
    now: () => new Date(),
    staleAfterMs: positiveInteger(env, 'RECONCILE_STALE_AFTER_SECONDS') * 1000,
    maxAttempts: positiveInteger(env, 'RECONCILE_MAX_ATTEMPTS'),
    limitPerStatus: 100,
  };
  return async (staleAfterMs, budgetMs, reannounceSinceMs) => {
    const began = deps.now().getTime();
    const report = await reconcileStaleOrders({
      ...deps,
      ...(staleAfterMs === undefined ? {} : { staleAfterMs }),
      budgetMs,
    });
    if (reannounceSinceMs === undefined) return report;
    // What is left of the pass's budget, so the re-announcement cannot push the function into its timeout.
    const left = budgetMs === undefined ? undefined : Math.max(0, budgetMs - (deps.now().getTime() - began));
    const reannounced = await reannounceRecentEnds(
      { finder, announcer, log: logger, now: deps.now },
      reannounceSinceMs,
      REANNOUNCE_LIMIT_PER_STATUS,
      left,
    );
    return {
      ...report,
      reannounced: reannounced.announced,
      outOfTime: report.outOfTime || reannounced.outOfTime,
    };
  };
};

/** Ended orders per status the start-up re-announcement publishes at most, newest first (about a minute's worth at 10/s). */
const REANNOUNCE_LIMIT_PER_STATUS = 1000;

/** A schedule's event (EventBridge's Scheduled Event) carries no override; the start-up pass sends one. */
const PassEventSchema = z
  .object({
    staleAfterSeconds: z.number().int().min(0).optional(),
    reannounceSinceSeconds: z.number().int().min(1).max(3600).optional(),
  })
  .passthrough();

let configured: Pass | undefined;

/** Left of the function's time when a pass stops taking up orders: one resumption's calls on a slow day. */
const TIME_MARGIN_MS = 15_000;

/** The Lambda entry; configured on the first invocation, then reused. */
export const handler = async (
  event: unknown,
  context?: Pick<LambdaContext, 'getRemainingTimeInMillis'>,
): Promise<PassReport> => {
  configured ??= reconcilerFromEnvironment(process.env, {
    dynamo: captured(new DynamoDBClient({})),
    sfn: captured(new SFNClient({})),
    eventBridge: captured(new EventBridgeClient({})),
  });
  const parsed = PassEventSchema.safeParse(event ?? {});
  const staleAfterSeconds = parsed.success ? parsed.data.staleAfterSeconds : undefined;
  const reannounceSinceSeconds = parsed.success ? parsed.data.reannounceSinceSeconds : undefined;
  const remaining = context?.getRemainingTimeInMillis();
  const report = await configured(
    staleAfterSeconds === undefined ? undefined : staleAfterSeconds * 1000,
    remaining === undefined ? undefined : Math.max(0, remaining - TIME_MARGIN_MS),
    reannounceSinceSeconds === undefined ? undefined : reannounceSinceSeconds * 1000,
  );
  if (report.examined > 0) logger.info('reconciler pass', { ...report });
  return report;
};
