/**
 * One stage of the platform as one Terraform stack: the AWS provider with default tags, the state backend, every
 * layer built from core/platform/resources.ts, and the platform policies as Aspects on this stack.
 */
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { BucketSpec, BusSpec, FailureQueueSpec, FunctionSpec, platform as defaultPlatform, QueueSpec, RuleSpec, SecretSpec, StateMachineSpec, TableSpec } from '../core/platform/resources';
import { ApiLayer } from './api';
import { AuthLayer } from './auth';
import { addBackend, BackendChoice } from './backend';
import { DataLayer } from './data';
import { EdgeLayer } from './edge';
import { FunctionsLayer } from './functions';
import { EventRules, MessagingLayer } from './messaging';
import { NetworkLayer } from './network';
import { ObservabilityLayer } from './observability';
import { addPolicies } from './policies';
import { SecretsLayer } from './secrets';
import { StageConfig, stagePrefix } from './stage-config';
import { WorkflowLayer } from './workflow';

/** Bundles as Terraform sees them from cdktf.out/stacks/<stack>/: the repository's dist/functions. */
export const defaultBundleDir = '${path.module}/../../../dist/functions';

export interface PlatformStackProps {
  readonly config: StageConfig;
  readonly backend: BackendChoice;
  /** Repository root (for the ASL files). */
  readonly rootDir: string;
  /** Directory of the function zips as Terraform sees it; defaults to `defaultBundleDir`. */
  readonly bundleDir?: string;
  /** ASL text by state machine name, instead of the files (tests). */
  readonly definitions?: Readonly<Record<string, string>>;
  /** The description to build; defaults to core/platform/resources.ts (tests pass altered copies). */
  readonly platform?: PlatformDescription;
  /**
   * Let `terraform plan` run with no AWS account: skip credential validation, the account-id lookup and the
   * metadata API. For the offline plan test only; never for a deploy.
   */
  readonly planWithoutAws?: boolean;
}

/** The shape of core/platform/resources.ts `platform`, widened so tests can pass altered copies. */
export interface PlatformDescription {
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

export const stackName = (config: StageConfig): string => `order-platform-${config.stage}`;

export class PlatformStack extends TerraformStack {
  readonly data: DataLayer;
  readonly messaging: MessagingLayer;
  readonly functions: FunctionsLayer;
  readonly workflow: WorkflowLayer;
  readonly rules: EventRules;
  readonly api: ApiLayer;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    const { config } = props;
    const description: PlatformDescription = props.platform ?? defaultPlatform;
    const prefix = stagePrefix(config);

    new AwsProvider(this, 'aws', {
      region: config.region,
      defaultTags: [{ tags: { ...config.tags } }],
      ...(props.planWithoutAws === true ? { skipCredentialsValidation: true, skipRequestingAccountId: true, skipMetadataApiCheck: 'true' } : {}),
    });
    addBackend(this, props.backend);
    addPolicies(this);

    const network = new NetworkLayer(this, 'network', { prefix, config });
    this.data = new DataLayer(this, 'data', { prefix, tables: description.tables, buckets: description.buckets, deletionProtection: config.deletionProtection });
    const secrets = new SecretsLayer(this, 'secrets', { prefix, secrets: description.secrets, recoveryWindowDays: config.deletionProtection ? 30 : 7 });
    this.messaging = new MessagingLayer(this, 'messaging', { prefix, buses: description.buses, queues: description.queues, failureQueues: description.failureQueues });
    const failureQueueName = description.failureQueues.at(0)?.name;
    const failureQueue = failureQueueName === undefined ? undefined : this.messaging.deadLetterQueues.get(failureQueueName);
    if (failureQueue === undefined) throw new PlatformDescriptionIncompleteError('the description has no failure queue for EventBridge targets and async invocations');

    const auth = new AuthLayer(this, 'auth', { prefix, deletionProtection: config.deletionProtection });
    this.functions = new FunctionsLayer(this, 'functions', {
      prefix,
      userPool: auth.userPool,
      functions: description.functions,
      queues: description.queues,
      rules: description.rules,
      bundleDir: props.bundleDir ?? defaultBundleDir,
      logRetentionDays: config.logRetentionDays,
      emailSender: config.emailSender,
      tables: this.data.tables,
      buckets: this.data.buckets,
      buses: this.messaging.buses,
      queueResources: this.messaging.queues,
      secrets: secrets.secrets,
      stateMachineArn: (name) => this.workflow.stateMachines.get(name)?.arn,
      asyncFailureQueue: failureQueue,
    });
    this.workflow = new WorkflowLayer(this, 'workflow', {
      prefix,
      stateMachines: description.stateMachines,
      functions: this.functions.functions,
      logRetentionDays: config.logRetentionDays,
      rootDir: props.rootDir,
      ...(props.definitions === undefined ? {} : { definitions: props.definitions }),
    });
    this.rules = new EventRules(this, 'rules', {
      prefix,
      rules: description.rules,
      buses: this.messaging.buses,
      queues: this.messaging.queues,
      functions: this.functions.functions,
      stateMachines: this.workflow.stateMachines,
      targetDeadLetterQueue: failureQueue,
    });

    const first = <V>(map: ReadonlyMap<string, V>, what: string): V => {
      const value = map.values().next().value;
      if (value === undefined) throw new PlatformDescriptionIncompleteError(`the API needs a ${what}; the description has none`);
      return value;
    };
    this.api = new ApiLayer(this, 'api', {
      prefix,
      config,
      network,
      table: first(this.data.tables, 'table'),
      bus: first(this.messaging.buses, 'bus'),
      receiptsBucket: first(this.data.buckets, 'bucket'),
      stateMachine: first(this.workflow.stateMachines, 'state machine'),
      deadLetterQueues: [...this.messaging.deadLetterQueues.values()],
      userPool: auth.userPool,
      userPoolClient: auth.client,
      partnerSecrets: first(secrets.secrets, 'secret'),
    });
    const ingest = this.functions.functions.get('ingest-partner-event');
    if (ingest === undefined) throw new PlatformDescriptionIncompleteError('the edge needs the function ingest-partner-event');
    const edge = new EdgeLayer(this, 'edge', { prefix, ingestFunction: ingest, logRetentionDays: config.logRetentionDays, forceDestroy: !config.deletionProtection });
    new ObservabilityLayer(this, 'observability', {
      prefix,
      region: config.region,
      alarmEmail: config.alarmEmail,
      deadLetterQueueNames: [...this.messaging.deadLetterQueues.keys()],
      stateMachines: this.workflow.stateMachines,
      loadBalancer: this.api.loadBalancer,
      p99LatencySeconds: 1,
    });

    new TerraformOutput(this, 'api_url', { value: `${config.certificateArn === undefined ? 'http' : 'https'}://${this.api.loadBalancer.dnsName}` });
    new TerraformOutput(this, 'ingest_url', { value: `${edge.httpApi.apiEndpoint}/webhooks/ingest/{partnerId}` });
    new TerraformOutput(this, 'dashboard_url', { value: `https://${edge.distribution.domainName}` });
    new TerraformOutput(this, 'ecr_repository_url', { value: this.api.repository.repositoryUrl });
    new TerraformOutput(this, 'user_pool_id', { value: auth.userPool.id });
    new TerraformOutput(this, 'user_pool_client_id', { value: auth.client.id });
  }
}

/** The description lacks something the stack cannot do without. */
export class PlatformDescriptionIncompleteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlatformDescriptionIncompleteError';
  }
}
