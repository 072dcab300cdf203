/**
 * What each AWS call the local cloud serves needs from IAM: the action (`service:Operation`) and the ARN it touches,
 * read from the request as AWS reads it (table and index from the JSON body, queue ARN from the queue URL, bucket
 * and key from the path, the bus of every PutEvents entry, ...). Calls that touch several resources need every one
 * (BatchWriteItem per table, TransactWriteItems per item's own action, a redrive's SendMessage per destination).
 *
 * An operation missing from the tables below is still evaluated, as `<service>:<Operation>` on `*`, so a role
 * scoped to resources does not get it by accident; `coveredOperations` lists what is mapped exactly.
 */
import type { EdgeRequest } from '../edge/types';
import { jsonObjectOf } from '../edge/json-body';

/** One permission a call needs. */
export interface RequiredPermission {
  readonly action: string;
  readonly resource: string;
}

/** Lookups only the emulations can answer (a queue's ARN, a DLQ's source queues, a secret's full ARN). */
export interface ResourceContext {
  readonly region: string;
  readonly account: string;
  /** A queue's ARN from its URL or name. */
  queueArn(urlOrName: string): string;
  /** ARNs of the queues whose RedrivePolicy names this dead-letter queue. */
  redriveSourceArns(deadLetterQueueArn: string): readonly string[];
  /** A secret's full ARN (with AWS's random suffix) from its name or ARN; the input when unknown. */
  secretArn(idOrName: string): string;
}

type Input = Record<string, unknown>;
type Mapper = (input: Input, ctx: ResourceContext, operation: string) => RequiredPermission[];

const str = (input: Input, name: string): string | undefined =>
  typeof input[name] === 'string' ? (input[name] as string) : undefined;
const arn = (ctx: ResourceContext, service: string, resource: string): string =>
  `arn:aws:${service}:${ctx.region}:${ctx.account}:${resource}`;
const isArn = (value: string): boolean => value.startsWith('arn:');

// DynamoDB ------------------------------------------------------------------------------------------------------
const tableArn = (ctx: ResourceContext, name: string): string =>
  isArn(name) ? name : arn(ctx, 'dynamodb', `table/${name}`);
const onTable: Mapper = (input, ctx, op) => {
  const table = str(input, 'TableName') ?? '*';
  const index = str(input, 'IndexName');
  const base = table === '*' ? '*' : tableArn(ctx, table);
  return [
    { action: `dynamodb:${op}`, resource: index === undefined || base === '*' ? base : `${base}/index/${index}` },
  ];
};
const perTableOfRequestItems: Mapper = (input, ctx, op) =>
  Object.keys((input.RequestItems as Input | undefined) ?? {}).map((table) => ({
    action: `dynamodb:${op}`,
    resource: tableArn(ctx, table),
  }));
// A transaction needs each item's own action on its table (AWS documents no dynamodb:TransactWriteItems action).
const TRANSACT_ACTIONS: Readonly<Record<string, string>> = {
  ConditionCheck: 'ConditionCheckItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Get: 'GetItem',
};
const transactItems: Mapper = (input, ctx) =>
  ((input.TransactItems as Input[] | undefined) ?? []).flatMap((item) =>
    Object.entries(item).flatMap(([kind, body]) => {
      const action = TRANSACT_ACTIONS[kind];
      const table = body && typeof body === 'object' ? str(body as Input, 'TableName') : undefined;
      return action === undefined || table === undefined
        ? []
        : [{ action: `dynamodb:${action}`, resource: tableArn(ctx, table) }];
    }),
  );
const onStream: Mapper = (input, _ctx, op) => [{ action: `dynamodb:${op}`, resource: str(input, 'StreamArn') ?? '*' }];
const onNothing =
  (service: string): Mapper =>
  (_input, _ctx, op) => [{ action: `${service}:${op}`, resource: '*' }];

const DYNAMODB: Readonly<Record<string, Mapper>> = {
  GetItem: onTable,
  PutItem: onTable,
  UpdateItem: onTable,
  DeleteItem: onTable,
  Query: onTable,
  Scan: onTable,
  DescribeTable: onTable,
  CreateTable: onTable,
  DeleteTable: onTable,
  UpdateTable: onTable,
  DescribeTimeToLive: onTable,
  UpdateTimeToLive: onTable,
  BatchGetItem: perTableOfRequestItems,
  BatchWriteItem: perTableOfRequestItems,
  TransactWriteItems: transactItems,
  TransactGetItems: transactItems,
  ListTables: onNothing('dynamodb'),
  ListStreams: onNothing('dynamodb'),
  DescribeStream: onStream,
  GetShardIterator: onStream,
  // GetRecords names a shard iterator, not the stream; AWS authorises it on the stream, which the iterator hides here.
  GetRecords: onNothing('dynamodb'),
};

// SQS -----------------------------------------------------------------------------------------------------------
const onQueue =
  (action?: string): Mapper =>
  (input, ctx, op) => {
    const queue = str(input, 'QueueUrl') ?? str(input, 'QueueName');
    return [{ action: `sqs:${action ?? op}`, resource: queue === undefined ? '*' : ctx.queueArn(queue) }];
  };
const onSourceArn: Mapper = (input, _ctx, op) => [{ action: `sqs:${op}`, resource: str(input, 'SourceArn') ?? '*' }];
// A redrive moves messages as the caller: without a destination, back to every source queue of the DLQ.
const startMessageMoveTask: Mapper = (input, ctx) => {
  const source = str(input, 'SourceArn') ?? '*';
  const destination = str(input, 'DestinationArn');
  const destinations = destination !== undefined ? [destination] : source === '*' ? [] : ctx.redriveSourceArns(source);
  return [
    { action: 'sqs:StartMessageMoveTask', resource: source },
    ...destinations.map((resource) => ({ action: 'sqs:SendMessage', resource })),
  ];
};
// CancelMessageMoveTask's handle encodes the source queue; AWS authorises on it, the handle is opaque here.
const SQS: Readonly<Record<string, Mapper>> = {
  SendMessage: onQueue(),
  SendMessageBatch: onQueue('SendMessage'),
  ReceiveMessage: onQueue(),
  DeleteMessage: onQueue(),
  DeleteMessageBatch: onQueue('DeleteMessage'),
  ChangeMessageVisibility: onQueue(),
  ChangeMessageVisibilityBatch: onQueue('ChangeMessageVisibility'),
  GetQueueAttributes: onQueue(),
  SetQueueAttributes: onQueue(),
  GetQueueUrl: onQueue(),
  CreateQueue: onQueue(),
  DeleteQueue: onQueue(),
  PurgeQueue: onQueue(),
  ListQueueTags: onQueue(),
  TagQueue: onQueue(),
  UntagQueue: onQueue(),
  ListDeadLetterSourceQueues: onQueue(),
  ListQueues: onNothing('sqs'),
  StartMessageMoveTask: startMessageMoveTask,
  ListMessageMoveTasks: onSourceArn,
  CancelMessageMoveTask: onNothing('sqs'),
};

// EventBridge ---------------------------------------------------------------------------------------------------
const busArn = (ctx: ResourceContext, nameOrArn: string | undefined): string => {
  const name = nameOrArn ?? 'default';
  return isArn(name) ? name : arn(ctx, 'events', `event-bus/${name}`);
};
const ruleArn = (ctx: ResourceContext, input: Input): string => {
  const bus = str(input, 'EventBusName');
  const name = str(input, 'Name') ?? str(input, 'Rule') ?? '*';
  return arn(ctx, 'events', `rule/${bus === undefined || bus === 'default' ? '' : `${bus}/`}${name}`);
};
const onRule: Mapper = (input, ctx, op) => [{ action: `events:${op}`, resource: ruleArn(ctx, input) }];
const onBus: Mapper = (input, ctx, op) => [
  { action: `events:${op}`, resource: busArn(ctx, str(input, 'Name') ?? str(input, 'EventBusName')) },
];
const putEvents: Mapper = (input, ctx) => {
  const buses = new Set(
    ((input.Entries as Input[] | undefined) ?? []).map((entry) => busArn(ctx, str(entry, 'EventBusName'))),
  );
  return [...buses].map((resource) => ({ action: 'events:PutEvents', resource }));
};
const EVENTS: Readonly<Record<string, Mapper>> = {
  PutEvents: putEvents,
  PutRule: onRule,
  DeleteRule: onRule,
  DescribeRule: onRule,
  EnableRule: onRule,
  DisableRule: onRule,
  PutTargets: onRule,
  RemoveTargets: onRule,
  ListTargetsByRule: onRule,
  CreateEventBus: onBus,
  DeleteEventBus: onBus,
  DescribeEventBus: onBus,
  ListRules: onNothing('events'),
  ListEventBuses: onNothing('events'),
  TestEventPattern: onNothing('events'),
  CreateArchive: (input, ctx) => [
    { action: 'events:CreateArchive', resource: arn(ctx, 'events', `archive/${str(input, 'ArchiveName') ?? '*'}`) },
  ],
  DescribeArchive: (input, ctx) => [
    { action: 'events:DescribeArchive', resource: arn(ctx, 'events', `archive/${str(input, 'ArchiveName') ?? '*'}`) },
  ],
  ListArchives: onNothing('events'),
  StartReplay: (input, ctx) => [
    { action: 'events:StartReplay', resource: arn(ctx, 'events', `replay/${str(input, 'ReplayName') ?? '*'}`) },
  ],
  DescribeReplay: (input, ctx) => [
    { action: 'events:DescribeReplay', resource: arn(ctx, 'events', `replay/${str(input, 'ReplayName') ?? '*'}`) },
  ],
  ListReplays: onNothing('events'),
};

// Step Functions ------------------------------------------------------------------------------------------------
const onField =
  (field: string): Mapper =>
  (input, _ctx, op) => [{ action: `states:${op}`, resource: str(input, field) ?? '*' }];
const STATES: Readonly<Record<string, Mapper>> = {
  StartExecution: onField('stateMachineArn'),
  StartSyncExecution: onField('stateMachineArn'),
  DescribeStateMachine: onField('stateMachineArn'),
  UpdateStateMachine: onField('stateMachineArn'),
  DeleteStateMachine: onField('stateMachineArn'),
  ListExecutions: onField('stateMachineArn'),
  DescribeExecution: onField('executionArn'),
  GetExecutionHistory: onField('executionArn'),
  StopExecution: onField('executionArn'),
  DescribeStateMachineForExecution: onField('executionArn'),
  CreateStateMachine: (input, ctx) => [
    { action: 'states:CreateStateMachine', resource: arn(ctx, 'states', `stateMachine:${str(input, 'name') ?? '*'}`) },
  ],
  ListStateMachines: onNothing('states'),
  SendTaskSuccess: onNothing('states'),
  SendTaskFailure: onNothing('states'),
  SendTaskHeartbeat: onNothing('states'),
};

// Secrets Manager, Cognito --------------------------------------------------------------------------------------
const onSecret: Mapper = (input, ctx, op) => [
  { action: `secretsmanager:${op}`, resource: ctx.secretArn(str(input, 'SecretId') ?? '*') },
];
const SECRETS: Readonly<Record<string, Mapper>> = {
  GetSecretValue: onSecret,
  PutSecretValue: onSecret,
  DescribeSecret: onSecret,
  UpdateSecret: onSecret,
  DeleteSecret: onSecret,
  CreateSecret: (input, ctx) => [
    {
      action: 'secretsmanager:CreateSecret',
      resource: arn(ctx, 'secretsmanager', `secret:${str(input, 'Name') ?? '*'}-*`),
    },
  ],
  ListSecrets: onNothing('secretsmanager'),
};
const onUserPool: Mapper = (input, ctx, op) => {
  const pool = str(input, 'UserPoolId');
  return [
    { action: `cognito-idp:${op}`, resource: pool === undefined ? '*' : arn(ctx, 'cognito-idp', `userpool/${pool}`) },
  ];
};
const COGNITO: Readonly<Record<string, Mapper>> = Object.fromEntries(
  [
    'ListUsers',
    'AdminGetUser',
    'AdminCreateUser',
    'AdminDeleteUser',
    'AdminSetUserPassword',
    'AdminAddUserToGroup',
    'AdminRemoveUserFromGroup',
    'AdminListGroupsForUser',
    'AdminInitiateAuth',
    'AdminUpdateUserAttributes',
    'DescribeUserPool',
    'DescribeUserPoolClient',
    'CreateGroup',
    'ListGroups',
    'ListUsersInGroup',
    'CreateUserPoolClient',
  ].map((op) => [op, onUserPool]),
);

const JSON_SERVICES: Readonly<Record<string, Readonly<Record<string, Mapper>>>> = {
  dynamodb: DYNAMODB,
  sqs: SQS,
  events: EVENTS,
  states: STATES,
  secretsmanager: SECRETS,
  'cognito-idp': COGNITO,
};

// REST services -------------------------------------------------------------------------------------------------
const s3Permissions = (request: EdgeRequest): RequiredPermission[] => {
  const host = (typeof request.headers.host === 'string' ? request.headers.host : '').split(':')[0] ?? '';
  const virtual = /^(.+)\.(localhost|127\.0\.0\.1|s3[.-].*amazonaws\.com)$/.exec(host)?.[1];
  const segments = request.path.split('/').slice(1);
  const bucket = virtual ?? (segments[0] ? decodeURIComponent(segments[0]) : undefined);
  const key = (virtual ? segments : segments.slice(1)).map(decodeURIComponent).join('/') || undefined;
  if (bucket === undefined) return [{ action: 's3:ListAllMyBuckets', resource: '*' }];
  const bucketArn = `arn:aws:s3:::${bucket}`;
  if (key === undefined) {
    const action =
      request.method === 'PUT'
        ? 's3:CreateBucket'
        : request.method === 'DELETE'
          ? 's3:DeleteBucket'
          : request.method === 'POST' && request.query.has('delete')
            ? 's3:DeleteObject'
            : 's3:ListBucket';
    return [{ action, resource: action === 's3:DeleteObject' ? `${bucketArn}/*` : bucketArn }];
  }
  const objectArn = `${bucketArn}/${key}`;
  // HeadObject is authorised as s3:GetObject; CopyObject also reads its source.
  if (request.method === 'GET' || request.method === 'HEAD') return [{ action: 's3:GetObject', resource: objectArn }];
  if (request.method === 'DELETE') return [{ action: 's3:DeleteObject', resource: objectArn }];
  const copySource = request.headers['x-amz-copy-source'];
  const copy =
    typeof copySource === 'string'
      ? [
          {
            action: 's3:GetObject',
            resource: `arn:aws:s3:::${decodeURIComponent(copySource.replace(/^\//, '').split('?')[0] ?? '')}`,
          },
        ]
      : [];
  return [{ action: 's3:PutObject', resource: objectArn }, ...copy];
};

const lambdaPermissions = (request: EdgeRequest, ctx: ResourceContext): RequiredPermission[] => {
  const functionsPrefix = '/2015-03-31/functions';
  if (request.path.startsWith('/2015-03-31/event-source-mappings')) {
    const op =
      request.method === 'POST'
        ? 'CreateEventSourceMapping'
        : request.method === 'DELETE'
          ? 'DeleteEventSourceMapping'
          : request.method === 'PUT'
            ? 'UpdateEventSourceMapping'
            : request.path.split('/').length > 3
              ? 'GetEventSourceMapping'
              : 'ListEventSourceMappings';
    return [{ action: `lambda:${op}`, resource: '*' }];
  }
  if (!request.path.startsWith(functionsPrefix)) return [{ action: 'lambda:Unknown', resource: '*' }];
  const [reference, sub] = request.path
    .slice(functionsPrefix.length)
    .split('/')
    .filter((p) => p.length > 0)
    .map(decodeURIComponent);
  if (reference === undefined) return [{ action: 'lambda:ListFunctions', resource: '*' }];
  // Name, partial or full ARN; a qualifier after the name (`:alias`) stays part of the resource, as AWS's.
  const resource = isArn(reference) ? reference : arn(ctx, 'lambda', `function:${reference}`);
  const op =
    sub === 'invocations' ? 'InvokeFunction' : sub === 'configuration' ? 'GetFunctionConfiguration' : 'GetFunction';
  return [{ action: `lambda:${op}`, resource }];
};

const sesPermissions = (request: EdgeRequest, input: Input, ctx: ResourceContext): RequiredPermission[] => {
  if (request.path === '/v2/email/outbound-emails') {
    const from = str(input, 'FromEmailAddress') ?? '*';
    const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
    return [{ action: 'ses:SendEmail', resource: arn(ctx, 'ses', `identity/${address}`) }];
  }
  if (request.path.startsWith('/v2/email/templates'))
    return [
      { action: 'ses:CreateEmailTemplate', resource: arn(ctx, 'ses', `template/${str(input, 'TemplateName') ?? '*'}`) },
    ];
  return [{ action: 'ses:Unknown', resource: '*' }];
};

const XRAY_PATHS: Readonly<Record<string, string>> = {
  '/TraceSegments': 'PutTraceSegments',
  '/TelemetryRecords': 'PutTelemetryRecords',
  '/GetSamplingRules': 'GetSamplingRules',
  '/SamplingTargets': 'GetSamplingTargets',
  '/TraceSummaries': 'GetTraceSummaries',
  '/Traces': 'BatchGetTraces',
};

/** Every operation mapped to its exact action and resource, as `service:Operation`. */
export const coveredOperations = (): string[] => [
  ...Object.entries(JSON_SERVICES).flatMap(([service, ops]) => Object.keys(ops).map((op) => `${service}:${op}`)),
  ...[
    's3:ListAllMyBuckets',
    's3:CreateBucket',
    's3:DeleteBucket',
    's3:ListBucket',
    's3:HeadBucket',
    's3:GetObject',
    's3:HeadObject',
    's3:PutObject',
    's3:CopyObject',
    's3:DeleteObject',
    's3:DeleteObjects',
  ],
  ...[
    'lambda:InvokeFunction',
    'lambda:GetFunction',
    'lambda:GetFunctionConfiguration',
    'lambda:ListFunctions',
    'lambda:CreateEventSourceMapping',
    'lambda:DeleteEventSourceMapping',
    'lambda:UpdateEventSourceMapping',
    'lambda:GetEventSourceMapping',
    'lambda:ListEventSourceMappings',
  ],
  'ses:SendEmail',
  'ses:CreateEmailTemplate',
  ...Object.values(XRAY_PATHS).map((op) => `xray:${op}`),
];

/** The body as a JSON object ({} if it is none), parsed once per request with the DynamoDB proxy (edge/json-body.ts). */
const jsonBody = (request: EdgeRequest): Input => (jsonObjectOf(request.body) as Input | undefined) ?? {};

/** The query protocol's form body (`Action=SendMessage&QueueUrl=...`), flattened to the JSON protocol's top-level names. */
const formBody = (request: EdgeRequest): { action?: string; input: Input } => {
  const form = new URLSearchParams(request.body.toString('utf8'));
  const input: Input = {};
  for (const [name, value] of form) input[name] = value;
  return { action: form.get('Action') ?? undefined, input };
};

const isForm = (request: EdgeRequest): boolean =>
  String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');

/**
 * The permissions a request needs, or undefined when it names no service the evaluator knows (the edge then
 * lets the emulation answer, as it answers an unknown service).
 */
export const requiredPermissions = (request: EdgeRequest, ctx: ResourceContext): RequiredPermission[] | undefined => {
  const service = request.service;
  if (service === undefined) return undefined;
  if (service === 's3') return s3Permissions(request);
  if (service === 'lambda') return lambdaPermissions(request, ctx);
  if (service === 'ses') return sesPermissions(request, jsonBody(request), ctx);
  if (service === 'xray') return [{ action: `xray:${XRAY_PATHS[request.path] ?? 'Unknown'}`, resource: '*' }];
  if (service === 'logs') return [{ action: `logs:${request.action ?? 'Unknown'}`, resource: '*' }];
  const mappers = JSON_SERVICES[service];
  if (mappers === undefined) return undefined;
  const form = isForm(request) ? formBody(request) : undefined;
  const operation = form?.action ?? request.action;
  if (operation === undefined) return undefined;
  const formInput =
    form === undefined
      ? undefined
      : form.input.QueueUrl === undefined && /^\/\d+\/[^/]+$/.test(request.path)
        ? { ...form.input, QueueUrl: request.path }
        : form.input;
  const input = formInput ?? jsonBody(request);
  const mapper = mappers[operation] ?? onNothing(service);
  return mapper(input, ctx, operation);
};
