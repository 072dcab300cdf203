/**
 * Powertools for AWS Lambda, set up once and imported by every handler: Logger, Tracer and the Idempotency
 * persistence on the single table.
 *
 * Handlers run one invocation per process in AWS, but several at once in one Node process under the local cloud.
 * So nothing per-invocation is kept on the shared instances: each invocation logs through its own child logger
 * (`invocationLogger`), whose service name is read from POWERTOOLS_SERVICE_NAME at that moment.
 *
 * Tracer: enabled only inside a Lambda execution environment (Powertools' own rule), so tests and the local cloud,
 * which load the handlers outside an invocation, neither crash nor try to reach an X-Ray daemon.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions, LogAttributes } from '@aws-lambda-powertools/logger/types';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FUNCTION_IDEMPOTENCY_PARTITION } from '../../core/store/keys';
import type { LambdaContext } from './lambda-context';

/**
 * Powertools' Logger whose children are of this class too (its documented `createLogger` extension point), so an
 * invocation's child can be told it is not the function's first invocation in this process.
 */
class FunctionLogger extends Logger {
  public override createChild(options?: ConstructorOptions): FunctionLogger {
    return super.createChild(options) as FunctionLogger;
  }

  protected override createLogger(options?: ConstructorOptions): FunctionLogger {
    return new FunctionLogger(options);
  }

  /** The next addContext records `cold_start: false`. */
  markWarmStart(): void {
    this.coldStart = false;
  }
}

const functionLogger = new FunctionLogger();
export const logger: Logger = functionLogger;
export const tracer = new Tracer();

/** Functions that have been invoked in this process: only their first invocation is a cold start. */
const warmFunctions = new Set<string>();

/**
 * A logger for one invocation: the function's service name, the Lambda context and `keys` on every line.
 * `cold_start` is true only for the first invocation of each function in this process: a fresh child would say
 * true every time, since Powertools keeps the flag per Logger instance.
 */
export const invocationLogger = (keys: LogAttributes, context?: LambdaContext): Logger => {
  const serviceName = process.env.POWERTOOLS_SERVICE_NAME;
  const child = functionLogger.createChild({
    ...(serviceName === undefined ? {} : { serviceName }),
    persistentKeys: keys,
  });
  if (context !== undefined) {
    if (warmFunctions.has(context.functionName)) child.markWarmStart();
    warmFunctions.add(context.functionName);
    child.addContext(context as never);
  }
  return child;
};

/** Captures an SDK v3 client for X-Ray when tracing is on; the client itself otherwise. */
export const captured = <T>(client: T): T => tracer.captureAWSv3Client(client);

/**
 * Idempotency records on the single table, under one static partition with the hashed key as sort key:
 * `PK=IDEMPOTENCY#FUNCTIONS`, `SK=<keyPrefix>#<md5 of the key>` (core/store/README.md); `expiresAt` is the table's TTL.
 */
export const idempotencyPersistence = (client: DynamoDBClient, tableName: string): DynamoDBPersistenceLayer =>
  new DynamoDBPersistenceLayer(persistenceOptions(client, tableName));

/** Left of an invocation's time when the completion of its effect stops being retried: the function ends in time. */
const COMPLETION_MARGIN_MS = 2000;
/** The retry budget when Powertools was not given the invocation's remaining time. */
const COMPLETION_DEFAULT_BUDGET_MS = 8000;

type JSONValue = Parameters<DynamoDBPersistenceLayer['saveSuccess']>[0];

/**
 * The persistence for work whose effect cannot be taken back or repeated harmlessly (an email): Powertools writes
 * the record INPROGRESS, runs the work, then marks it COMPLETED, and gives up on that last write after the SDK's
 * retries. A DynamoDB outage just after the effect then left the record INPROGRESS; once it expired, the next
 * delivery (an SQS retry, an outbox republish) did the work again — a second email (issue 15, the fault suite's
 * DynamoDB outage). Here the COMPLETED write is retried, backing off, until the invocation's time is nearly spent,
 * so an outage shorter than that costs a slower invocation instead of a duplicate. The deadline is kept per
 * idempotency key (several invocations share a process under the local cloud). A longer outage still fails the
 * message: at-least-once, as before.
 */
class CompletionKeepingPersistenceLayer extends DynamoDBPersistenceLayer {
  private readonly deadlines = new Map<string, number>();

  public override async saveInProgress(data: JSONValue, remainingTimeInMillis?: number): Promise<void> {
    const budget =
      remainingTimeInMillis === undefined ? COMPLETION_DEFAULT_BUDGET_MS : remainingTimeInMillis - COMPLETION_MARGIN_MS;
    this.deadlines.set(this.getHashedIdempotencyKey(data), Date.now() + budget);
    await super.saveInProgress(data, remainingTimeInMillis);
  }

  public override async saveSuccess(data: JSONValue, result: JSONValue): Promise<void> {
    const key = this.getHashedIdempotencyKey(data);
    const deadline = this.deadlines.get(key) ?? Date.now() + COMPLETION_DEFAULT_BUDGET_MS;
    try {
      for (let wait = 200; ; wait = Math.min(wait * 2, 2000)) {
        try {
          await super.saveSuccess(data, result);
          return;
        } catch (error) {
          if (Date.now() + wait > deadline) throw error;
          await new Promise((wake) => setTimeout(wake, wait));
        }
      }
    } finally {
      this.deadlines.delete(key);
    }
  }

  public override async deleteRecord(data: JSONValue): Promise<void> {
    this.deadlines.delete(this.getHashedIdempotencyKey(data));
    await super.deleteRecord(data);
  }
}

const persistenceOptions = (client: DynamoDBClient, tableName: string) => ({
  tableName,
  awsSdkV3Client: client,
  keyAttr: 'PK',
  sortKeyAttr: 'SK',
  staticPkValue: FUNCTION_IDEMPOTENCY_PARTITION,
  expiryAttr: 'expiresAt',
  inProgressExpiryAttr: 'inProgressExpiresAt',
  statusAttr: 'idempotencyStatus',
  dataAttr: 'idempotencyData',
  validationKeyAttr: 'idempotencyValidation',
});

/** The same records as `idempotencyPersistence`, for work with an effect that must not happen twice (see above). */
export const effectIdempotencyPersistence = (client: DynamoDBClient, tableName: string): DynamoDBPersistenceLayer =>
  new CompletionKeepingPersistenceLayer(persistenceOptions(client, tableName));

export interface IdempotentOptions {
  readonly persistence: DynamoDBPersistenceLayer;
  /** JMESPath over the event that selects what makes two invocations "the same". */
  readonly eventKeyJmesPath: string;
  /** Distinguishes functions that share the persistence (e.g. `saga.ReserveInventory`). */
  readonly keyPrefix: string;
  readonly expiresAfterSeconds?: number;
}

/** Wraps `fn(event, context)` so a repeated event (by key) answers the first result without running again. */
export const idempotent = <E, R>(
  fn: (event: E, context: LambdaContext) => Promise<R>,
  options: IdempotentOptions,
): ((event: E, context: LambdaContext) => Promise<R>) =>
  makeIdempotent(fn, {
    persistenceStore: options.persistence,
    keyPrefix: options.keyPrefix,
    config: new IdempotencyConfig({
      eventKeyJmesPath: options.eventKeyJmesPath,
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: options.expiresAfterSeconds ?? 24 * 60 * 60,
    }),
  }) as (event: E, context: LambdaContext) => Promise<R>;
