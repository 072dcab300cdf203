/**
 * The one source of every role's permissions: pure functions from the resource description
 * (core/platform/resources.ts) and an ARN resolver to the statements of each Lambda function's role and of the API
 * task role. The CDKTF modules call them with Terraform references (modules/functions.ts, modules/api.ts); the
 * local cloud's glue calls them with local ARNs (scripts/local-platform/), and the local cloud enforces what they
 * return. So a permission missing in AWS is missing locally too; modules/role-policies.test.ts proves the
 * synthesised policy documents and these statements agree for every role.
 *
 * No import of cdktf or the provider: this file runs in the local cloud's process as well.
 */
import {
  deadLetterQueueName,
  type BucketSpec,
  type BusSpec,
  type FailureQueueSpec,
  type FunctionSpec,
  type QueueSpec,
  type RuleSpec,
  type SecretSpec,
  type StateMachineSpec,
  type TableSpec,
} from '../core/platform/resources';

/** One IAM statement: explicit actions on explicit resources (the policy Aspect rejects wildcards). */
export interface Grant {
  readonly sid?: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** The parts of the description roles are derived from. */
export interface RoleDescription {
  readonly tables: readonly TableSpec[];
  readonly buses: readonly BusSpec[];
  readonly buckets: readonly BucketSpec[];
  readonly secrets: readonly SecretSpec[];
  readonly functions: readonly FunctionSpec[];
  readonly queues: readonly QueueSpec[];
  readonly failureQueues: readonly FailureQueueSpec[];
  readonly stateMachines: readonly StateMachineSpec[];
  readonly rules: readonly RuleSpec[];
}

/** ARNs (or Terraform expressions of them) by logical name, as each runtime knows them. */
export interface RoleArns {
  table(name: string): string;
  bus(name: string): string;
  /** The bus's archive (`<bus physical name>-archive`). */
  archiveOf(bus: string): string;
  /** A pattern matching every replay the platform names after the bus (`replay/<bus physical name>-*`). */
  replaysOf(bus: string): string;
  bucket(name: string): string;
  /** A processing queue, its dead-letter queue (`<name>-dlq`) or a failure queue. */
  queue(name: string): string;
  stateMachine(name: string): string;
  /** A pattern matching every execution of a state machine (`arn:...:execution:<machine>:*`). */
  executionsOf(stateMachine: string): string;
  secret(name: string): string;
  userPool(): string;
  /** The SES identity the stage sends from. */
  emailIdentity(): string;
  /** The log group a function writes to. */
  functionLogGroup(functionName: string): string;
}

/** The trace upload X-Ray documents with Resource "*" (no resource-level permission exists). */
export const xrayWriteGrant: Grant = {
  sid: 'XRayWrite',
  actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  resources: ['*'],
};

/** Writing to one log group's streams. */
export const logWriteGrant = (logGroupArn: string): Grant => ({
  sid: 'Logs',
  actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  resources: [`${logGroupArn}:*`],
});

const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:Query',
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
];

/** A function's name gets `-fn`; IAM role names are at most 64 characters. */
export const functionRoleName = (physicalFunctionName: string): string => `${physicalFunctionName}-fn`.slice(0, 64);

/** The API task role's name. */
export const apiTaskRoleName = (prefix: string): string => `${prefix}-api-task`;

/** Functions EventBridge rules invoke asynchronously (they get an on-failure destination). */
export const asyncFunctionNames = (rules: readonly RuleSpec[]): ReadonlySet<string> =>
  new Set(rules.flatMap((rule) => rule.targets.flatMap((t) => (t.kind === 'lambda' ? [t.function] : []))));

/** What a function's `access` grants. */
const accessGrants = (spec: FunctionSpec, arns: RoleArns): Grant[] => {
  const access = spec.access ?? {};
  const grants: Grant[] = [];
  const tables = (access.tables ?? []).map((t) => arns.table(t));
  if (tables.length > 0)
    grants.push({ sid: 'Tables', actions: TABLE_ACTIONS, resources: tables.flatMap((arn) => [arn, `${arn}/index/*`]) });
  const buses = (access.buses ?? []).map((b) => arns.bus(b));
  if (buses.length > 0) grants.push({ sid: 'PutEvents', actions: ['events:PutEvents'], resources: buses });
  const buckets = (access.buckets ?? []).map((b) => arns.bucket(b));
  if (buckets.length > 0)
    grants.push({
      sid: 'Objects',
      actions: ['s3:GetObject', 's3:PutObject'],
      resources: buckets.map((arn) => `${arn}/*`),
    });
  const queues = (access.queues ?? []).map((q) => arns.queue(q));
  if (queues.length > 0) grants.push({ sid: 'SendMessages', actions: ['sqs:SendMessage'], resources: queues });
  const machines = (access.stateMachines ?? []).map((m) => arns.stateMachine(m));
  if (machines.length > 0)
    grants.push({ sid: 'StartExecutions', actions: ['states:StartExecution'], resources: machines });
  // The reconciler checks whether a resumed order's execution still runs before it starts another (core/orders/reconciler.ts).
  if (access.describeExecutions === true && access.stateMachines !== undefined) {
    grants.push({
      sid: 'DescribeExecutions',
      actions: ['states:DescribeExecution'],
      resources: access.stateMachines.map((name) => arns.executionsOf(name)),
    });
    // Its workflow type: an EXPRESS execution cannot be described (core/adapters/claimed-saga-runner.ts).
    grants.push({ sid: 'DescribeStateMachines', actions: ['states:DescribeStateMachine'], resources: machines });
  }
  const secrets = (access.secrets ?? []).map((s) => arns.secret(s));
  if (secrets.length > 0)
    grants.push({ sid: 'ReadSecrets', actions: ['secretsmanager:GetSecretValue'], resources: secrets });
  if (access.readUsers === true)
    grants.push({ sid: 'ReadUsers', actions: ['cognito-idp:AdminGetUser'], resources: [arns.userPool()] });
  if (access.sendEmail === true)
    grants.push({ sid: 'SendEmail', actions: ['ses:SendEmail'], resources: [arns.emailIdentity()] });
  return grants;
};

/**
 * The statements of one function's execution role: its log group, X-Ray, what its `access` names, consuming the
 * queues it is the consumer of, and the on-failure destination when a rule invokes it asynchronously.
 */
export const functionRoleGrants = (
  spec: FunctionSpec,
  description: Pick<RoleDescription, 'queues' | 'rules' | 'failureQueues'>,
  arns: RoleArns,
): Grant[] => {
  const grants: Grant[] = [
    logWriteGrant(arns.functionLogGroup(spec.name)),
    xrayWriteGrant,
    ...accessGrants(spec, arns),
  ];
  const consumed = description.queues.filter((q) => q.consumer?.function === spec.name);
  if (consumed.length > 0) {
    grants.push({
      sid: 'ConsumeQueues',
      // GetQueueUrl: a consumer that backs a failed record off (deliver-webhook) finds its queue's URL from the
      // record's event source ARN before ChangeMessageVisibility; without it the backoff is refused in AWS.
      actions: [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
      ],
      resources: consumed.map((q) => arns.queue(q.name)),
    });
  }
  const failureQueue = description.failureQueues.at(0);
  if (asyncFunctionNames(description.rules).has(spec.name) && failureQueue !== undefined) {
    grants.push({
      sid: 'OnFailureDestination',
      actions: ['sqs:SendMessage'],
      resources: [arns.queue(failureQueue.name)],
    });
  }
  return grants;
};

/** The description's first spec of a kind: the API is pointed at the one table, bus, bucket, machine and secret. */
const first = <T extends { readonly name: string }>(specs: readonly T[], what: string): T => {
  const spec = specs.at(0);
  if (spec === undefined) throw new RoleDescriptionIncompleteError(`the API needs a ${what}; the description has none`);
  return spec;
};

/** Every dead-letter queue of the description: the failure queues, then each processing queue's. */
export const deadLetterQueueNames = (description: Pick<RoleDescription, 'queues' | 'failureQueues'>): string[] => [
  ...description.failureQueues.map((q) => q.name),
  ...description.queues.map((q) => deadLetterQueueName(q.name)),
];

/** The statements of the API's ECS task role: only what the API's routes call. */
export const apiTaskRoleGrants = (description: RoleDescription, arns: RoleArns): Grant[] => {
  const table = arns.table(first(description.tables, 'table').name);
  const bucket = arns.bucket(first(description.buckets, 'bucket').name);
  return [
    {
      sid: 'Orders',
      actions: [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:Query',
        'dynamodb:BatchGetItem',
      ],
      resources: [table, `${table}/index/*`],
    },
    // DescribeEventBus: GET /ready's check that the bus answers (api/readiness.ts).
    {
      sid: 'PublishEvents',
      actions: ['events:PutEvents', 'events:DescribeEventBus'],
      resources: [arns.bus(first(description.buses, 'bus').name)],
    },
    // /api/admin/replays (core/adapters/eventbridge-replays.ts): replays of the archive, named after the bus.
    {
      sid: 'ReplayArchive',
      actions: ['events:StartReplay', 'events:DescribeReplay'],
      resources: [
        arns.archiveOf(first(description.buses, 'bus').name),
        arns.replaysOf(first(description.buses, 'bus').name),
      ],
    },
    { sid: 'ListReplays', actions: ['events:ListReplays'], resources: ['*'] },
    { sid: 'Receipts', actions: ['s3:GetObject'], resources: [`${bucket}/*`] },
    // HeadObject on a receipt not written yet answers 404 only with ListBucket; without it S3 answers 403 and the
    // dashboard's polling of GET /api/orders/:id/receipt would see 500 instead of RECEIPT_NOT_READY.
    { sid: 'ReceiptsExist', actions: ['s3:ListBucket'], resources: [bucket] },
    {
      sid: 'SagaExecutions',
      actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
      resources: [arns.executionsOf(first(description.stateMachines, 'state machine').name)],
    },
    // POST /api/admin/orders/:id/retry resumes a parked order's saga (api/routes/admin-orders.ts).
    {
      sid: 'ResumeSagas',
      actions: ['states:StartExecution', 'states:DescribeStateMachine'],
      resources: [arns.stateMachine(first(description.stateMachines, 'state machine').name)],
    },
    {
      sid: 'DeadLetterQueues',
      actions: [
        'sqs:GetQueueUrl',
        'sqs:GetQueueAttributes',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:StartMessageMoveTask',
        'sqs:ListMessageMoveTasks',
      ],
      resources: deadLetterQueueNames(description).map((name) => arns.queue(name)),
    },
    // POST /api/webhooks/:id/deliveries/:deliveryId/resend queues the delivery again (core/adapters/sqs-delivery-queue.ts).
    {
      sid: 'ResendWebhookDeliveries',
      actions: ['sqs:GetQueueUrl', 'sqs:SendMessage'],
      resources: description.queues.filter((q) => q.name === 'webhook-deliveries').map((q) => arns.queue(q.name)),
    },
    // StartMessageMoveTask without a destination moves each message back to its source queue as the caller:
    // SQS checks SendMessage on every source queue.
    {
      sid: 'RedriveToSourceQueues',
      actions: ['sqs:SendMessage'],
      resources: description.queues.map((q) => arns.queue(q.name)),
    },
    xrayWriteGrant,
    {
      sid: 'XRaySampling',
      actions: ['xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'],
      resources: ['*'],
    },
    // GET /api/orders/:id/trace and GET /api/traces read the platform's traces.
    { sid: 'XRayReadTraces', actions: ['xray:GetTraceSummaries', 'xray:BatchGetTraces'], resources: ['*'] },
    {
      sid: 'PartnerSecrets',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [arns.secret(first(description.secrets, 'secret').name)],
    },
  ];
};

/** A grant as an IAM policy statement in AWS's JSON spelling (what the local cloud evaluates). */
export const toPolicyStatement = (
  grant: Grant,
): { Sid?: string; Effect: 'Allow'; Action: string[]; Resource: string[] } => ({
  ...(grant.sid === undefined ? {} : { Sid: grant.sid }),
  Effect: 'Allow',
  Action: [...grant.actions],
  Resource: [...grant.resources],
});

/** The description lacks a resource a role needs. */
export class RoleDescriptionIncompleteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoleDescriptionIncompleteError';
  }
}
