/**
 * The local cloud: one edge endpoint serving every AWS API of the package, with DynamoDB Local behind it and the
 * other services emulated in-process, built from a LocalCloudDescription. It knows no product: the platform's glue
 * (scripts/local-platform/) describes the resources.
 *
 *   const cloud = await startCloud(description, { edgePort: 4566, seed });
 *   // run the application with { ...process.env, ...cloud.env }
 *   await cloud.stop();
 */
import { join } from 'node:path';
import { seedUserPool, demoUsersRoute, type DemoIdentity } from '../cognito/demo-users';
import { LocalCognito } from '../cognito/local-cognito';
import { controlPlaneRoute } from '../control/control-plane';
import { startDynamoDbLocal, type DynamoDbLocal } from '../dynamodb/dynamodb-local';
import { superviseDynamoDbLocal } from '../dynamodb/supervisor';
import { DynamoDbFaults } from '../dynamodb-proxy/dynamodb-faults';
import { DynamoDbProxy } from '../dynamodb-proxy/dynamodb-proxy';
import { createLocalLogger, type LocalLogger } from '../edge/logger';
import { startEdge, type RunningEdge } from '../edge/server';
import { LocalEventBridge } from '../eventbridge/local-event-bridge';
import { LocalIam } from '../iam/enforcer';
import { LambdaFunctionNotFoundError, type LocalLambda } from '../lambda/local-lambda';
import {
  CountingTraceStore,
  MeteredLocalLambda,
  meteredTargetSink,
  stateMachineCounts,
} from '../metrics/metered-services';
import { LocalMetrics } from '../metrics/metrics';
import { LocalS3 } from '../s3/local-s3';
import { fileObjectPersistence } from '../s3/persistence';
import { LocalSecretsManager } from '../secrets/local-secrets';
import { LocalSes } from '../ses/local-ses';
import { fileMailPersistence } from '../ses/persistence';
import { LocalSqs } from '../sqs/local-sqs';
import { fileMessagePersistence } from '../sqs/persistence';
import { LocalStepFunctions } from '../stepfunctions/local-step-functions';
import { startDaemonCollector, type RunningDaemonCollector } from '../xray/daemon-collector';
import { createLambdaTracing } from '../xray/lambda-tracing';
import type { TraceStore } from '../xray/trace-store';
import { LocalXRay } from '../xray/xray-api';
import { buildResources, createTables, recreateTables } from './build';
import { LocalCloudStartError, recordDeliveryFailure, targetSink } from './delivery';
import type { LocalCloudDescription } from './description';

export { LocalCloudStartError } from './delivery';

const ACCOUNT = '000000000000';

export interface LocalCloudContext {
  readonly edgeUrl: string;
  readonly env: Readonly<Record<string, string>>;
  /** Physical names by logical name (tables, buses, buckets, queues, functions, state machines). */
  readonly names: (logical: string) => string;
}

export interface LocalCloudOptions {
  /** The edge's port; default EDGE_PORT, then 4566. 0 picks a free port (tests). */
  readonly edgePort?: number;
  /**
   * Keeps DynamoDB's data, S3 objects, captured mail and queued messages in this directory across restarts; in memory
   * when absent (default DATA_DIR).
   */
  readonly dataDir?: string;
  /** Logical to physical names (e.g. a stage prefix); identity when absent. */
  readonly names?: (logical: string) => string;
  /** Fills the cloud with data: called once started and after every POST /_local/reset. */
  readonly seed?: (cloud: LocalCloudContext) => Promise<void>;
  /** Scales Step Functions Retry and Wait delays and Lambda's async retry waits (1 = AWS timing); tests use e.g. 0.01. */
  readonly timeScale?: number;
  readonly region?: string;
  readonly logger?: LocalLogger;
  /**
   * Evaluate the calls of the description's principals against their policies (local/iam); default true unless
   * LOCAL_IAM=off. Calls signed with other access keys are always allowed.
   */
  readonly enforceIam?: boolean;
  /** The type of the description's state machines; default LOCAL_WORKFLOW_TYPE, then STANDARD (decision "Workflow type"). */
  readonly workflowType?: 'STANDARD' | 'EXPRESS';
  /**
   * How long a start of DynamoDB Local may take before it counts as failed, the first and every restart; default
   * 30 s. A loaded machine needs more (scripts pass e.g. 120 s rather than fail).
   */
  readonly dynamoDbReadyTimeoutMs?: number;
  /**
   * Called when DynamoDB Local died and could not be started again (the message says why): the owner of the cloud
   * should stop with it. Without it the cloud only logs the message and goes on without a database.
   */
  readonly onDynamoDbLost?: (message: string) => void;
  /**
   * Worker threads that run the described functions' handlers off the edge's event loop, at a lower priority
   * (issue 18, local/lambda/handler-pool.ts); default 0: the handlers run in the cloud's thread. Functions with their
   * own `load` stay in-process.
   */
  readonly handlerThreads?: number;
  /** The nice value of the handler threads' own threads (Linux: per thread); default 10, 0 keeps the cloud's. */
  readonly handlerNiceness?: number;
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
    /** The user pool emulation and the described users with their passwords. */
    readonly cognito: LocalCognito;
    readonly identity: DemoIdentity;
    /** The running DynamoDB Local's endpoint and PID: they change when it is restarted (../dynamodb/supervisor.ts). */
    readonly dynamoDbEndpoint: string;
    readonly dynamoDbPid: number;
    /**
     * Faults on the DynamoDB wire per calling function, table and operation (physical names), e.g. a function's
     * idempotency record update failing after its effect; also POST /_local/dynamodb-faults.
     */
    readonly dynamoDbFaults: DynamoDbFaults;
    /** The X-Ray collector: its traces, and the daemon address (AWS_XRAY_DAEMON_ADDRESS) it listens on. */
    readonly xray: { readonly store: TraceStore; readonly daemonAddress: string };
    /** IAM enforcement: its principals and how many calls it allowed and refused. */
    readonly iam: LocalIam;
    /** The calls counted at the edge and inside the cloud (GET /_local/metrics), for benchmarks and cost models. */
    readonly metrics: LocalMetrics;
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
    super(
      `Port ${port} is already in use, so the local cloud's edge cannot listen on it. Stop what uses it or choose another port with EDGE_PORT.`,
      { cause },
    );
    this.name = 'LocalCloudPortInUseError';
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
    throw new LocalCloudStartError(
      `The edge could not listen on 127.0.0.1:${port}: ${(error as Error).message}`,
      error,
    );
  }
};

/** The queue an SQS ARN names; any other destination is refused, as the local cloud has no SNS or bus destination. */
const queueNameOf = (arn: string): string => {
  const [, , service, , , name] = arn.split(':');
  if (service !== 'sqs' || name === undefined)
    throw new LocalCloudStartError(`The local Lambda cannot deliver to the destination ${arn}: only SQS queues`);
  return name;
};

/** A function by its physical name, or by its logical name in the description (`send-email`). */
const resolveFunction = (lambda: LocalLambda, names: (logical: string) => string, name: string): string => {
  const physical = names(name);
  return lambda.listFunctions().some((f) => f.name === name || f.arn === name) ||
    !lambda.listFunctions().some((f) => f.name === physical)
    ? name
    : physical;
};

/** A table by its physical name, or by its logical name in the description (`orders`). */
const resolveTable = (description: LocalCloudDescription, names: (logical: string) => string, name: string): string =>
  (description.tables ?? []).some((table) => table.name === name) ? names(name) : name;

/** Starts the whole local cloud and answers once every resource of the description exists. */
export const startCloud = async (
  description: LocalCloudDescription,
  options: LocalCloudOptions = {},
): Promise<RunningLocalCloud> => {
  const started = Date.now();
  const log = options.logger ?? createLocalLogger('cloud');
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const edgePort = options.edgePort ?? Number(process.env.EDGE_PORT ?? 4566);
  const names = options.names ?? ((logical: string): string => logical);

  let dynamoEndpoint = '';
  const metrics = new LocalMetrics();
  const traceStore: TraceStore = new CountingTraceStore(metrics);
  let collector: RunningDaemonCollector;
  try {
    collector = await startDaemonCollector(traceStore, { logger: log });
  } catch (error) {
    throw new LocalCloudStartError(
      `The X-Ray collector could not listen on a UDP port of 127.0.0.1: ${(error as Error).message}`,
      error,
    );
  }
  const emitSegment = (document: Readonly<Record<string, unknown>>): void => {
    const outcome = traceStore.add([document]);
    if (outcome.rejected.length > 0) log.warn('a local trace segment was rejected', { rejected: outcome.rejected });
  };
  // With a data directory, receipts, captured mail and queued messages survive a restart as the table does
  // (DynamoDB's files sit beside them); executions do not (the reconciler resumes their orders).
  const dataDir = options.dataDir ?? process.env.DATA_DIR;
  const sqs = new LocalSqs({
    region,
    ...(dataDir === undefined ? {} : { persistence: fileMessagePersistence(join(dataDir, 'local-sqs')) }),
  });
  const lambda: LocalLambda = new MeteredLocalLambda(
    {
      region,
      timeScale: options.timeScale,
      // On-failure destinations of asynchronous invocations; the queues are the ones the description creates.
      destinations: (arn, record) => sqs.sendMessage(queueNameOf(arn), JSON.stringify(record)).then(() => undefined),
      baseEnvironment: hostEnvironment(),
      tracing: createLambdaTracing({ emit: emitSegment, daemonAddress: collector.address }),
      ...(options.handlerThreads === undefined || options.handlerThreads === 0
        ? {}
        : {
            handlerThreads: {
              threads: options.handlerThreads,
              daemonAddress: collector.address,
              ...(options.handlerNiceness === undefined ? {} : { niceness: options.handlerNiceness }),
            },
          }),
    },
    metrics,
  );
  metrics.setHandlerThreadsSource(() => lambda.handlerPoolStats());
  const stepFunctions = new LocalStepFunctions({
    region,
    timeScale: options.timeScale,
    defaultType: options.workflowType ?? (process.env.LOCAL_WORKFLOW_TYPE as 'STANDARD' | 'EXPRESS' | undefined),
    emitSegment,
    invoke: async (arn, payload, invokeOptions) => {
      try {
        return await lambda.invoke(arn, payload, invokeOptions);
      } catch (error) {
        if (error instanceof LambdaFunctionNotFoundError)
          return { error: { errorType: 'Lambda.ResourceNotFoundException', errorMessage: error.message } };
        throw error;
      }
    },
  });
  metrics.setStateMachineSource(() => stateMachineCounts(stepFunctions));
  const delivery = {
    sqs,
    lambda,
    stepFunctions,
    log,
    ...(description.failureQueue === undefined ? {} : { failureQueue: names(description.failureQueue) }),
  };
  const scheduleOverrides: Record<string, number> = {};
  for (const rule of description.rules ?? [])
    if (rule.localScheduleSeconds !== undefined) scheduleOverrides[names(rule.name)] = rule.localScheduleSeconds;
  const eventBridge = new LocalEventBridge({
    sink: meteredTargetSink(targetSink(delivery), metrics),
    region,
    scheduleOverrides,
    onDeliveryError: recordDeliveryFailure(delivery),
  });
  const s3 = new LocalS3(
    Date.now,
    dataDir === undefined ? undefined : fileObjectPersistence(join(dataDir, 'local-s3')),
  );
  const ses = new LocalSes(dataDir === undefined ? undefined : fileMailPersistence(join(dataDir, 'local-ses')));
  const secretsManager = new LocalSecretsManager(region, ACCOUNT);
  const cognito = new LocalCognito({ region });
  let demoIdentity: DemoIdentity | undefined;

  let context: LocalCloudContext | undefined;
  // Filled below once IAM exists: who made a call is the session name of the role its access key names.
  let callerOf: (request: Parameters<LocalIam['sessionNameOf']>[0]) => string | undefined = () => undefined;
  const dynamoDbFaults = new DynamoDbFaults((request) => callerOf(request));

  const reset = async (): Promise<void> => {
    for (const queue of sqs.listQueues()) sqs.purgeQueue(queue.name);
    ses.clear();
    s3.clear();
    traceStore.clear();
    lambda.clearFaults();
    dynamoDbFaults.clear();
    await stepFunctions.reset();
    await recreateTables(description, dynamoEndpoint, region, names);
    if (options.seed && context) await options.seed(context);
  };

  const iam = new LocalIam({
    enforce: options.enforceIam ?? process.env.LOCAL_IAM !== 'off',
    account: ACCOUNT,
    resources: {
      region,
      account: ACCOUNT,
      queueArn: (reference) => sqs.queueArn(reference.split('/').at(-1) ?? reference),
      redriveSourceArns: (dlqArn) => {
        try {
          return sqs.deadLetterSourceQueues(dlqArn).map((name) => sqs.queueArn(name));
        } catch {
          return [];
        }
      },
      secretArn: (idOrName) => {
        try {
          return secretsManager.find(idOrName).arn;
        } catch {
          return idOrName;
        }
      },
    },
  });

  callerOf = (request) => iam.sessionNameOf(request);

  const edgeStart = listen(
    () =>
      startEdge(
        {
          services: [
            new DynamoDbProxy(() => dynamoEndpoint, {
              onConsumedCapacity: (operation, body, consumed) =>
                metrics.recordConsumedCapacity(operation, body, consumed),
            }),
            sqs,
            lambda,
            eventBridge,
            stepFunctions,
            s3,
            ses,
            secretsManager,
            new LocalXRay(traceStore),
            cognito,
          ],
          extraRoutes: [
            cognito.route,
            demoUsersRoute(() => demoIdentity),
            ...(description.extraRoutes?.({ secrets: secretsManager, names }) ?? []),
            controlPlaneRoute({
              functions: {
                listFunctions: () => lambda.listFunctions(),
                injectFault: (name, faults) => lambda.injectFault(resolveFunction(lambda, names, name), faults),
                clearFaults: (name) =>
                  lambda.clearFaults(name === undefined ? undefined : resolveFunction(lambda, names, name)),
                listFaults: () => lambda.listFaults(),
              },
              tables: {
                injectFault: (spec) => {
                  const caller =
                    spec.function === undefined ? undefined : resolveFunction(lambda, names, spec.function);
                  // A caller no principal signs as would never match: refuse it rather than wait for nothing.
                  if (caller !== undefined && !iam.principals().some((p) => p.sessionName === caller))
                    throw new LambdaFunctionNotFoundError(caller);
                  dynamoDbFaults.inject({
                    ...spec,
                    ...(caller === undefined ? {} : { function: caller }),
                    ...(spec.table === undefined ? {} : { table: resolveTable(description, names, spec.table) }),
                  });
                },
                clearFaults: (name) =>
                  dynamoDbFaults.clear(name === undefined ? undefined : resolveFunction(lambda, names, name)),
                listFaults: () => dynamoDbFaults.list(),
              },
              queues: sqs,
              emails: ses,
              metrics,
              reset,
            }),
          ],
          iam,
          faults: dynamoDbFaults,
          observe: (request) => metrics.observeEdgeRequest(request),
          onDenial: (denial) =>
            log.warn(
              'IAM refused a call: the role lacks this permission in AWS too (LOCAL_IAM=off turns enforcement off)',
              {
                principal: denial.principalArn,
                action: denial.permission.action,
                resource: denial.permission.resource,
                decision: denial.decision,
              },
            ),
          onInternalError: (error, request) =>
            log.error('an emulation failed', {
              error:
                error instanceof Error
                  ? { name: error.name, message: error.message, stack: error.stack }
                  : String(error),
              service: request.service,
              action: request.action,
              path: request.path,
            }),
        },
        edgePort,
      ),
    edgePort,
  );
  const dynamoStart = {
    ...(dataDir === undefined ? {} : { dataDir }),
    ...(options.dynamoDbReadyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.dynamoDbReadyTimeoutMs }),
  };
  const [edgeOutcome, dynamoOutcome] = await Promise.allSettled([edgeStart, startDynamoDbLocal(dynamoStart)]);
  if (edgeOutcome.status === 'rejected' || dynamoOutcome.status === 'rejected') {
    if (edgeOutcome.status === 'fulfilled') await edgeOutcome.value.close();
    if (dynamoOutcome.status === 'fulfilled') await dynamoOutcome.value.stop();
    await collector.close();
    await lambda.stop();
    throw edgeOutcome.status === 'rejected' ? edgeOutcome.reason : (dynamoOutcome as PromiseRejectedResult).reason;
  }
  const edge = edgeOutcome.value;
  const dynamo: DynamoDbLocal = dynamoOutcome.value;
  dynamoEndpoint = dynamo.endpoint;
  // A JVM that dies is started again on its port with the same data; an in-memory one also gets its tables and seed back.
  const supervised = superviseDynamoDbLocal(dynamo, {
    start: dynamoStart,
    log,
    ...(options.onDynamoDbLost === undefined ? {} : { onGiveUp: options.onDynamoDbLost }),
    afterRestart: async (endpoint) => {
      dynamoEndpoint = endpoint;
      await createTables(description, endpoint, region, names);
      if (dataDir === undefined && options.seed && context) await options.seed(context);
    },
  });
  sqs.setBaseUrl(edge.url);
  cognito.setBaseUrl(edge.url);
  const identity = seedUserPool(cognito, description.userPool);
  demoIdentity = identity;
  log.info('demo users created (also listed by GET /_local/users)', {
    userPoolId: identity.userPoolId,
    users: identity.users.map(({ username, password, groups }) => ({ username, password, groups })),
  });

  const stop = async (): Promise<void> => {
    eventBridge.stop();
    // Executions first, so no step starts while the handler threads finish what they run (HandlerPool.close).
    await stepFunctions.shutdown();
    await lambda.stop();
    await eventBridge.drain();
    sqs.stop();
    await edge.close();
    await supervised.stop();
    await collector.close();
  };

  try {
    await createTables(description, dynamoEndpoint, region, names);
    const runtimeEnvironment = {
      ...sdkEnvironment(edge.url, region),
      // What Lambda's active tracing and the ECS X-Ray sidecar give a process: the daemon, and no crash without a segment.
      AWS_XRAY_DAEMON_ADDRESS: collector.address,
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      // Locally every request is traced (no sampling rules to poll); a load test sets XRAY_SAMPLING=local (api/config.ts).
      XRAY_SAMPLING: process.env.XRAY_SAMPLING ?? 'all',
    };
    const userPool = { id: identity.userPoolId, clientId: identity.userPoolClientId };
    const built = buildResources({
      description,
      edgeUrl: edge.url,
      region,
      account: ACCOUNT,
      ownPorts: [edge.port, dynamo.port],
      names,
      sqs,
      lambda,
      eventBridge,
      stepFunctions,
      s3,
      secretsManager,
      log,
      metrics,
      userPool,
      runtimeEnvironment,
      hostEnvironment,
    });
    try {
      await lambda.loadHandlerModules();
    } catch (error) {
      throw new LocalCloudStartError(
        `A function could not be loaded in the handler threads: ${(error as Error).message}`,
        error,
      );
    }
    iam.setPrincipals(description.principals?.(built.resources) ?? []);
    context = {
      edgeUrl: edge.url,
      env: { ...runtimeEnvironment, ...(description.applicationEnvironment?.(built.resources) ?? {}) },
      names,
    };
    if (options.seed) await options.seed(context);
    eventBridge.startSchedules();
    const readyMs = Date.now() - started;
    log.info('local cloud ready', {
      edgeUrl: edge.url,
      readyMs,
      dynamoDb: dynamo.endpoint,
      functions: lambda.listFunctions().length,
      missingFunctions: built.missingFunctions,
    });
    return {
      ...context,
      readyMs,
      missingFunctions: built.missingFunctions,
      services: {
        sqs,
        lambda,
        eventBridge,
        stepFunctions,
        s3,
        ses,
        secrets: secretsManager,
        cognito,
        identity,
        get dynamoDbEndpoint() {
          return supervised.endpoint();
        },
        get dynamoDbPid() {
          return supervised.pid();
        },
        dynamoDbFaults,
        xray: { store: traceStore, daemonAddress: collector.address },
        iam,
        metrics,
      },
      reset,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
