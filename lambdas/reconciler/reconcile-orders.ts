/**
 * Scheduled (rule `reconciler-schedule`, and once at local start-up): one pass of the order reconciler
 * (core/orders/reconciler.ts). Finds orders not terminal past RECONCILE_STALE_AFTER_SECONDS through the status
 * index and resumes each saga as `<orderId>-r<N>`; NEEDS_ATTENTION is left to the operator. The event may lower
 * the threshold (`{"staleAfterSeconds": 0}`): the local start-up pass does, since no execution survives a local
 * restart; a running execution is never raced whatever the threshold (the use case asks DescribeExecution). A
 * PENDING order it takes up gets its order.created published again (stable id; the outbox when the bus refuses).
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
import { reconcileStaleOrders } from '../../core/orders/reconciler';
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
export const reconcilerFromEnvironment = (
  env: Env,
  clients: { readonly dynamo: DynamoDBClient; readonly sfn: SFNClient; readonly eventBridge: EventBridgeClient },
): ((staleAfterMs?: number, budgetMs?: number) => Promise<ReconcileReport>) => {
  const tableName = requiredEnv(env, 'TABLE_NAME');
  const documentClient = DynamoDBDocumentClient.from(clients.dynamo, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const stores = createDynamoStores(documentClient, tableName);
  const deps: ReconcilerDeps = {
    finder: new DynamoStaleOrders(documentClient, tableName),
    runner: new ClaimedSagaRunner(
      clients.sfn,
      requiredEnv(env, 'STATE_MACHINE_ARN'),
      new DynamoSagaStartClaims(documentClient, tableName),
    ),
    // Only its announceCreated is used: the order as stored, published through the bus or else the outbox.
    announcer: new OrderService({
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
    }),
    log: logger,
    now: () => new Date(),
    staleAfterMs: positiveInteger(env, 'RECONCILE_STALE_AFTER_SECONDS') * 1000,
    maxAttempts: positiveInteger(env, 'RECONCILE_MAX_ATTEMPTS'),
    limitPerStatus: 100,
  };
  return (staleAfterMs, budgetMs) =>
    reconcileStaleOrders({ ...deps, ...(staleAfterMs === undefined ? {} : { staleAfterMs }), budgetMs });
};

/** A schedule's event (EventBridge's Scheduled Event) carries no override; the start-up pass sends one. */
const PassEventSchema = z.object({ staleAfterSeconds: z.number().int().min(0).optional() }).passthrough();

let configured: ((staleAfterMs?: number, budgetMs?: number) => Promise<ReconcileReport>) | undefined;

/** Left of the function's time when a pass stops taking up orders: one resumption's calls on a slow day. */
const TIME_MARGIN_MS = 15_000;

/** The Lambda entry; configured on the first invocation, then reused. */
export const handler = async (
  event: unknown,
  context?: Pick<LambdaContext, 'getRemainingTimeInMillis'>,
): Promise<ReconcileReport> => {
  configured ??= reconcilerFromEnvironment(process.env, {
    dynamo: captured(new DynamoDBClient({})),
    sfn: captured(new SFNClient({})),
    eventBridge: captured(new EventBridgeClient({})),
  });
  const parsed = PassEventSchema.safeParse(event ?? {});
  const staleAfterSeconds = parsed.success ? parsed.data.staleAfterSeconds : undefined;
  const remaining = context?.getRemainingTimeInMillis();
  const report = await configured(
    staleAfterSeconds === undefined ? undefined : staleAfterSeconds * 1000,
    remaining === undefined ? undefined : Math.max(0, remaining - TIME_MARGIN_MS),
  );
  if (report.examined > 0) logger.info('reconciler pass', { ...report });
  return report;
};
