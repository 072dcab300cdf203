/**
 * Functions layer: every Lambda of the description, bundled per function by scripts/bundle.ts into
 * `<bundleDir>/<name>.zip` (synth never needs the bundle; plan and apply do, through filebase64sha256).
 * nodejs22.x on arm64, tracing Active, Powertools environment, a log group with retention, least-privilege IAM
 * derived from each function's `access`, SQS event source mappings for queue consumers, and an on-failure
 * destination for functions EventBridge invokes asynchronously.
 */
import { Annotations, Fn, Lazy } from 'cdktf';
import { Construct } from 'constructs';
import type { CloudwatchEventBus } from '@cdktf/provider-aws/lib/cloudwatch-event-bus';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import type { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import type { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { Sesv2EmailIdentity } from '@cdktf/provider-aws/lib/sesv2-email-identity';
import type { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import type { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool';
import {
  asyncInvocation,
  type FailureQueueSpec,
  type FunctionSpec,
  physicalName,
  type QueueSpec,
  type ResourceRef,
  type RuleSpec,
} from '../core/platform/resources';
import { ServiceRole } from './base/iam';
import { asyncFunctionNames, functionRoleGrants, functionRoleName, type RoleArns } from './role-policies';

export interface FunctionsLayerProps {
  readonly prefix: string;
  readonly functions: readonly FunctionSpec[];
  readonly queues: readonly QueueSpec[];
  readonly rules: readonly RuleSpec[];
  /** Directory of the zips as Terraform sees it, relative to where terraform runs, e.g. `../../../dist/functions`. */
  readonly bundleDir: string;
  readonly logRetentionDays: number;
  readonly emailSender: string;
  readonly tables: ReadonlyMap<string, DynamodbTable>;
  readonly buckets: ReadonlyMap<string, S3Bucket>;
  readonly buses: ReadonlyMap<string, CloudwatchEventBus>;
  readonly queueResources: ReadonlyMap<string, SqsQueue>;
  readonly secrets: ReadonlyMap<string, SecretsmanagerSecret>;
  /** State machine ARNs, read lazily at synth time (the workflow layer is built after the functions). */
  readonly stateMachineArn: (name: string) => string | undefined;
  readonly asyncFailureQueue: SqsQueue;
  /** The failure queues of the description (the first is the on-failure destination of async invocations). */
  readonly failureQueues: readonly FailureQueueSpec[];
  /** Dead-letter and failure queues by name. */
  readonly deadLetterQueueResources: ReadonlyMap<string, SqsQueue>;
  /** The customers' user pool, for `{ userPoolId }` environment values and `readUsers` access. */
  readonly userPool: CognitoUserPool;
  /** Per function, environment values the stage sets over the description's (e.g. deliver-webhook's retry schedule). */
  readonly environmentOverrides?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Path of one function's bundle inside a bundle directory. */
export const bundleFileName = (functionName: string): string => `${functionName}.zip`;

export class FunctionsLayer extends Construct {
  readonly functions = new Map<string, LambdaFunction>();
  private emailIdentity?: Sesv2EmailIdentity;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: FunctionsLayerProps,
  ) {
    super(scope, id);
    const asyncFunctions = asyncFunctionNames(props.rules);
    for (const spec of props.functions) {
      const consumed = props.queues.filter((q) => q.consumer?.function === spec.name);
      const fn = this.function(spec);
      this.functions.set(spec.name, fn);
      for (const queueSpec of consumed) {
        const consumer = queueSpec.consumer;
        if (consumer === undefined) continue;
        if (queueSpec.visibilityTimeoutSeconds < spec.timeoutSeconds) {
          // AWS rejects this event source mapping at apply time; plan cannot see it, so synth says it.
          Annotations.of(this).addWarning(
            `queue ${queueSpec.name}: visibility timeout ${queueSpec.visibilityTimeoutSeconds}s is below the timeout of its consumer ${spec.name} (${spec.timeoutSeconds}s); AWS refuses the event source mapping`,
          );
        }
        new LambdaEventSourceMapping(this, `esm-${queueSpec.name}`, {
          eventSourceArn: this.need(props.queueResources, queueSpec.name, 'queue').arn,
          functionName: fn.arn,
          batchSize: consumer.batchSize,
          maximumBatchingWindowInSeconds: consumer.maximumBatchingWindowSeconds,
          functionResponseTypes: ['ReportBatchItemFailures'],
        });
      }
      if (asyncFunctions.has(spec.name)) {
        new LambdaFunctionEventInvokeConfig(this, `async-${spec.name}`, {
          functionName: fn.functionName,
          maximumRetryAttempts: asyncInvocation.maximumRetryAttempts,
          maximumEventAgeInSeconds: asyncInvocation.maximumEventAgeSeconds,
          destinationConfig: { onFailure: { destination: props.asyncFailureQueue.arn } },
        });
      }
    }
  }

  private function(spec: FunctionSpec): LambdaFunction {
    const { props } = this;
    const name = physicalName(props.prefix, spec.name);
    const logGroup = new CloudwatchLogGroup(this, `logs-${spec.name}`, {
      name: `/aws/lambda/${name}`,
      retentionInDays: props.logRetentionDays,
    });
    const grants = functionRoleGrants(
      spec,
      { queues: props.queues, rules: props.rules, failureQueues: props.failureQueues },
      this.arns(logGroup),
    );
    const role = new ServiceRole(this, `role-${spec.name}`, {
      roleName: functionRoleName(name),
      servicePrincipal: 'lambda.amazonaws.com',
      grants,
      trust: {
        unsupported: 'Lambda documents no aws:SourceAccount/aws:SourceArn context when it assumes an execution role',
      },
    });
    const filename = `${props.bundleDir}/${bundleFileName(spec.name)}`;
    return new LambdaFunction(this, `fn-${spec.name}`, {
      functionName: name,
      description: spec.description,
      role: role.role.arn,
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      filename,
      sourceCodeHash: Fn.filebase64sha256(filename),
      timeout: spec.timeoutSeconds,
      memorySize: spec.memoryMb,
      tracingConfig: { mode: 'Active' },
      loggingConfig: {
        logFormat: 'JSON',
        logGroup: logGroup.name,
        applicationLogLevel: 'INFO',
        systemLogLevel: 'WARN',
      },
      environment: { variables: this.environment(spec) },
      dependsOn: [logGroup],
    });
  }

  private environment(spec: FunctionSpec): Record<string, string> {
    const { props } = this;
    const firstTable = [...props.tables.values()][0];
    const firstBus = [...props.buses.values()][0];
    const variables: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: spec.name,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      NODE_OPTIONS: '--enable-source-maps',
      ...(firstTable === undefined ? {} : { TABLE_NAME: firstTable.name }),
      ...(firstBus === undefined ? {} : { EVENT_BUS_NAME: firstBus.name }),
    };
    for (const [key, ref] of Object.entries(spec.environment ?? {})) variables[key] = this.resolve(ref);
    Object.assign(variables, props.environmentOverrides?.[spec.name] ?? {});
    // A function that sends email sends from the stage's SES identity, the one its IAM grant names; the
    // description's EMAIL_FROM literal is the local cloud's sender only.
    if (spec.access?.sendEmail === true) variables.EMAIL_FROM = this.sesIdentity().emailIdentity;
    return variables;
  }

  private resolve(ref: ResourceRef): string {
    const { props } = this;
    if ('table' in ref) return this.need(props.tables, ref.table, 'table').name;
    if ('bucket' in ref) return this.need(props.buckets, ref.bucket, 'bucket').bucket;
    if ('bus' in ref) return this.need(props.buses, ref.bus, 'bus').name;
    if ('queueUrl' in ref)
      return (
        props.queueResources.get(ref.queueUrl) ?? this.need(props.deadLetterQueueResources, ref.queueUrl, 'queue')
      ).url;
    if ('secretArn' in ref) return this.need(props.secrets, ref.secretArn, 'secret').arn;
    if ('stateMachineArn' in ref) return this.stateMachineArn(ref.stateMachineArn);
    if ('userPoolId' in ref) return props.userPool.id;
    return ref.literal;
  }

  private stateMachineArn(name: string): string {
    return Lazy.stringValue({
      produce: () => {
        const arn = this.props.stateMachineArn(name);
        if (arn === undefined)
          throw new FunctionReferenceUnknownError(`no state machine "${name}" in the workflow layer`);
        return arn;
      },
    });
  }

  /** Terraform references for the shared role derivation (modules/role-policies.ts). */
  private arns(logGroup: CloudwatchLogGroup): RoleArns {
    const { props } = this;
    return {
      table: (name) => this.need(props.tables, name, 'table').arn,
      bus: (name) => this.need(props.buses, name, 'bus').arn,
      archiveOf: (name) => `${Fn.replace(this.need(props.buses, name, 'bus').arn, ':event-bus/', ':archive/')}-archive`,
      replaysOf: (name) => `${Fn.replace(this.need(props.buses, name, 'bus').arn, ':event-bus/', ':replay/')}-*`,
      bucket: (name) => this.need(props.buckets, name, 'bucket').arn,
      queue: (name) => (props.queueResources.get(name) ?? this.need(props.deadLetterQueueResources, name, 'queue')).arn,
      stateMachine: (name) => this.stateMachineArn(name),
      executionsOf: (name) => `${Fn.replace(this.stateMachineArn(name), ':stateMachine:', ':execution:')}:*`,
      secret: (name) => this.need(props.secrets, name, 'secret').arn,
      userPool: () => props.userPool.arn,
      emailIdentity: () => this.sesIdentity().arn,
      functionLogGroup: () => logGroup.arn,
    };
  }

  private sesIdentity(): Sesv2EmailIdentity {
    this.emailIdentity ??= new Sesv2EmailIdentity(this, 'email-identity', { emailIdentity: this.props.emailSender });
    return this.emailIdentity;
  }

  private need<V>(map: ReadonlyMap<string, V>, name: string, what: string): V {
    const value = map.get(name);
    if (value === undefined) throw new FunctionReferenceUnknownError(`a function references unknown ${what} "${name}"`);
    return value;
  }
}

/** A function's environment or access names a resource the description does not define. */
export class FunctionReferenceUnknownError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FunctionReferenceUnknownError';
  }
}
