/**
 * Test-only: what each runtime actually has, as the same normalised records with logical names, so that
 * modules/runtimes-agree.int.test.ts can compare the synthesised Terraform with the running local cloud.
 *
 * The Terraform side reads the synthesised JSON (references such as `${aws_sqs_queue.<id>.arn}` are resolved to the
 * logical name of the resource they point at); the local side reads the edge through unmodified SDK v3 clients.
 * Records are sorted so that a `toEqual` diff points at the one that differs.
 */
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { LambdaClient, ListFunctionsCommand, paginateListEventSourceMappings } from '@aws-sdk/client-lambda';
import { DescribeStateMachineCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { StateMachineSpec } from '../../core/platform/resources';
import { resourcesOf, type SynthesizedStack } from './test-fixtures';

export interface QueueRecord {
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  readonly delaySeconds: number;
  readonly redrive: { readonly deadLetterQueue: string; readonly maxReceiveCount: number } | null;
}

export interface TargetRecord {
  readonly id: string;
  readonly kind: string;
  readonly resource: string;
  readonly inputPath: string | null;
}

export interface RuleRecord {
  readonly name: string;
  readonly bus: string;
  readonly eventPattern: unknown;
  readonly schedule: string | null;
  readonly targets: readonly TargetRecord[];
}

export interface FunctionRecord {
  readonly name: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

export interface MappingRecord {
  readonly queue: string;
  readonly function: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
}

export interface StateMachineRecord {
  readonly name: string;
  /** The parsed definition, every function ARN replaced by its `${Placeholder}`. */
  readonly definition: unknown;
}

export interface TableRecord {
  readonly name: string;
  readonly partitionKey: string | null;
  readonly sortKey: string | null;
  readonly globalSecondaryIndexes: readonly {
    readonly name: string;
    readonly partitionKey: string | null;
    readonly sortKey: string | null;
    readonly projection: string | null;
  }[];
  readonly ttlAttribute: string | null;
}

export interface RuntimeInventory {
  readonly queues: readonly QueueRecord[];
  readonly rules: readonly RuleRecord[];
  readonly functions: readonly FunctionRecord[];
  readonly mappings: readonly MappingRecord[];
  readonly stateMachines: readonly StateMachineRecord[];
  readonly tables: readonly TableRecord[];
}

/** Both runtimes' inventories in one order, so a comparison shows only real differences. */
const sortedInventory = (
  inventory: { [K in keyof RuntimeInventory]: RuntimeInventory[K][number][] },
): RuntimeInventory => ({
  queues: inventory.queues.sort(byName),
  rules: inventory.rules.sort(byName),
  functions: inventory.functions.sort(byName),
  mappings: inventory.mappings.sort(byKey((m) => m.queue)),
  stateMachines: inventory.stateMachines.sort(byName),
  tables: inventory.tables.sort(byName),
});

/** What AWS gives a queue for an attribute the Terraform resource leaves unset. */
const SQS_DEFAULTS = { visibilityTimeoutSeconds: 30, messageRetentionSeconds: 345600, delaySeconds: 0 } as const;

/** `orders-dev-email` -> `email`; a name without the prefix is kept whole and marked, so the diff shows it. */
export const logicalName = (prefix: string, physical: string): string =>
  physical.startsWith(`${prefix}-`) ? physical.slice(prefix.length + 1) : `<unprefixed>${physical}`;

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T): number =>
    key(a).localeCompare(key(b));
const byName = byKey<{ readonly name: string }>((item) => item.name);

/** ARN -> `${Placeholder}` for every function a state machine maps, in a definition text. */
const restorePlaceholders = (
  definition: string,
  arnOf: (functionName: string) => string,
  spec: StateMachineSpec | undefined,
): unknown => {
  let text = definition;
  for (const [placeholder, fn] of Object.entries(spec?.functionArns ?? {}))
    text = text.replaceAll(arnOf(fn), `\${${placeholder}}`);
  return JSON.parse(text);
};

/** The Terraform side, from the JSON of a synthesised stack whose physical names start with `${prefix}-`. */
export const terraformInventory = (
  parsed: SynthesizedStack,
  prefix: string,
  stateMachineSpecs: readonly StateMachineSpec[],
): RuntimeInventory => {
  const addressName = new Map<string, string>();
  const nameField: Record<string, string> = {
    aws_sqs_queue: 'name',
    aws_lambda_function: 'function_name',
    aws_cloudwatch_event_bus: 'name',
    aws_sfn_state_machine: 'name',
    aws_cloudwatch_event_rule: 'name',
  };
  for (const [type, field] of Object.entries(nameField)) {
    for (const [id, resource] of Object.entries(parsed.resource[type] ?? {}))
      addressName.set(`${type}.${id}`, logicalName(prefix, String(resource[field])));
  }
  /** `${aws_sqs_queue.<id>.arn}` -> { type, logical name }. */
  const reference = (expression: unknown): { type: string; name: string } => {
    const match = /^\$\{(aws_[a-z0-9_]+)\.([^.}]+)\.[a-z_]+\}$/.exec(String(expression));
    if (!match) return { type: '<not a reference>', name: String(expression) };
    return { type: match[1], name: addressName.get(`${match[1]}.${match[2]}`) ?? `<unknown ${match[1]}.${match[2]}>` };
  };
  const targetKind: Record<string, string> = {
    aws_sqs_queue: 'sqs',
    aws_lambda_function: 'lambda',
    aws_sfn_state_machine: 'stepfunctions',
  };

  const queues = resourcesOf(parsed, 'aws_sqs_queue').map((q): QueueRecord => {
    let redrive: QueueRecord['redrive'] = null;
    if (q.redrive_policy !== undefined) {
      const text = String(q.redrive_policy);
      const dlq = /"deadLetterTargetArn" = (aws_sqs_queue\.[^.\s]+)\.arn/.exec(text);
      const count = /"maxReceiveCount" = (\d+)/.exec(text);
      redrive = {
        deadLetterQueue: dlq ? (addressName.get(dlq[1]) ?? `<unknown ${dlq[1]}>`) : `<unparsed ${text}>`,
        maxReceiveCount: count ? Number(count[1]) : Number.NaN,
      };
    }
    return {
      name: logicalName(prefix, String(q.name)),
      visibilityTimeoutSeconds: Number(q.visibility_timeout_seconds ?? SQS_DEFAULTS.visibilityTimeoutSeconds),
      messageRetentionSeconds: Number(q.message_retention_seconds ?? SQS_DEFAULTS.messageRetentionSeconds),
      delaySeconds: Number(q.delay_seconds ?? SQS_DEFAULTS.delaySeconds),
      redrive,
    };
  });

  const targets = resourcesOf(parsed, 'aws_cloudwatch_event_target');
  const rules = resourcesOf(parsed, 'aws_cloudwatch_event_rule').map((rule): RuleRecord => {
    const name = logicalName(prefix, String(rule.name));
    return {
      name,
      bus: rule.event_bus_name === undefined ? 'default' : reference(rule.event_bus_name).name,
      eventPattern: rule.event_pattern === undefined ? null : JSON.parse(String(rule.event_pattern)),
      schedule: rule.schedule_expression === undefined ? null : String(rule.schedule_expression),
      targets: targets
        .filter((t) => reference(t.rule).name === name)
        .map((t): TargetRecord => {
          const to = reference(t.arn);
          return {
            id: String(t.target_id),
            kind: targetKind[to.type] ?? to.type,
            resource: to.name,
            inputPath: t.input_path === undefined ? null : String(t.input_path),
          };
        })
        .sort(byKey((t) => t.id)),
    };
  });

  const functions = resourcesOf(parsed, 'aws_lambda_function').map(
    (fn): FunctionRecord => ({
      name: logicalName(prefix, String(fn.function_name)),
      timeoutSeconds: Number(fn.timeout),
      memoryMb: Number(fn.memory_size),
    }),
  );

  const mappings = resourcesOf(parsed, 'aws_lambda_event_source_mapping').map(
    (m): MappingRecord => ({
      queue: reference(m.event_source_arn).name,
      function: reference(m.function_name).name,
      batchSize: Number(m.batch_size),
      maximumBatchingWindowSeconds: Number(m.maximum_batching_window_in_seconds ?? 0),
      reportBatchItemFailures:
        Array.isArray(m.function_response_types) && m.function_response_types.includes('ReportBatchItemFailures'),
    }),
  );

  const functionAddress = new Map<string, string>();
  for (const [address, name] of addressName)
    if (address.startsWith('aws_lambda_function.')) functionAddress.set(name, address);
  const stateMachines = resourcesOf(parsed, 'aws_sfn_state_machine').map((sm): StateMachineRecord => {
    const name = logicalName(prefix, String(sm.name));
    const spec = stateMachineSpecs.find((s) => s.name === name);
    return {
      name,
      definition: restorePlaceholders(
        String(sm.definition),
        (fn) => `\${${functionAddress.get(fn) ?? `<no function ${fn}>`}.arn}`,
        spec,
      ),
    };
  });

  const tables = resourcesOf(parsed, 'aws_dynamodb_table').map((t): TableRecord => {
    const gsis = (t.global_secondary_index ?? []) as {
      name: string;
      hash_key?: string;
      range_key?: string;
      projection_type?: string;
    }[];
    const ttl = t.ttl as { attribute_name?: string; enabled?: boolean } | undefined;
    return {
      name: logicalName(prefix, String(t.name)),
      partitionKey: t.hash_key === undefined ? null : String(t.hash_key),
      sortKey: t.range_key === undefined ? null : String(t.range_key),
      globalSecondaryIndexes: gsis
        .map((g) => ({
          name: g.name,
          partitionKey: g.hash_key ?? null,
          sortKey: g.range_key ?? null,
          projection: g.projection_type ?? null,
        }))
        .sort(byName),
      ttlAttribute: ttl?.enabled === true ? (ttl.attribute_name ?? null) : null,
    };
  });

  return sortedInventory({ queues, rules, functions, mappings, stateMachines, tables });
};

export interface LocalEdge {
  readonly edgeUrl: string;
  readonly region: string;
  readonly prefix: string;
  /** The platform bus's logical name (rules live there and on `default`). */
  readonly buses: readonly string[];
}

const lastSegment = (arn: string): string => arn.split(/[:/]/).at(-1) ?? arn;

/** The local side, read only through unmodified SDK v3 clients against the edge. */
export const localInventory = async (
  edge: LocalEdge,
  stateMachineSpecs: readonly StateMachineSpec[],
): Promise<RuntimeInventory> => {
  const config = {
    endpoint: edge.edgeUrl,
    region: edge.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const sqs = new SQSClient(config);
  const events = new EventBridgeClient(config);
  const lambda = new LambdaClient(config);
  const sfn = new SFNClient(config);
  const dynamodb = new DynamoDBClient(config);
  const logical = (physical: string): string => logicalName(edge.prefix, physical);
  try {
    const queueUrls = (await sqs.send(new ListQueuesCommand({ QueueNamePrefix: `${edge.prefix}-` }))).QueueUrls ?? [];
    const queues = await Promise.all(
      queueUrls.map(async (url): Promise<QueueRecord> => {
        const attributes =
          (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
        let redrive: QueueRecord['redrive'] = null;
        if (attributes.RedrivePolicy) {
          const policy = JSON.parse(attributes.RedrivePolicy) as {
            deadLetterTargetArn: string;
            maxReceiveCount: number | string;
          };
          redrive = {
            deadLetterQueue: logical(lastSegment(policy.deadLetterTargetArn)),
            maxReceiveCount: Number(policy.maxReceiveCount),
          };
        }
        return {
          name: logical(lastSegment(url)),
          visibilityTimeoutSeconds: Number(attributes.VisibilityTimeout),
          messageRetentionSeconds: Number(attributes.MessageRetentionPeriod),
          delaySeconds: Number(attributes.DelaySeconds),
          redrive,
        };
      }),
    );

    const targetKind: Record<string, string> = { sqs: 'sqs', lambda: 'lambda', states: 'stepfunctions' };
    const rules: RuleRecord[] = [];
    for (const bus of ['default', ...edge.buses]) {
      const busName = bus === 'default' ? 'default' : `${edge.prefix}-${bus}`;
      const listed = (await events.send(new ListRulesCommand({ EventBusName: busName }))).Rules ?? [];
      for (const summary of listed) {
        const rule = await events.send(new DescribeRuleCommand({ Name: summary.Name, EventBusName: busName }));
        const targets =
          (await events.send(new ListTargetsByRuleCommand({ Rule: summary.Name, EventBusName: busName }))).Targets ??
          [];
        rules.push({
          name: logical(String(rule.Name)),
          bus,
          eventPattern: rule.EventPattern === undefined ? null : JSON.parse(rule.EventPattern),
          schedule: rule.ScheduleExpression ?? null,
          targets: targets
            .map((t): TargetRecord => {
              const service = String(t.Arn).split(':')[2];
              return {
                id: String(t.Id),
                kind: targetKind[service] ?? service,
                resource: logical(lastSegment(String(t.Arn))),
                inputPath: t.InputPath ?? null,
              };
            })
            .sort(byKey((t) => t.id)),
        });
      }
    }

    const listedFunctions = (await lambda.send(new ListFunctionsCommand({}))).Functions ?? [];
    const functions = listedFunctions.map(
      (fn): FunctionRecord => ({
        name: logical(String(fn.FunctionName)),
        timeoutSeconds: Number(fn.Timeout),
        memoryMb: Number(fn.MemorySize),
      }),
    );
    const functionArns = new Map(
      listedFunctions.map((fn) => [logical(String(fn.FunctionName)), String(fn.FunctionArn)]),
    );

    const mappings: MappingRecord[] = [];
    for await (const page of paginateListEventSourceMappings({ client: lambda }, {})) {
      for (const m of page.EventSourceMappings ?? []) {
        mappings.push({
          queue: logical(lastSegment(String(m.EventSourceArn))),
          function: logical(lastSegment(String(m.FunctionArn))),
          batchSize: Number(m.BatchSize),
          maximumBatchingWindowSeconds: Number(m.MaximumBatchingWindowInSeconds ?? 0),
          reportBatchItemFailures: m.FunctionResponseTypes?.includes('ReportBatchItemFailures') ?? false,
        });
      }
    }

    const machines = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines ?? [];
    const stateMachines = await Promise.all(
      machines.map(async (summary): Promise<StateMachineRecord> => {
        const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: summary.stateMachineArn }));
        const name = logical(String(described.name));
        const spec = stateMachineSpecs.find((s) => s.name === name);
        return {
          name,
          definition: restorePlaceholders(
            String(described.definition),
            (fn) => functionArns.get(fn) ?? `<no function ${fn}>`,
            spec,
          ),
        };
      }),
    );

    const tableNames = ((await dynamodb.send(new ListTablesCommand({}))).TableNames ?? []).filter((t) =>
      t.startsWith(`${edge.prefix}-`),
    );
    const tables = await Promise.all(
      tableNames.map(async (tableName): Promise<TableRecord> => {
        const { Table: table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
        const { TimeToLiveDescription: ttl } = await dynamodb.send(
          new DescribeTimeToLiveCommand({ TableName: tableName }),
        );
        const key = (
          schema: readonly { AttributeName?: string; KeyType?: string }[] | undefined,
          type: 'HASH' | 'RANGE',
        ): string | null => schema?.find((k) => k.KeyType === type)?.AttributeName ?? null;
        return {
          name: logical(tableName),
          partitionKey: key(table?.KeySchema, 'HASH'),
          sortKey: key(table?.KeySchema, 'RANGE'),
          globalSecondaryIndexes: (table?.GlobalSecondaryIndexes ?? [])
            .map((g) => ({
              name: String(g.IndexName),
              partitionKey: key(g.KeySchema, 'HASH'),
              sortKey: key(g.KeySchema, 'RANGE'),
              projection: g.Projection?.ProjectionType ?? null,
            }))
            .sort(byName),
          ttlAttribute: ttl?.TimeToLiveStatus === 'ENABLED' ? (ttl.AttributeName ?? null) : null,
        };
      }),
    );

    return sortedInventory({ queues, rules, functions, mappings, stateMachines, tables });
  } finally {
    for (const client of [sqs, events, lambda, sfn, dynamodb]) client.destroy();
  }
};
