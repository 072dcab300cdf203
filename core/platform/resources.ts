/**
 * The one description of the platform's AWS resources, as plain typed data.
 *
 * Read by both runtimes:
 *  - modules/ (CDKTF) turns it into Terraform: physical names get the stage prefix, references become ARNs;
 *  - the local cloud's glue (scripts/local-platform/) turns it into local tables, queues, rules, the state machine
 *    and function bindings for the local cloud package (local/).
 * modules/platform-stack.test.ts ("agreement with core/platform/resources.ts") and scripts/local-platform/cloud.int.test.ts check each
 * runtime against this file.
 *
 * Names here are logical (kebab-case). `physicalName(prefix, name)` is the only place a physical name is made.
 * Nothing in this file imports an SDK, cdktf or the local cloud.
 *
 * Event consumers are data too: one entry in `consumers` (written by `npm run new:consumer`, scripts/new-consumer.ts)
 * becomes its function, its queue with the DLQ (and so the DLQ's alarm), its rule on the bus and its IAM, through the
 * same lists every other resource is in; nothing else names them.
 */
import {
  type DeliveryPolicySettings,
  deliveryPolicyEnvironment,
  STANDARD_WEBHOOKS_SCHEDULE,
} from '../webhooks/delivery-policy';

/** A value an environment variable takes from another resource, resolved by each runtime. */
export type ResourceRef =
  | { readonly table: TableName }
  | { readonly bucket: BucketName }
  | { readonly bus: BusName }
  | { readonly queueUrl: string }
  | { readonly stateMachineArn: string }
  | { readonly secretArn: SecretName }
  /** The id of the platform's Cognito user pool (the only one: `customers`). */
  | { readonly userPoolId: 'customers' }
  | { readonly literal: string };

export interface FunctionSpec {
  readonly name: string;
  readonly description: string;
  /** Source file, relative to the repository root, exporting `handler`. Bundled per function by scripts/. */
  readonly entry: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Extra environment beyond the common one (POWERTOOLS_SERVICE_NAME, TABLE_NAME, EVENT_BUS_NAME). */
  readonly environment?: Readonly<Record<string, ResourceRef>>;
  /** What the function may do, by resource; the CDKTF module derives least-privilege IAM from this. */
  readonly access?: FunctionAccess;
  /** Folders the code reads at run time, copied into the bundle at `to` (beside index.js). */
  readonly bundleAssets?: readonly { readonly from: string; readonly to: string }[];
}

export interface FunctionAccess {
  readonly tables?: readonly TableName[];
  readonly buses?: readonly BusName[];
  readonly buckets?: readonly BucketName[];
  readonly queues?: readonly string[];
  readonly stateMachines?: readonly string[];
  /** Read the executions of those state machines (states:DescribeExecution): whether one still runs. */
  readonly describeExecutions?: boolean;
  readonly secrets?: readonly SecretName[];
  readonly sendEmail?: boolean;
  /** Look customers up in the user pool (their email address): cognito-idp:AdminGetUser on the pool. */
  readonly readUsers?: boolean;
}

export interface QueueSpec {
  readonly name: string;
  readonly description: string;
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  readonly delaySeconds: number;
  /** Every processing queue has a dead-letter queue; its name is `${name}-dlq`. */
  readonly deadLetter: { readonly maxReceiveCount: number; readonly messageRetentionSeconds: number };
  /** The Lambda that consumes the queue through an SQS event source mapping. */
  readonly consumer?: {
    readonly function: FunctionName;
    readonly batchSize: number;
    readonly maximumBatchingWindowSeconds: number;
    /** Always true for our processors: they answer `batchItemFailures`. */
    readonly reportBatchItemFailures: true;
  };
}

export type EventPattern = Readonly<Record<string, unknown>>;

export type RuleTarget =
  | {
      readonly id: string;
      readonly kind: 'stepfunctions';
      readonly stateMachine: StateMachineName;
      readonly inputPath?: string;
    }
  | { readonly id: string; readonly kind: 'sqs'; readonly queue: QueueName; readonly inputPath?: string }
  | { readonly id: string; readonly kind: 'lambda'; readonly function: FunctionName; readonly inputPath?: string };

export interface RuleSpec {
  readonly name: string;
  readonly description: string;
  /** Event-pattern rules live on the platform bus; AWS runs schedule rules only on the `default` bus. */
  readonly bus: BusName | 'default';
  /** An EventBridge event pattern, or a schedule such as `rate(1 minute)`. Exactly one is set. */
  readonly eventPattern?: EventPattern;
  readonly schedule?: string;
  /** Locally a schedule runs this often instead (seconds), so demos and tests need not wait a minute. */
  readonly localScheduleSeconds?: number;
  readonly targets: readonly RuleTarget[];
}

export interface StateMachineSpec {
  readonly name: string;
  readonly description: string;
  /** The ASL file, relative to the repository root, deployed and executed as is. */
  readonly definitionFile: string;
  /** `${Placeholder}` in the ASL -> the function whose ARN replaces it. */
  readonly functionArns: Readonly<Record<string, FunctionName>>;
  readonly timeoutSeconds: number;
}

export interface TableSpec {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly globalSecondaryIndexes: readonly {
    readonly name: string;
    readonly partitionKey: string;
    readonly sortKey: string;
    /**
     * What the index holds besides its keys. KEYS_ONLY: a write that leaves the index's keys as they are does not
     * write the index at all (an index projecting ALL is rewritten on every change of the item, at the item's
     * size); a query reads the items after (core/store/hydrate.ts). docs/decisions.md, "indexes that hold keys only".
     */
    readonly projection: 'KEYS_ONLY' | 'ALL';
  }[];
  readonly ttlAttribute: string;
  readonly stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';
}

export interface BucketSpec {
  readonly name: string;
  readonly description: string;
  /** Objects expire after this many days. */
  readonly expireAfterDays: number;
}

export interface BusSpec {
  readonly name: string;
  readonly archiveRetentionDays: number;
}

export interface SecretSpec {
  readonly name: string;
  readonly description: string;
}

/**
 * A consumer of the platform's own events: a function fed by its own queue (with a DLQ), which its own rule on the
 * platform bus fills with the event types it names. `functions`, `queues` and `rules` below derive the three specs from
 * each entry, with derived names: function and queue `<name>`, DLQ `<name>-dlq`, rule `events-to-<name>`.
 */
export interface ConsumerSpec {
  /** kebab-case, at most 40 characters (the longest physical name it makes must fit AWS's 64), not ending in -dlq. */
  readonly name: string;
  readonly description: string;
  /** detail-types of events with source ORDER_EVENT_SOURCE; each a published contract (core/events/contracts.ts). */
  readonly events: readonly string[];
  /** Source file exporting `handler`, relative to the repository root: lambdas/consumers/<name>.ts. */
  readonly entry: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Receives of a failing message before it moves to the DLQ. */
  readonly maxReceiveCount: number;
  /** What the function may do beyond consuming its queue (the table for its idempotency records, at least). */
  readonly access: FunctionAccess;
  readonly environment?: Readonly<Record<string, ResourceRef>>;
}

const minute = 60;
const day = 24 * 60 * minute;

/**
 * Webhook delivery as the Standard Webhooks guidance describes it: its example schedule (10 attempts over 75.6 h),
 * a breaker that opens after 5 consecutive failures and probes after 1 min, doubling to 1 h, and a delivery given up
 * after 4 days however often it was paused. Stages override it (modules/stage-config.ts); docs/decisions.md has why.
 */
export const WEBHOOK_DELIVERY_DEFAULTS = {
  retrySchedule: STANDARD_WEBHOOKS_SCHEDULE,
  breakerThreshold: 5,
  breakerCooldown: '1m,1h',
  maxDeliveryAge: '4d',
} as const satisfies DeliveryPolicySettings;

/** webhook-deliveries' maxReceiveCount: above maxReceivesBound of every stage's policy (resources.test.ts checks). */
export const WEBHOOK_DELIVERIES_MAX_RECEIVES = 150;

export const tables = [
  {
    name: 'orders',
    partitionKey: 'PK',
    sortKey: 'SK',
    globalSecondaryIndexes: [
      { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK', projection: 'KEYS_ONLY' },
      { name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK', projection: 'KEYS_ONLY' },
      { name: 'GSI3', partitionKey: 'GSI3PK', sortKey: 'GSI3SK', projection: 'KEYS_ONLY' },
    ],
    ttlAttribute: 'expiresAt',
  },
] as const satisfies readonly TableSpec[];

export const buses = [{ name: 'orders', archiveRetentionDays: 30 }] as const satisfies readonly BusSpec[];

export const buckets = [
  { name: 'receipts', description: 'PDF receipts at receipts/{orderId}.pdf', expireAfterDays: 365 },
] as const satisfies readonly BucketSpec[];

export const secrets = [
  { name: 'partner-secrets', description: 'Partner ingest signing secrets (whsec_), a JSON map partnerId -> secret' },
] as const satisfies readonly SecretSpec[];

type TableName = (typeof tables)[number]['name'];
type BusName = (typeof buses)[number]['name'];
type BucketName = (typeof buckets)[number]['name'];
type SecretName = (typeof secrets)[number]['name'];

/**
 * The event consumers, one entry each (scripts/new-consumer.ts appends to this list; edit an entry freely after).
 * Its function, queue and rule join `functions`, `queues` and `rules` below.
 */
export const consumers = [
  {
    name: 'loyalty-points',
    description:
      'loyalty points for customers, awarded on order.confirmed and taken back on order.failed (after its refund)',
    events: ['order.confirmed', 'order.failed'],
    entry: 'lambdas/consumers/loyalty-points.ts',
    timeoutSeconds: 10,
    memoryMb: 256,
    maxReceiveCount: 5,
    // The table: the customers' loyalty entries (core/store/dynamo-loyalty-ledger.ts).
    access: { tables: ['orders'] },
  },
] as const satisfies readonly ConsumerSpec[];
const consumerSpecs: readonly ConsumerSpec[] = consumers;

/** The name of a consumer's rule, which sends its event types from the platform's source to its queue. */
export const consumerRuleName = <const N extends string>(consumer: N): `events-to-${N}` => `events-to-${consumer}`;

const consumerFunction = <const C extends ConsumerSpec>(consumer: C) =>
  ({
    name: consumer.name as C['name'],
    description: `Consumer: ${consumer.description}`,
    entry: consumer.entry,
    timeoutSeconds: consumer.timeoutSeconds,
    memoryMb: consumer.memoryMb,
    access: consumer.access,
    ...(consumer.environment === undefined ? {} : { environment: consumer.environment }),
  }) satisfies FunctionSpec;

// Every saga step changes the order's status and publishes the event at once (the outbox relay is only the fallback).
const sagaStep = (
  name: string,
  description: string,
  entry: string,
  access: FunctionAccess = { tables: ['orders'], buses: ['orders'] },
): FunctionSpec => ({
  name,
  description,
  entry,
  timeoutSeconds: 10,
  memoryMb: 256,
  access,
});

export const functions = [
  {
    name: 'start-saga',
    description:
      'Starts one saga execution per order, named after the order id and claimed in the table, so a duplicate order.created starts nothing',
    entry: 'lambdas/saga/start-saga.ts',
    timeoutSeconds: 10,
    memoryMb: 256,
    environment: { STATE_MACHINE_ARN: { stateMachineArn: 'order-saga' } },
    // The table holds the claim on each execution name (core/store/saga-start-claims.ts).
    access: { tables: ['orders'], stateMachines: ['order-saga'] },
  },
  sagaStep('validate-order', 'Saga: validate the order against the catalog', 'lambdas/saga/validate-order.ts'),
  sagaStep(
    'reserve-inventory',
    'Saga: reserve stock for every line, all or nothing',
    'lambdas/saga/reserve-inventory.ts',
  ),
  sagaStep('charge-payment', 'Saga: authorise and capture the payment', 'lambdas/saga/charge-payment.ts'),
  sagaStep(
    'confirm-order',
    'Saga: mark the order confirmed and publish order.confirmed',
    'lambdas/saga/confirm-order.ts',
    { tables: ['orders'], buses: ['orders'] },
  ),
  sagaStep('refund-payment', 'Compensation: refund a captured payment', 'lambdas/saga/refund-payment.ts'),
  sagaStep('release-inventory', 'Compensation: release reserved stock', 'lambdas/saga/release-inventory.ts'),
  sagaStep(
    'mark-order-failed',
    'Compensation: mark the order failed with its reason and publish order.failed',
    'lambdas/saga/mark-order-failed.ts',
    { tables: ['orders'], buses: ['orders'] },
  ),
  sagaStep(
    'park-order',
    'Compensation failed: park the order for an operator and publish order.compensation_failed',
    'lambdas/saga/park-order.ts',
    { tables: ['orders'], buses: ['orders'] },
  ),
  {
    name: 'send-email',
    description: 'Processor: confirmation and failure emails through SES v2',
    entry: 'lambdas/processors/send-email.ts',
    timeoutSeconds: 20,
    memoryMb: 256,
    // EMAIL_FROM here is the local cloud's sender; in AWS it is the stage's emailSender, the SES identity the
    // function's sendEmail grant names (modules/functions.ts).
    environment: { EMAIL_FROM: { literal: 'orders@example.com' }, USER_POOL_ID: { userPoolId: 'customers' } },
    access: { tables: ['orders'], sendEmail: true, readUsers: true },
    bundleAssets: [{ from: 'core/notifications/templates', to: 'templates' }],
  },
  {
    name: 'generate-receipt',
    description: 'Processor: PDF receipt to S3',
    entry: 'lambdas/processors/generate-receipt.ts',
    timeoutSeconds: 30,
    memoryMb: 512,
    environment: { RECEIPTS_BUCKET: { bucket: 'receipts' } },
    access: { tables: ['orders'], buckets: ['receipts'] },
  },
  {
    name: 'fan-out-webhooks',
    description: 'Processor: one delivery message per subscribed endpoint of the owning customer',
    entry: 'lambdas/processors/fan-out-webhooks.ts',
    timeoutSeconds: 20,
    memoryMb: 256,
    environment: { WEBHOOK_DELIVERIES_QUEUE_URL: { queueUrl: 'webhook-deliveries' } },
    access: { tables: ['orders'], queues: ['webhook-deliveries'] },
  },
  {
    name: 'deliver-webhook',
    description:
      'Processor: signed Standard Webhooks delivery to one endpoint, retried over hours behind a per-endpoint circuit breaker',
    entry: 'lambdas/processors/deliver-webhook.ts',
    timeoutSeconds: 10,
    memoryMb: 256,
    // The retry schedule and breaker (core/webhooks/delivery-policy.ts); a stage may override them
    // (modules/stage-config.ts `webhookDelivery`).
    environment: {
      WEBHOOK_DEAD_LETTER_QUEUE_URL: { queueUrl: 'webhook-deliveries-dlq' },
      ...Object.fromEntries(
        Object.entries(deliveryPolicyEnvironment(WEBHOOK_DELIVERY_DEFAULTS)).map(([key, value]) => [
          key,
          { literal: value },
        ]),
      ),
    },
    // The table: endpoints, their health, the delivery records. The DLQ: a delivery given up is sent there by the
    // function itself, since a paused message's receive count says nothing about its attempts.
    access: { tables: ['orders'], queues: ['webhook-deliveries-dlq'] },
  },
  {
    name: 'ingest-partner-event',
    description: 'Partner ingestion: verify the signature, stamp partner.<id>, publish',
    entry: 'lambdas/ingest/ingest-partner-event.ts',
    timeoutSeconds: 10,
    memoryMb: 256,
    environment: { PARTNER_SECRETS_ARN: { secretArn: 'partner-secrets' } },
    // The table: the (partner, webhook-id) records that keep a replayed message from being published twice.
    access: { tables: ['orders'], buses: ['orders'], secrets: ['partner-secrets'] },
  },
  {
    name: 'outbox-relay',
    description:
      'Publishes the outbox records a direct publish could not, one run at a time (a lease), parking poison records',
    entry: 'lambdas/outbox/outbox-relay.ts',
    timeoutSeconds: 60,
    memoryMb: 256,
    // Entry-level refusals before a record is parked (and RELAY_METRICS.parked alarms).
    environment: { OUTBOX_MAX_ATTEMPTS: { literal: '10' } },
    access: { tables: ['orders'], buses: ['orders'] },
  },
  {
    name: 'reconciler',
    description: 'Resumes the saga of orders a crash or an outage left not terminal (core/orders/reconciler.ts)',
    entry: 'lambdas/reconciler/reconcile-orders.ts',
    timeoutSeconds: 60,
    memoryMb: 256,
    // 60 s: longer than a healthy saga takes; a saga still running is left alone anyway (DescribeExecution).
    environment: {
      STATE_MACHINE_ARN: { stateMachineArn: 'order-saga' },
      RECONCILE_STALE_AFTER_SECONDS: { literal: '60' },
      RECONCILE_MAX_ATTEMPTS: { literal: '5' },
    },
    // The bus: a PENDING order it resumes gets its order.created published again (its publish may have been lost).
    access: { tables: ['orders'], buses: ['orders'], stateMachines: ['order-saga'], describeExecutions: true },
  },
  {
    name: 'record-event',
    description: 'Records every event that crosses the bus, for GET /api/events',
    entry: 'lambdas/events/record-event.ts',
    timeoutSeconds: 10,
    memoryMb: 256,
    access: { tables: ['orders'] },
  },
  ...consumers.map(consumerFunction),
] as const satisfies readonly FunctionSpec[];

type FunctionName = (typeof functions)[number]['name'];

const processingQueue = (
  name: string,
  description: string,
  consumer: FunctionName,
  maxReceiveCount: number,
  visibilityTimeoutSeconds: number,
): QueueSpec => ({
  name,
  description,
  visibilityTimeoutSeconds,
  messageRetentionSeconds: 4 * day,
  delaySeconds: 0,
  deadLetter: { maxReceiveCount, messageRetentionSeconds: 14 * day },
  consumer: { function: consumer, batchSize: 10, maximumBatchingWindowSeconds: 0, reportBatchItemFailures: true },
});

export const queues = [
  processingQueue(
    'saga-starts',
    'order.created -> start-saga (EventBridge cannot name a Step Functions execution)',
    'start-saga',
    5,
    30,
  ),
  processingQueue('email', 'order.confirmed / order.failed -> confirmation and failure emails', 'send-email', 3, 30),
  processingQueue('receipts', 'order.confirmed -> PDF receipt', 'generate-receipt', 3, 60),
  // No batching window (tried and reverted, docs/decisions.md entry 45): a batch of several orders is traced under one.
  processingQueue(
    'webhooks',
    'order events -> one delivery message per subscribed endpoint',
    'fan-out-webhooks',
    3,
    30,
  ),
  // Visibility 30 s >= the consumer's 10 s timeout (AWS refuses a mapping otherwise); the deliverer hides a message
  // to retry (schedule) or to pause (circuit open) with ChangeMessageVisibility, 12 h at most per receive. Retention
  // is SQS's maximum, 14 days, beyond the policy's maximum delivery age (4 days); maxReceiveCount is above the most
  // receives a paused-and-retried message can see (maxReceivesBound: 116 for the defaults), so SQS's redrive only
  // catches a handler crashing on a message. The function gives deliveries up to the DLQ itself.
  {
    ...processingQueue(
      'webhook-deliveries',
      'one message per (endpoint, event); retried over hours, paused while its endpoint is',
      'deliver-webhook',
      WEBHOOK_DELIVERIES_MAX_RECEIVES,
      30,
    ),
    messageRetentionSeconds: 14 * day,
  },
  processingQueue('events-log', 'every event on the bus -> the events log', 'record-event', 5, 30),
  // Visibility 3x the function's timeout: a batch still running is not handed to a second instance.
  ...consumerSpecs.map((consumer) =>
    processingQueue(
      consumer.name,
      `${consumer.events.join(' / ')} -> ${consumer.name}`,
      consumer.name,
      consumer.maxReceiveCount,
      3 * consumer.timeoutSeconds,
    ),
  ),
] as const satisfies readonly QueueSpec[];

type QueueName = (typeof queues)[number]['name'];

/** A dead-letter queue that belongs to no processing queue. */
export interface FailureQueueSpec {
  readonly name: string;
  readonly description: string;
  readonly messageRetentionSeconds: number;
}

/**
 * Where deliveries land that failed after all their retries outside a processing queue: EventBridge rule targets
 * (their dead-letter config) and asynchronous Lambda invocations such as schedules (their on-failure destination).
 * Names end in `-dlq`, like every dead-letter queue; each has an alarm in AWS.
 */
export const failureQueues = [
  {
    name: 'event-delivery-dlq',
    description: 'EventBridge target deliveries and asynchronous Lambda invocations that failed after their retries',
    messageRetentionSeconds: 14 * day,
  },
] as const satisfies readonly FailureQueueSpec[];

/** How Lambda treats a failed asynchronous invocation (AWS::Lambda::EventInvokeConfig). */
export interface AsyncInvocationSpec {
  /** Retries after the first attempt, 0 to 2; Lambda waits about 1 min, then 2 min, between attempts. */
  readonly maximumRetryAttempts: 0 | 1 | 2;
  /** How long an event may wait in Lambda's queue (60 s to 6 h) before it is given up without a further attempt. */
  readonly maximumEventAgeSeconds: number;
}

/**
 * The event invoke config of every function a rule invokes asynchronously (the schedules): what failed after these
 * retries goes to the first failure queue. The stack deploys it; the local Lambda retries by it.
 */
export const asyncInvocation = {
  maximumRetryAttempts: 2,
  maximumEventAgeSeconds: 60 * minute,
} as const satisfies AsyncInvocationSpec;

export const stateMachines = [
  {
    name: 'order-saga',
    description: 'ValidateOrder -> ReserveInventory -> ChargePayment -> ConfirmOrder, compensating in reverse',
    definitionFile: 'lambdas/saga/order-saga.asl.json',
    functionArns: {
      ValidateOrderArn: 'validate-order',
      ReserveInventoryArn: 'reserve-inventory',
      ChargePaymentArn: 'charge-payment',
      ConfirmOrderArn: 'confirm-order',
      RefundPaymentArn: 'refund-payment',
      ReleaseInventoryArn: 'release-inventory',
      MarkOrderFailedArn: 'mark-order-failed',
      ParkOrderArn: 'park-order',
    },
    // The worst retry path of lambdas/saga/order-saga.asl.json with margin (order-saga.budget.test.ts computes it).
    timeoutSeconds: 45 * minute,
  },
] as const satisfies readonly StateMachineSpec[];

type StateMachineName = (typeof stateMachines)[number]['name'];

/** The `source` of every event the platform itself publishes. Partners publish as `partner.<id>`. */
export const ORDER_EVENT_SOURCE = 'orders.platform';

/**
 * The saga's progress events. The saga publishes them straight to the bus without an outbox (core/saga/saga-steps.ts)
 * and only the webhook fan-out receives them (a customer may subscribe to them); the events log leaves them out, since
 * the order's timeline records every step already (docs/decisions.md, issue 18).
 */
export const INTERMEDIATE_ORDER_EVENTS = [
  'order.validated',
  'order.inventory_reserved',
  'order.payment_captured',
] as const;

/**
 * The mark a publisher puts in an order event's `resources` (the envelope, never `detail`, so the payload customers
 * receive is unchanged) when the order's customer has, or may have, a webhook endpoint subscribed to the event's type;
 * the rule `order-events-to-webhooks` matches only marked events (core/webhooks/fan-out-routing.ts, docs/decisions.md,
 * issue 18). PutEvents takes any string of up to 2048 characters there; a rule matches an array field when the pattern's
 * values and the event's elements intersect.
 */
export const WEBHOOK_SUBSCRIBERS_MARK = `${ORDER_EVENT_SOURCE}/webhook-subscribers`;

export const rules = [
  {
    name: 'order-created-starts-saga',
    description: 'order.created -> saga-starts queue -> start-saga, one execution per order',
    bus: 'orders',
    eventPattern: { source: [ORDER_EVENT_SOURCE], 'detail-type': ['order.created'] },
    targets: [{ id: 'saga-starts', kind: 'sqs', queue: 'saga-starts' }],
  },
  {
    name: 'order-outcome-to-email',
    description: 'order.confirmed and order.failed -> email queue',
    bus: 'orders',
    eventPattern: { source: [ORDER_EVENT_SOURCE], 'detail-type': ['order.confirmed', 'order.failed'] },
    targets: [{ id: 'email', kind: 'sqs', queue: 'email' }],
  },
  {
    name: 'order-confirmed-to-receipts',
    description: 'order.confirmed -> receipts queue',
    bus: 'orders',
    eventPattern: { source: [ORDER_EVENT_SOURCE], 'detail-type': ['order.confirmed'] },
    targets: [{ id: 'receipts', kind: 'sqs', queue: 'receipts' }],
  },
  {
    name: 'order-events-to-webhooks',
    description:
      'order.* events of customers with a subscribed webhook endpoint (marked by the publisher) -> webhook fan-out',
    bus: 'orders',
    eventPattern: {
      source: [ORDER_EVENT_SOURCE],
      'detail-type': [{ prefix: 'order.' }],
      resources: [WEBHOOK_SUBSCRIBERS_MARK],
    },
    targets: [{ id: 'webhooks', kind: 'sqs', queue: 'webhooks' }],
  },
  {
    name: 'all-events-to-log',
    description: 'every event on the bus, partners included, is recorded, except the saga progress events',
    bus: 'orders',
    eventPattern: {
      source: [{ prefix: '' }],
      'detail-type': [{ 'anything-but': [...INTERMEDIATE_ORDER_EVENTS] }],
    },
    targets: [{ id: 'events-log', kind: 'sqs', queue: 'events-log' }],
  },
  {
    name: 'outbox-relay-schedule',
    description: 'republish pending outbox records',
    bus: 'default',
    schedule: 'rate(1 minute)',
    localScheduleSeconds: 2,
    targets: [{ id: 'relay', kind: 'lambda', function: 'outbox-relay' }],
  },
  {
    name: 'reconciler-schedule',
    description: 'resume the saga of orders left not terminal past the threshold',
    bus: 'default',
    schedule: 'rate(1 minute)',
    localScheduleSeconds: 5,
    targets: [{ id: 'reconciler', kind: 'lambda', function: 'reconciler' }],
  },
  ...consumerSpecs.map(
    (consumer): RuleSpec => ({
      name: consumerRuleName(consumer.name),
      description: `${consumer.events.join(' and ')} -> ${consumer.name} queue`,
      bus: 'orders',
      eventPattern: { source: [ORDER_EVENT_SOURCE], 'detail-type': [...consumer.events] },
      targets: [{ id: consumer.name, kind: 'sqs', queue: consumer.name }],
    }),
  ),
] as const satisfies readonly RuleSpec[];

/**
 * The metric the outbox relay writes (Embedded Metric Format in its log) when it parks records, and the dimension
 * naming the function; modules/observability.ts alarms on it for the `outbox-relay` function.
 */
export const RELAY_METRICS = {
  function: 'outbox-relay',
  namespace: 'OrderPlatform/Outbox',
  dimension: 'FunctionName',
  parked: 'OutboxRecordsParked',
} as const satisfies { readonly function: FunctionName; readonly [key: string]: string };

/** The whole description, for code that walks every resource. */
export const platform = {
  consumers,
  tables,
  buses,
  buckets,
  secrets,
  functions,
  queues,
  failureQueues,
  stateMachines,
  rules,
} as const;

export type Platform = typeof platform;
export type { BucketName, BusName, FunctionName, QueueName, SecretName, StateMachineName, TableName };

/** The event types the consumer `name` subscribes to (its entry in `consumers`); throws for an unknown consumer. */
export const consumerEvents = (name: string): readonly string[] => {
  const consumer = consumerSpecs.find((candidate) => candidate.name === name);
  if (consumer === undefined) throw new Error(`core/platform/resources.ts describes no consumer named ${name}`);
  return consumer.events;
};

/** The dead-letter queue of a processing queue. */
export const deadLetterQueueName = (queue: string): string => `${queue}-dlq`;

/** The one place a physical name is made: `${prefix}-${name}`, e.g. `orders-dev-email`; locally the prefix is `local`. */
export const physicalName = (prefix: string, name: string): string => `${prefix}-${name}`;
