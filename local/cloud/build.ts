/**
 * Turns a LocalCloudDescription into resources of the running emulations: tables on DynamoDB Local, buckets,
 * secrets, queues with their redrive, functions registered with their environment, state machines from their ASL,
 * buses with archives, rules with targets, and SQS event source mappings. Generic: it reads only the description.
 */
import { existsSync, readFileSync } from 'node:fs';
import { DeleteTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { createTable } from '../dynamodb/create-tables';
import type { LocalLogger } from '../edge/logger';
import type { LocalEventBridge } from '../eventbridge/local-event-bridge';
import { runWithEnvironment } from '../lambda/function-environment';
import type { HandlerModule, LambdaHandler, LocalLambda } from '../lambda/local-lambda';
import { startSqsEventSource } from '../lambda/sqs-event-source';
import { meteredQueueReader } from '../metrics/metered-services';
import type { LocalMetrics } from '../metrics/metrics';
import type { LocalS3 } from '../s3/local-s3';
import type { LocalSecretsManager } from '../secrets/local-secrets';
import type { LocalSqs } from '../sqs/local-sqs';
import type { LocalStepFunctions } from '../stepfunctions/local-step-functions';
import { LocalCloudStartError } from './delivery';
import type { LocalCloudDescription, LocalResources, RuleTargetDescription } from './description';

export interface BuildInput {
  readonly description: LocalCloudDescription;
  readonly edgeUrl: string;
  readonly region: string;
  readonly account: string;
  readonly ownPorts: readonly number[];
  readonly names: (logical: string) => string;
  readonly sqs: LocalSqs;
  readonly lambda: LocalLambda;
  readonly eventBridge: LocalEventBridge;
  readonly stepFunctions: LocalStepFunctions;
  readonly s3: LocalS3;
  readonly secretsManager: LocalSecretsManager;
  readonly log: LocalLogger;
  /** Counts the event source mappings' receives and deletes, as AWS bills them. */
  readonly metrics?: LocalMetrics;
  readonly userPool: { readonly id: string; readonly clientId: string };
  /** What every function's process gets beside its own environment (SDK endpoint, X-Ray daemon). */
  readonly runtimeEnvironment: Readonly<Record<string, string>>;
  /** The host's environment as a Lambda sandbox would not see it (no developer profile). */
  readonly hostEnvironment: () => Record<string, string>;
}

const dynamoClient = (endpoint: string, region: string): DynamoDBClient =>
  new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

/** Creates every table of the description (an existing one is left as is); returns the physical names. */
export const createTables = async (
  description: LocalCloudDescription,
  dynamoEndpoint: string,
  region: string,
  names: (logical: string) => string,
): Promise<string[]> => {
  const client = dynamoClient(dynamoEndpoint, region);
  try {
    const created: string[] = [];
    for (const table of description.tables ?? []) {
      await createTable(client, table, names(table.name));
      created.push(names(table.name));
    }
    return created;
  } finally {
    client.destroy();
  }
};

/** Deletes and re-creates every table of the description (what a reset does to DynamoDB). */
export const recreateTables = async (
  description: LocalCloudDescription,
  dynamoEndpoint: string,
  region: string,
  names: (logical: string) => string,
): Promise<void> => {
  const client = dynamoClient(dynamoEndpoint, region);
  try {
    for (const table of description.tables ?? []) {
      await client.send(new DeleteTableCommand({ TableName: names(table.name) })).catch((error: unknown) => {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      });
    }
  } finally {
    client.destroy();
  }
  await createTables(description, dynamoEndpoint, region, names);
};

/** The runtime variables Lambda sets during a function's init phase. */
const initEnvironment = (functionName: string): Record<string, string> => ({
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: functionName,
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  LAMBDA_TASK_ROOT: process.cwd(),
});

/** Loads a handler module in-process (tsx or ts-jest compile TypeScript entries). */
const requireHandler = (entry: string): LambdaHandler => {
  const loaded = require(entry) as { handler?: unknown };
  if (typeof loaded.handler !== 'function')
    throw new LocalCloudStartError(`${entry} does not export a function named handler`);
  return loaded.handler as LambdaHandler;
};

/** Creates every resource but the tables; answers the resolver of the running cloud and the functions left out. */
export const buildResources = (input: BuildInput): { resources: LocalResources; missingFunctions: string[] } => {
  const { description, names, region, sqs, lambda, eventBridge, stepFunctions, s3, secretsManager, log } = input;

  for (const bucket of description.buckets ?? []) s3.createBucket(names(bucket.name));
  const secretArns = new Map<string, string>();
  for (const secret of description.secrets ?? [])
    secretArns.set(
      secret.name,
      secretsManager.createSecret(names(secret.name), secret.initialValue ?? '{}', secret.description).arn,
    );

  for (const queue of description.deadLetterQueues ?? []) {
    sqs.createQueue(names(queue.name), { MessageRetentionPeriod: String(queue.messageRetentionSeconds) });
    sqs.markDeadLetter(names(queue.name));
  }
  for (const queue of description.queues ?? []) {
    const dlq = queue.deadLetter
      ? sqs.createQueue(names(queue.deadLetter.name), {
          MessageRetentionPeriod: String(queue.deadLetter.messageRetentionSeconds),
        })
      : undefined;
    sqs.createQueue(names(queue.name), {
      VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(queue.messageRetentionSeconds),
      DelaySeconds: String(queue.delaySeconds),
      ...(dlq && queue.deadLetter
        ? {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: dlq.arn,
              maxReceiveCount: queue.deadLetter.maxReceiveCount,
            }),
          }
        : {}),
    });
  }

  const resources: LocalResources = {
    edgeUrl: input.edgeUrl,
    region,
    account: input.account,
    ownPorts: input.ownPorts,
    name: names,
    queueUrl: (logical) => sqs.queueUrl(names(logical), input.edgeUrl),
    functionArn: (logical) => lambda.functionArn(names(logical)),
    stateMachineArn: (logical) => stepFunctions.stateMachineArn(names(logical)),
    secretArn: (logical) => secretArns.get(logical) ?? '',
    userPool: input.userPool,
  };

  const missingFunctions: string[] = [];
  for (const spec of description.functions ?? []) {
    if (!existsSync(spec.entry)) {
      missingFunctions.push(spec.name);
      continue;
    }
    const environment: Record<string, string> = {
      ...input.runtimeEnvironment,
      ...(spec.environment?.(resources) ?? {}),
    };
    // Lambda's init phase: module-level code (a Powertools Tracer deciding it runs in Lambda) sees the function's environment.
    const loadEnvironment = { ...input.hostEnvironment(), ...environment, ...initEnvironment(names(spec.name)) };
    let code: { readonly handler: LambdaHandler } | { readonly module: HandlerModule };
    if (lambda.handlerThreads > 0 && spec.load === undefined) {
      // Loaded in the handler threads (startCloud waits for it, so a load error still fails the start).
      code = { module: { entry: spec.entry, initEnvironment: loadEnvironment } };
    } else {
      try {
        code = { handler: runWithEnvironment(loadEnvironment, () => (spec.load ?? requireHandler)(spec.entry)) };
      } catch (error) {
        throw new LocalCloudStartError(
          `The function ${spec.name} could not be loaded from ${spec.entry}: ${(error as Error).message}`,
          error,
        );
      }
    }
    lambda.register({
      name: names(spec.name),
      ...code,
      environment,
      timeoutSeconds: spec.timeoutSeconds,
      memoryMb: spec.memoryMb,
      description: spec.description,
    });
    if (spec.asyncInvocation !== undefined) {
      const { onFailureQueue, ...retries } = spec.asyncInvocation;
      lambda.putEventInvokeConfig(names(spec.name), {
        ...retries,
        ...(onFailureQueue === undefined ? {} : { onFailureDestination: sqs.queueArn(names(onFailureQueue)) }),
      });
    }
  }
  if (missingFunctions.length > 0)
    log.warn('functions without an entry file were not registered', { missingFunctions });

  for (const machine of description.stateMachines ?? []) {
    if (!existsSync(machine.definitionFile)) {
      log.warn('state machine definition missing; the state machine was not created', {
        stateMachine: machine.name,
        definitionFile: machine.definitionFile,
      });
      continue;
    }
    let definition = readFileSync(machine.definitionFile, 'utf8');
    for (const [placeholder, fn] of Object.entries(machine.functionArnSubstitutions ?? {}))
      definition = definition.replaceAll(`\${${placeholder}}`, lambda.functionArn(names(fn)));
    stepFunctions.createStateMachine({ name: names(machine.name), definition });
  }

  for (const bus of description.buses ?? []) {
    const busArn = eventBridge.createEventBus(names(bus.name));
    if (bus.archive)
      eventBridge.createArchive({
        ArchiveName: names(bus.archive.name),
        EventSourceArn: busArn,
        RetentionDays: bus.archive.retentionDays,
      });
  }
  const targetArn = (target: RuleTargetDescription): string => {
    if (target.kind === 'sqs') return sqs.queueArn(names(target.queue));
    if (target.kind === 'lambda') return lambda.functionArn(names(target.function));
    return resources.stateMachineArn(target.stateMachine);
  };
  for (const rule of description.rules ?? []) {
    const bus = rule.bus === 'default' ? 'default' : names(rule.bus);
    const name = names(rule.name);
    eventBridge.putRule({
      Name: name,
      EventBusName: bus,
      Description: rule.description,
      ...(rule.eventPattern ? { EventPattern: JSON.stringify(rule.eventPattern) } : {}),
      ...(rule.schedule ? { ScheduleExpression: rule.schedule } : {}),
    });
    eventBridge.putTargets(
      name,
      bus,
      rule.targets.map((target) => ({
        Id: target.id,
        Arn: targetArn(target),
        ...(target.inputPath ? { InputPath: target.inputPath } : {}),
      })),
    );
  }

  const registered = new Set(lambda.listFunctions().map((f) => f.name));
  for (const queue of description.queues ?? []) {
    if (!queue.consumer) continue;
    const functionName = names(queue.consumer.function);
    if (!registered.has(functionName)) continue;
    startSqsEventSource(
      input.metrics === undefined ? sqs : meteredQueueReader(sqs, input.metrics),
      lambda,
      {
        queue: names(queue.name),
        functionName,
        batchSize: queue.consumer.batchSize,
        maximumBatchingWindowSeconds: queue.consumer.maximumBatchingWindowSeconds,
        reportBatchItemFailures: queue.consumer.reportBatchItemFailures,
      },
      {
        onError: (error, where) =>
          log.warn('event source mapping problem', {
            ...where,
            error: error instanceof Error ? error.message : String(error),
          }),
      },
    );
  }
  return { resources, missingFunctions };
};
