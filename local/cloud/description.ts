/**
 * What a local cloud is built from: a plain description of tables, buckets, secrets, queues, functions, state
 * machines, buses and rules, in the terms of the AWS services themselves. The package knows no product; whoever
 * starts a cloud (the platform's glue in scripts/local-platform/) translates its own resource model into this.
 *
 * Names are logical; the cloud's `names` option turns them into physical ones (identity by default). Values that
 * only exist once the cloud runs (a queue URL, a secret ARN, the user pool id) are asked of a `LocalResources`.
 */
import type { ExtraRoute } from '../edge/server';
import type { LambdaHandler } from '../lambda/local-lambda';
import type { LocalSecretsManager } from '../secrets/local-secrets';
import type { UserPoolDescription } from '../cognito/demo-users';
import type { LocalPrincipal } from '../iam/enforcer';

export interface TableDescription {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Keys are strings; an index projects all attributes unless it says KEYS_ONLY. */
  readonly globalSecondaryIndexes: readonly {
    readonly name: string;
    readonly partitionKey: string;
    readonly sortKey: string;
    readonly projection?: 'KEYS_ONLY' | 'ALL';
  }[];
  readonly ttlAttribute?: string;
}

export interface BucketDescription {
  readonly name: string;
}

export interface SecretDescription {
  readonly name: string;
  readonly description?: string;
  /** The secret's value when the cloud starts; `{}` when absent. */
  readonly initialValue?: string;
}

/** A queue that only receives what failed elsewhere; listed as a dead-letter queue by the control plane. */
export interface DeadLetterQueueDescription {
  readonly name: string;
  readonly messageRetentionSeconds: number;
}

export interface QueueDescription {
  readonly name: string;
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  readonly delaySeconds: number;
  /** Its own dead-letter queue, created first and named in the RedrivePolicy. */
  readonly deadLetter?: {
    readonly name: string;
    readonly maxReceiveCount: number;
    readonly messageRetentionSeconds: number;
  };
  /** An SQS event source mapping to a function, started when the function is registered. */
  readonly consumer?: {
    readonly function: string;
    readonly batchSize: number;
    readonly maximumBatchingWindowSeconds: number;
    readonly reportBatchItemFailures: boolean;
  };
}

export interface FunctionDescription {
  readonly name: string;
  readonly description?: string;
  /** Absolute path of a module exporting `handler`; a missing file leaves the function unregistered (reported). */
  readonly entry: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The function's environment, on top of the SDK and X-Ray settings every function gets. */
  readonly environment?: (resources: LocalResources) => Readonly<Record<string, string>>;
  /** How the module is loaded; default `require(entry).handler` (tsx or ts-jest compile TypeScript). */
  readonly load?: (entry: string) => LambdaHandler;
  /**
   * Its event invoke config: how its asynchronous invocations are retried, and the queue (of the description) that
   * receives the ones given up. Without it AWS's default applies: two retries, six hours, no destination.
   */
  readonly asyncInvocation?: {
    readonly maximumRetryAttempts: number;
    readonly maximumEventAgeSeconds: number;
    readonly onFailureQueue?: string;
  };
}

export interface StateMachineDescription {
  readonly name: string;
  /** Absolute path of the ASL file; a missing file leaves the state machine uncreated (logged). */
  readonly definitionFile: string;
  /** `${Placeholder}` in the ASL -> the function whose ARN replaces it (CloudFormation's DefinitionSubstitutions). */
  readonly functionArnSubstitutions?: Readonly<Record<string, string>>;
}

export interface BusDescription {
  readonly name: string;
  readonly archive?: { readonly name: string; readonly retentionDays: number };
}

export type RuleTargetDescription =
  | { readonly id: string; readonly kind: 'stepfunctions'; readonly stateMachine: string; readonly inputPath?: string }
  | { readonly id: string; readonly kind: 'sqs'; readonly queue: string; readonly inputPath?: string }
  | { readonly id: string; readonly kind: 'lambda'; readonly function: string; readonly inputPath?: string };

export interface RuleDescription {
  readonly name: string;
  readonly description?: string;
  /** A bus of the description, or `default`. */
  readonly bus: string;
  readonly eventPattern?: Readonly<Record<string, unknown>>;
  readonly schedule?: string;
  /** Locally the schedule runs this often instead (seconds), so demos and tests need not wait a minute. */
  readonly localScheduleSeconds?: number;
  readonly targets: readonly RuleTargetDescription[];
}

/** Physical names, ARNs and URLs of the running cloud, for environments and routes. */
export interface LocalResources {
  readonly edgeUrl: string;
  readonly region: string;
  /** The account id in every ARN of the cloud. */
  readonly account: string;
  /** The TCP ports this cloud listens on (the edge, DynamoDB Local): what no webhook or target may call back into. */
  readonly ownPorts: readonly number[];
  name(logical: string): string;
  queueUrl(logical: string): string;
  functionArn(logical: string): string;
  stateMachineArn(logical: string): string;
  /** The ARN of a secret of the description; '' when it has none of that name. */
  secretArn(logical: string): string;
  /** The user pool of the description (its id and app client id). */
  readonly userPool: { readonly id: string; readonly clientId: string };
}

export interface LocalCloudDescription {
  readonly tables?: readonly TableDescription[];
  readonly buckets?: readonly BucketDescription[];
  readonly secrets?: readonly SecretDescription[];
  readonly deadLetterQueues?: readonly DeadLetterQueueDescription[];
  readonly queues?: readonly QueueDescription[];
  readonly functions?: readonly FunctionDescription[];
  readonly stateMachines?: readonly StateMachineDescription[];
  readonly buses?: readonly BusDescription[];
  readonly rules?: readonly RuleDescription[];
  /**
   * The dead-letter queue (of `deadLetterQueues`) that receives asynchronous invocations that failed and events no
   * target accepted after its retries, as Lambda's on-failure destination and a target's DeadLetterConfig do in AWS.
   */
  readonly failureQueue?: string;
  /** The user pool created at start, with its groups and users (fresh passwords, listed by GET /_local/users). */
  readonly userPool: UserPoolDescription;
  /** The environment of the application the cloud serves (the cloud's `env`), on top of the SDK settings. */
  readonly applicationEnvironment?: (resources: LocalResources) => Readonly<Record<string, string>>;
  /**
   * The roles processes run as: each signs with its own access key id, and the edge evaluates its calls against
   * its policy statements (local/iam). Calls signed with other keys are allowed.
   */
  readonly principals?: (resources: LocalResources) => readonly LocalPrincipal[];
  /** Further routes on the edge, asked after the AWS APIs and before 404. */
  readonly extraRoutes?: (services: {
    readonly secrets: LocalSecretsManager;
    readonly names: (logical: string) => string;
  }) => readonly ExtraRoute[];
}
