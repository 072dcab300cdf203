/**
 * The local cloud: one edge endpoint serving every AWS API the platform uses, built from the one description of the
 * resources (core/platform/resources.ts). DynamoDB Local for the table, in-process emulations for the rest, every
 * Lambda handler registered in-process with the environment the CDKTF module gives it in AWS.
 *
 *   const cloud = await startLocalCloud({ edgePort: 4566, seed });
 *   // run the API with { ...process.env, ...cloud.env }
 *   await cloud.stop();
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DeleteTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import {
  buckets,
  buses,
  deadLetterQueueName,
  failureQueues,
  functions,
  physicalName,
  queues,
  rules,
  secrets,
  stateMachines,
  tables,
  type FunctionSpec,
  type ResourceRef,
  type RuleTarget,
} from '../core/platform/resources';
import { demoUsersRoute, seedDemoIdentity, type DemoIdentity } from './cognito/demo-users';
import { LocalCognito } from './cognito/local-cognito';
import { controlPlaneRoute } from './control/control-plane';
import { demoPartnerSecretValue, partnersRoute } from './control/partners-route';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb/dynamodb-local';
import { createPlatformTables } from './dynamodb/create-tables';
import { DynamoDbProxy } from './dynamodb-proxy/dynamodb-proxy';
import { createLocalLogger, type LocalLogger } from './edge/logger';
import { startEdge, type RunningEdge } from './edge/server';
import { LocalEventBridge, type TargetSink } from './eventbridge/local-event-bridge';
import { LambdaFunctionNotFoundError, LocalLambda, type LambdaHandler } from './lambda/local-lambda';
import { startSqsEventSource } from './lambda/sqs-event-source';
import { LocalS3 } from './s3/local-s3';
import { LocalSecretsManager } from './secrets/local-secrets';
import { LocalSes } from './ses/local-ses';
import { LocalSqs } from './sqs/local-sqs';
import { LocalStepFunctions } from './stepfunctions/local-step-functions';
import { startDaemonCollector, type RunningDaemonCollector } from './xray/daemon-collector';
import { createLambdaTracing } from './xray/lambda-tracing';
import { TraceStore } from './xray/trace-store';
import { LocalXRay } from './xray/xray-api';
import { runWithEnvironment } from './lambda/function-environment';

export const LOCAL_PREFIX = 'local';
const ACCOUNT = '000000000000';
const REPOSITORY_ROOT = resolve(__dirname, '..');

export interface LocalCloudContext {
  readonly edgeUrl: string;
  readonly env: Readonly<Record<string, string>>;
  /** Physical names by logical name (tables, buses, buckets, queues, functions, state machines). */
  readonly names: (logical: string) => string;
}

export interface LocalCloudOptions {
  /** The edge's port; default EDGE_PORT, then 4566. 0 picks a free port (tests). */
  readonly edgePort?: number;
  /** Keeps DynamoDB's data in this directory across restarts; in memory when absent (default DATA_DIR). */
  readonly dataDir?: string;
  /** Where function `entry` paths are resolved; default the repository root. */
  readonly functionsBaseDir?: string;
  /** Fills the platform with its demo data: called once started and after every POST /_local/reset. */
  readonly seed?: (cloud: LocalCloudContext) => Promise<void>;
  /** Scales Step Functions Retry and Wait delays (1 = AWS timing); tests use e.g. 0.01. */
  readonly timeScale?: number;
  readonly region?: string;
  readonly logger?: LocalLogger;
}

export interface RunningLocalCloud extends LocalCloudContext {
  /** Milliseconds from the call to ready. */
  readonly readyMs: number;
  /** Functions whose entry file does not exist (yet), so they were not registered. */
  readonly missingFunctions: readonly string[];
  /** The emulations, for tests and the start script. */
  readonly services: {
    readonly sqs: LocalSqs;
    readonly lambda: LocalLambda;
    readonly eventBridge: LocalEventBridge;
    readonly stepFunctions: LocalStepFunctions;
    readonly s3: LocalS3;
    readonly ses: LocalSes;
    readonly secrets: LocalSecretsManager;
    /** The user pool emulation and the demo users (alice, bob, admin) with their passwords. */
    readonly cognito: LocalCognito;
    readonly identity: DemoIdentity;
    readonly dynamoDbEndpoint: string;
    readonly dynamoDbPid: number;
    /** The X-Ray collector: its traces, and the daemon address (AWS_XRAY_DAEMON_ADDRESS) it listens on. */
    readonly xray: { readonly store: TraceStore; readonly daemonAddress: string };
  };
  /** Empties queues, mails and objects, re-creates the tables and seeds again (what POST /_local/reset does). */
  reset(): Promise<void>;
  /** Stops every poller, timer, server and child process this cloud started. */
  stop(): Promise<void>;
}

export class LocalCloudPortInUseError extends Error {
  constructor(
    readonly port: number,
    cause?: unknown,
  ) {
    super(`Port ${port} is already in use, so the local cloud's edge cannot listen on it. Stop what uses it or choose another port with EDGE_PORT.`, { cause });
    this.name = 'LocalCloudPortInUseError';
  }
}

export class LocalCloudStartError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'LocalCloudStartError';
  }
}

const credentials = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

/** The SDK settings every process talking to the local cloud needs. */
const sdkEnvironment = (edgeUrl: string, region: string): Record<string, string> => ({
  AWS_ENDPOINT_URL: edgeUrl,
  AWS_REGION: region,
  AWS_DEFAULT_REGION: region,
  ...credentials,
  // Local S3 implementations want plain bodies; the SDK's default would send aws-chunked with trailing checksums.
  AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
  AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
});

const hostEnvironment = (): Record<string, string> => {
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) environment[key] = value;
  // In AWS the variable does not exist; a developer's shell must not switch idempotency off inside the handlers.
  delete environment.POWERTOOLS_IDEMPOTENCY_DISABLED;
  delete environment.AWS_PROFILE;
  delete environment.AWS_SESSION_TOKEN;
  return environment;
};

const listen = async (start: () => Promise<RunningEdge>, port: number): Promise<RunningEdge> => {
  try {
    return await start();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new LocalCloudPortInUseError(port, error);
    throw new LocalCloudStartError(`The edge could not listen on 127.0.0.1:${port}: ${(error as Error).message}`, error);
  }
};

/** Starts the whole local cloud and answers once every resource of the description exists. */
export const startLocalCloud = async (options: LocalCloudOptions = {}): Promise<RunningLocalCloud> => {
  const started = Date.now();
  const log = options.logger ?? createLocalLogger('cloud');
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const edgePort = options.edgePort ?? Number(process.env.EDGE_PORT ?? 4566);
  const baseDir = options.functionsBaseDir ?? REPOSITORY_ROOT;
  const names = (logical: string): string => physicalName(LOCAL_PREFIX, logical);

  let dynamoEndpoint = '';
  const traceStore = new TraceStore();
  let collector: RunningDaemonCollector;
  try {
    collector = await startDaemonCollector(traceStore, { logger: log });
  } catch (error) {
    throw new LocalCloudStartError(`The X-Ray collector could not listen on a UDP port of 127.0.0.1: ${(error as Error).message}`, error);
  }
  const emitSegment = (document: Readonly<Record<string, unknown>>): void => {
    const outcome = traceStore.add([document]);
    if (outcome.rejected.length > 0) log.warn('a local trace segment was rejected', { rejected: outcome.rejected });
  };
  const sqs = new LocalSqs({ region });
  const lambda = new LocalLambda({ region, baseEnvironment: hostEnvironment(), tracing: createLambdaTracing({ emit: emitSegment, daemonAddress: collector.address }) });
  const stepFunctions = new LocalStepFunctions({
    region,
    timeScale: options.timeScale,
    emitSegment,
    invoke: async (arn, payload, invokeOptions) => {
      try {
        return await lambda.invoke(arn, payload, invokeOptions);
      } catch (error) {
        if (error instanceof LambdaFunctionNotFoundError) return { error: { errorType: 'Lambda.ResourceNotFoundException', errorMessage: error.message } };
        throw error;
      }
    },
  });
  const failureQueue = names(failureQueues[0].name);
  const sink: TargetSink = {
    deliver: async ({ arn, input, traceHeader }) => {
      const [, , service, , , kind] = arn.split(':');
      if (service === 'sqs') {
        await sqs.sendMessage(arn.split(':').at(-1) ?? '', input, { traceHeader });
        return;
      }
      if (service === 'lambda') {
        lambda.invokeAsync(
          arn,
          JSON.parse(input),
          (outcome) => {
          if (!outcome.error) return;
          log.warn('asynchronous invocation failed; recorded in the failure queue', { function: arn, error: outcome.error });
          const record = { version: '1.0', timestamp: new Date().toISOString(), requestContext: { functionArn: arn, condition: 'RetriesExhausted' }, requestPayload: JSON.parse(input), responsePayload: outcome.error };
          void sqs.sendMessage(failureQueue, JSON.stringify(record)).catch((error: unknown) => log.error('could not record a failed invocation', error));
          },
          traceHeader === undefined ? {} : { traceHeader },
        );
        return;
      }
      if (service === 'states' && kind?.startsWith('stateMachine')) {
        stepFunctions.startExecution(arn, input, undefined, traceHeader);
        return;
      }
      throw new LocalCloudStartError(`The local EventBridge cannot deliver to ${arn}: no local service for it`);
    },
  };
  const scheduleOverrides: Record<string, number> = {};
  for (const rule of rules) if ('localScheduleSeconds' in rule) scheduleOverrides[names(rule.name)] = rule.localScheduleSeconds;
  const eventBridge = new LocalEventBridge({
    sink,
    region,
    scheduleOverrides,
    // As a target's DeadLetterConfig does in AWS: the undeliverable event goes to the failure queue with attributes
    // naming the rule, the target and the error, so nothing is lost silently.
    onDeliveryError: (failure) => {
      log.error('event delivery failed after its retries; sent to the failure queue', { ruleArn: failure.ruleArn, targetId: failure.targetId, targetArn: failure.targetArn, attempts: failure.attempts, error: String(failure.error) });
      const attribute = (value: string) => ({ DataType: 'String', StringValue: value.slice(0, 1024) || '-' });
      void sqs
        .sendMessage(failureQueue, failure.input, {
          attributes: {
            RULE_ARN: attribute(failure.ruleArn),
            TARGET_ARN: attribute(failure.targetArn),
            ERROR_CODE: attribute(failure.error instanceof Error ? failure.error.name : 'Error'),
            ERROR_MESSAGE: attribute(failure.error instanceof Error ? failure.error.message : String(failure.error)),
          },
        })
        .catch((error: unknown) => log.error('could not record an undeliverable event', error));
    },
  });
  const s3 = new LocalS3();
  const ses = new LocalSes();
  const secretsManager = new LocalSecretsManager(region, ACCOUNT);
  const cognito = new LocalCognito({ region });
  let demoIdentity: DemoIdentity | undefined;

  let context: LocalCloudContext | undefined;
  const reset = async (): Promise<void> => {
    for (const queue of sqs.listQueues()) sqs.purgeQueue(queue.name);
    ses.clear();
    s3.clear();
    traceStore.clear();
    lambda.clearFaults();
    await stepFunctions.reset();
    const client = new DynamoDBClient({ endpoint: dynamoEndpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      for (const table of tables) {
        await client.send(new DeleteTableCommand({ TableName: names(table.name) })).catch((error: unknown) => {
          if (!(error instanceof ResourceNotFoundException)) throw error;
        });
      }
      await createPlatformTables(client, names);
    } finally {
      client.destroy();
    }
    if (options.seed && context) await options.seed(context);
  };

  const edgeStart = listen(
    () =>
      startEdge(
        {
          services: [new DynamoDbProxy(() => dynamoEndpoint), sqs, lambda, eventBridge, stepFunctions, s3, ses, secretsManager, new LocalXRay(traceStore), cognito],
          extraRoutes: [
            cognito.route,
            demoUsersRoute(() => demoIdentity),
            partnersRoute(() => {
              try {
                return secretsManager.find(names('partner-secrets')).value;
              } catch {
                return undefined;
              }
            }),
            controlPlaneRoute({
              functions: {
                listFunctions: () => lambda.listFunctions(),
                injectFault: (name, faults) => lambda.injectFault(resolveFunction(lambda, name), faults),
                clearFaults: (name) => lambda.clearFaults(name === undefined ? undefined : resolveFunction(lambda, name)),
              },
              queues: sqs,
              emails: ses,
              reset,
            }),
          ],
          onInternalError: (error, request) => log.error('an emulation failed', { error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error), service: request.service, action: request.action, path: request.path }),
        },
        edgePort,
      ),
    edgePort,
  );
  const [edgeOutcome, dynamoOutcome] = await Promise.allSettled([edgeStart, startDynamoDbLocal({ dataDir: options.dataDir ?? process.env.DATA_DIR })]);
  if (edgeOutcome.status === 'rejected' || dynamoOutcome.status === 'rejected') {
    if (edgeOutcome.status === 'fulfilled') await edgeOutcome.value.close();
    if (dynamoOutcome.status === 'fulfilled') await dynamoOutcome.value.stop();
    await collector.close();
    throw edgeOutcome.status === 'rejected' ? edgeOutcome.reason : (dynamoOutcome as PromiseRejectedResult).reason;
  }
  const edge = edgeOutcome.value;
  const dynamo: DynamoDbLocal = dynamoOutcome.value;
  dynamoEndpoint = dynamo.endpoint;
  sqs.setBaseUrl(edge.url);
  cognito.setBaseUrl(edge.url);
  const identity = seedDemoIdentity(cognito);
  demoIdentity = identity;
  log.info('demo users created (also listed by GET /_local/users)', { userPoolId: identity.userPoolId, users: identity.users.map(({ username, password, groups }) => ({ username, password, groups })) });

  const stop = async (): Promise<void> => {
    eventBridge.stop();
    await lambda.stop();
    await stepFunctions.shutdown();
    await eventBridge.drain();
    sqs.stop();
    await edge.close();
    await dynamo.stop();
    await collector.close();
  };

  try {
    const built = await build({ edgeUrl: edge.url, region, names, baseDir, dynamoEndpoint, sqs, lambda, eventBridge, stepFunctions, s3, secretsManager, log, daemonAddress: collector.address, userPoolId: identity.userPoolId });
    context = { edgeUrl: edge.url, env: { ...built.apiEnvironment, USER_POOL_ID: identity.userPoolId, USER_POOL_CLIENT_ID: identity.userPoolClientId }, names };
    if (options.seed) await options.seed(context);
    eventBridge.startSchedules();
    const readyMs = Date.now() - started;
    log.info('local cloud ready', { edgeUrl: edge.url, readyMs, dynamoDb: dynamo.endpoint, functions: lambda.listFunctions().length, missingFunctions: built.missingFunctions });
    return {
      ...context,
      readyMs,
      missingFunctions: built.missingFunctions,
      services: { sqs, lambda, eventBridge, stepFunctions, s3, ses, secrets: secretsManager, cognito, identity, dynamoDbEndpoint: dynamo.endpoint, dynamoDbPid: dynamo.pid, xray: { store: traceStore, daemonAddress: collector.address } },
      reset,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};

/** A function by its physical name, or by its logical name from the description (`send-email`). */
const resolveFunction = (lambda: LocalLambda, name: string): string => {
  const physical = physicalName(LOCAL_PREFIX, name);
  return lambda.listFunctions().some((f) => f.name === name || f.arn === name) || !lambda.listFunctions().some((f) => f.name === physical) ? name : physical;
};

interface BuildInput {
  readonly edgeUrl: string;
  readonly region: string;
  readonly names: (logical: string) => string;
  readonly baseDir: string;
  readonly dynamoEndpoint: string;
  readonly sqs: LocalSqs;
  readonly lambda: LocalLambda;
  readonly eventBridge: LocalEventBridge;
  readonly stepFunctions: LocalStepFunctions;
  readonly s3: LocalS3;
  readonly secretsManager: LocalSecretsManager;
  readonly log: LocalLogger;
  readonly daemonAddress: string;
  readonly userPoolId: string;
}

/** Creates every resource of the description and registers the functions whose entry exists. */
const build = async (input: BuildInput): Promise<{ apiEnvironment: Record<string, string>; missingFunctions: string[] }> => {
  const { names, region, sqs, lambda, eventBridge, stepFunctions, s3, secretsManager, log } = input;
  const client = new DynamoDBClient({ endpoint: input.dynamoEndpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    await createPlatformTables(client, names);
  } finally {
    client.destroy();
  }

  for (const bucket of buckets) s3.createBucket(names(bucket.name));
  const secretArns = new Map<string, string>();
  // partner-secrets starts with the demo partner acme (issue 5); GET /_local/partners lists it.
  for (const secret of secrets) secretArns.set(secret.name, secretsManager.createSecret(names(secret.name), secret.name === 'partner-secrets' ? demoPartnerSecretValue() : '{}', secret.description).arn);

  for (const queue of failureQueues) {
    sqs.createQueue(names(queue.name), { MessageRetentionPeriod: String(queue.messageRetentionSeconds) });
    sqs.markDeadLetter(names(queue.name));
  }
  for (const queue of queues) {
    const dlq = sqs.createQueue(names(deadLetterQueueName(queue.name)), { MessageRetentionPeriod: String(queue.deadLetter.messageRetentionSeconds) });
    sqs.createQueue(names(queue.name), {
      VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(queue.messageRetentionSeconds),
      DelaySeconds: String(queue.delaySeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: queue.deadLetter.maxReceiveCount }),
    });
  }

  const stateMachineArn = (name: string): string => stepFunctions.stateMachineArn(names(name));
  const resolveRef = (ref: ResourceRef): string => {
    if ('table' in ref) return names(ref.table);
    if ('bucket' in ref) return names(ref.bucket);
    if ('bus' in ref) return names(ref.bus);
    if ('queueUrl' in ref) return sqs.queueUrl(names(ref.queueUrl), input.edgeUrl);
    if ('secretArn' in ref) return secretArns.get(ref.secretArn) ?? '';
    if ('stateMachineArn' in ref) return stateMachineArn(ref.stateMachineArn);
    if ('userPoolId' in ref) return input.userPoolId;
    return ref.literal;
  };
  const common = {
    ...sdkEnvironment(input.edgeUrl, region),
    TABLE_NAME: names(tables[0].name),
    EVENT_BUS_NAME: names(buses[0].name),
    // Webhook deliveries may go to http and loopback receivers here only (core/webhooks/url-safety.ts); never set in AWS.
    WEBHOOK_ALLOW_LOOPBACK: 'true',
    // Where send-email looks up the customer's address (the identity); the demo pool's id.
    USER_POOL_ID: input.userPoolId,
    // What Lambda's active tracing and the ECS X-Ray sidecar give a process: the daemon, and no crash without a segment.
    AWS_XRAY_DAEMON_ADDRESS: input.daemonAddress,
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  };

  const missingFunctions: string[] = [];
  for (const spec of functions as readonly FunctionSpec[]) {
    const entry = resolve(input.baseDir, spec.entry);
    if (!existsSync(entry)) {
      missingFunctions.push(spec.name);
      continue;
    }
    let handler: LambdaHandler;
    const environment: Record<string, string> = { ...common, POWERTOOLS_SERVICE_NAME: spec.name, POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO', POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false' };
    for (const [key, ref] of Object.entries(spec.environment ?? {})) environment[key] = resolveRef(ref);
    try {
      // Lambda's init phase: module-level code (a Powertools Tracer deciding it runs in Lambda) sees the function's environment.
      handler = runWithEnvironment({ ...hostEnvironment(), ...environment, ...initEnvironment(names(spec.name)) }, () => loadHandler(entry));
    } catch (error) {
      throw new LocalCloudStartError(`The function ${spec.name} could not be loaded from ${spec.entry}: ${(error as Error).message}`, error);
    }
    lambda.register({ name: names(spec.name), handler, environment, timeoutSeconds: spec.timeoutSeconds, memoryMb: spec.memoryMb, description: spec.description });
  }
  if (missingFunctions.length > 0) log.warn('functions without an entry file were not registered', { missingFunctions });

  for (const machine of stateMachines) {
    const file = resolve(input.baseDir, machine.definitionFile);
    if (!existsSync(file)) {
      log.warn('state machine definition missing; the state machine was not created', { stateMachine: machine.name, definitionFile: machine.definitionFile });
      continue;
    }
    let definition = readFileSync(file, 'utf8');
    for (const [placeholder, fn] of Object.entries(machine.functionArns)) definition = definition.replaceAll(`\${${placeholder}}`, lambda.functionArn(names(fn)));
    stepFunctions.createStateMachine({ name: names(machine.name), definition });
  }

  for (const bus of buses) {
    const busArn = eventBridge.createEventBus(names(bus.name));
    eventBridge.createArchive({ ArchiveName: names(`${bus.name}-archive`), EventSourceArn: busArn, RetentionDays: bus.archiveRetentionDays });
  }
  const targetArn = (target: RuleTarget): string => {
    if (target.kind === 'sqs') return sqs.queueArn(names(target.queue));
    if (target.kind === 'lambda') return lambda.functionArn(names(target.function));
    return stateMachineArn(target.stateMachine);
  };
  for (const rule of rules) {
    const bus = rule.bus === 'default' ? 'default' : names(rule.bus);
    const name = names(rule.name);
    eventBridge.putRule({
      Name: name,
      EventBusName: bus,
      Description: rule.description,
      ...('eventPattern' in rule ? { EventPattern: JSON.stringify(rule.eventPattern) } : {}),
      ...('schedule' in rule ? { ScheduleExpression: rule.schedule } : {}),
    });
    eventBridge.putTargets(
      name,
      bus,
      rule.targets.map((target: RuleTarget) => ({ Id: target.id, Arn: targetArn(target), ...(target.inputPath ? { InputPath: target.inputPath } : {}) })),
    );
  }

  const registered = new Set(lambda.listFunctions().map((f) => f.name));
  for (const queue of queues) {
    if (!queue.consumer) continue;
    const functionName = names(queue.consumer.function);
    if (!registered.has(functionName)) continue;
    startSqsEventSource(
      sqs,
      lambda,
      { queue: names(queue.name), functionName, batchSize: queue.consumer.batchSize, maximumBatchingWindowSeconds: queue.consumer.maximumBatchingWindowSeconds, reportBatchItemFailures: queue.consumer.reportBatchItemFailures },
      { onError: (error, where) => log.warn('event source mapping problem', { ...where, error: error instanceof Error ? error.message : String(error) }) },
    );
  }

  const apiEnvironment: Record<string, string> = {
    ...common,
    RECEIPTS_BUCKET: names(buckets[0].name),
    STATE_MACHINE_ARN: stateMachineArn(stateMachines[0].name),
    PARTNER_SECRETS_ARN: secretArns.get(secrets[0].name) ?? '',
    POWERTOOLS_SERVICE_NAME: 'orders-api',
  };
  return { apiEnvironment, missingFunctions };
};

/** The runtime variables Lambda sets during a function's init phase. */
const initEnvironment = (functionName: string): Record<string, string> => ({
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: functionName,
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  LAMBDA_TASK_ROOT: process.cwd(),
});

/** Loads a handler module in-process (tsx or ts-jest compile TypeScript entries). */
const loadHandler = (entry: string): LambdaHandler => {
  const loaded = require(entry) as { handler?: unknown };
  if (typeof loaded.handler !== 'function') throw new LocalCloudStartError(`${entry} does not export a function named handler`);
  return loaded.handler as LambdaHandler;
};
