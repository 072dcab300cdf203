/**
 * One stage of the platform as one Terraform stack: the AWS provider with default tags, the state backend, every
 * layer built from core/platform/resources.ts, and the platform policies as Aspects on this stack.
 */
import { Fn, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { platform as defaultPlatform } from '../core/platform/resources';
import { ApiLayer } from './api';
import { AuthLayer } from './auth';
import { addBackend, type BackendChoice } from './backend';
import { accountIdOf } from './base/iam';
import { DataLayer } from './data';
import { EdgeLayer } from './edge';
import { deliveryPolicyEnvironment } from '../core/webhooks/delivery-policy';
import { FunctionsLayer } from './functions';
import { apiImageTag } from './image-tag';
import { EventRules, MessagingLayer } from './messaging';
import { NetworkLayer } from './network';
import { ObservabilityLayer } from './observability';
import { addPolicies } from './policies';
import { SecretsLayer } from './secrets';
import { type StageConfig, stagePrefix } from './stage-config';
import { apiTaskRoleGrants, type RoleArns, type RoleDescription } from './role-policies';
import { WorkflowLayer } from './workflow';

/**
 * Bundles as Terraform sees them: relative to the directory terraform runs in, cdktf.out/stacks/<stack>/ (cdktf
 * deploy, plain terraform and a Terraform Cloud workspace with that working directory alike). A plain relative path,
 * not `${path.module}/...`: inside a function call cdktf escapes `${` to `$${`, which made the path literal.
 */
export const defaultBundleDir = '../../../dist/functions';

export interface PlatformStackProps {
  readonly config: StageConfig;
  readonly backend: BackendChoice;
  /** Repository root (for the ASL files and the API image's content tag). */
  readonly rootDir: string;
  /** Directory of the function zips as Terraform sees it; defaults to `defaultBundleDir`. */
  readonly bundleDir?: string;
  /** ASL text by state machine name, instead of the files (tests). */
  readonly definitions?: Readonly<Record<string, string>>;
  /** The description to build; defaults to core/platform/resources.ts (tests pass altered copies). */
  readonly platform?: PlatformDescription;
}

/**
 * The shape of core/platform/resources.ts `platform`, widened so tests can pass altered copies: the same parts the
 * roles are derived from (modules/role-policies.ts).
 */
export type PlatformDescription = RoleDescription;

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

    new AwsProvider(this, 'aws', { region: config.region, defaultTags: [{ tags: { ...config.tags } }] });
    addBackend(this, props.backend);
    addPolicies(this, { httpsOnly: config.stage === 'prod' });

    const network = new NetworkLayer(this, 'network', { prefix, config });
    this.data = new DataLayer(this, 'data', {
      prefix,
      tables: description.tables,
      buckets: description.buckets,
      deletionProtection: config.deletionProtection,
    });
    const secrets = new SecretsLayer(this, 'secrets', {
      prefix,
      secrets: description.secrets,
      recoveryWindowDays: config.deletionProtection ? 30 : 7,
    });
    this.messaging = new MessagingLayer(this, 'messaging', {
      prefix,
      buses: description.buses,
      queues: description.queues,
      failureQueues: description.failureQueues,
    });
    const failureQueueName = description.failureQueues.at(0)?.name;
    const failureQueue =
      failureQueueName === undefined ? undefined : this.messaging.deadLetterQueues.get(failureQueueName);
    if (failureQueue === undefined)
      throw new PlatformDescriptionIncompleteError(
        'the description has no failure queue for EventBridge targets and async invocations',
      );

    // The account id from an ARN of this stack (the bus depends on nothing): no caller-identity data source, so a
    // plan needs no AWS call, and trust policies still name the real account at apply.
    const firstBus = this.messaging.buses.values().next().value;
    if (firstBus === undefined) throw new PlatformDescriptionIncompleteError('the description has no event bus');
    const accountId = accountIdOf(firstBus.arn);

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
      failureQueues: description.failureQueues,
      deadLetterQueueResources: this.messaging.deadLetterQueues,
      environmentOverrides: { 'deliver-webhook': deliveryPolicyEnvironment(config.webhookDelivery) },
    });
    this.workflow = new WorkflowLayer(this, 'workflow', {
      prefix,
      stateMachines: description.stateMachines,
      functions: this.functions.functions,
      logRetentionDays: config.logRetentionDays,
      workflowType: config.workflowType,
      region: config.region,
      accountId,
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
      accountId,
    });

    const first = <V>(map: ReadonlyMap<string, V>, what: string): V => {
      const value = map.values().next().value;
      if (value === undefined)
        throw new PlatformDescriptionIncompleteError(`the API needs a ${what}; the description has none`);
      return value;
    };
    this.api = new ApiLayer(this, 'api', {
      prefix,
      config,
      imageTag: config.api.imageTag ?? apiImageTag(props.rootDir),
      accountId,
      network,
      table: first(this.data.tables, 'table'),
      bus: first(this.messaging.buses, 'bus'),
      receiptsBucket: first(this.data.buckets, 'bucket'),
      stateMachine: first(this.workflow.stateMachines, 'state machine'),
      taskRoleGrants: apiTaskRoleGrants(description, this.roleArns(secrets, auth)),
      userPool: auth.userPool,
      userPoolClient: auth.client,
      partnerSecrets: first(secrets.secrets, 'secret'),
    });
    const ingest = this.functions.functions.get('ingest-partner-event');
    if (ingest === undefined)
      throw new PlatformDescriptionIncompleteError('the edge needs the function ingest-partner-event');
    const edge = new EdgeLayer(this, 'edge', {
      prefix,
      ingestFunction: ingest,
      logRetentionDays: config.logRetentionDays,
      forceDestroy: !config.deletionProtection,
      // With a certificate CloudFront must reach the ALB by the name the certificate covers; without one (dev) it
      // reaches the ALB's DNS name over HTTP, and viewers still get HTTPS from CloudFront.
      apiOrigin:
        config.certificateArn !== undefined && config.apiDomainName !== undefined
          ? { domainName: config.apiDomainName, protocol: 'https-only' }
          : { domainName: this.api.loadBalancer.dnsName, protocol: 'http-only' },
    });
    new ObservabilityLayer(this, 'observability', {
      prefix,
      region: config.region,
      alarmEmail: config.alarmEmail,
      deadLetterQueueNames: [...this.messaging.deadLetterQueues.keys()],
      stateMachines: this.workflow.stateMachines,
      loadBalancer: this.api.loadBalancer,
      p99LatencySeconds: 1,
      apiTraceSampleRate: config.apiTraceSampleRate,
      dashboard: config.cloudwatchDashboard,
    });

    new TerraformOutput(this, 'api_url', {
      value:
        config.certificateArn !== undefined && config.apiDomainName !== undefined
          ? `https://${config.apiDomainName}`
          : `https://${edge.distribution.domainName}/api`,
    });
    new TerraformOutput(this, 'ingest_url', { value: `${edge.httpApi.apiEndpoint}/webhooks/ingest/{partnerId}` });
    new TerraformOutput(this, 'dashboard_url', { value: `https://${edge.distribution.domainName}` });
    // scripts/deploy.ts uploads ui/dist here and invalidates the distribution.
    new TerraformOutput(this, 'dashboard_bucket', { value: edge.siteBucket.bucket });
    new TerraformOutput(this, 'dashboard_distribution_id', { value: edge.distribution.id });
    new TerraformOutput(this, 'ecr_repository_url', { value: this.api.repository.repositoryUrl });
    new TerraformOutput(this, 'user_pool_id', { value: auth.userPool.id });
    new TerraformOutput(this, 'user_pool_client_id', { value: auth.client.id });
  }

  /** Terraform references by logical name, for the role derivation shared with the local cloud (modules/role-policies.ts). */
  private roleArns(secrets: SecretsLayer, auth: AuthLayer): RoleArns {
    const need = <V>(map: ReadonlyMap<string, V>, name: string, what: string): V => {
      const value = map.get(name);
      if (value === undefined) throw new PlatformDescriptionIncompleteError(`a role names unknown ${what} "${name}"`);
      return value;
    };
    const stateMachineArn = (name: string): string => need(this.workflow.stateMachines, name, 'state machine').arn;
    const notForTheApi = (what: string) => (): string => {
      throw new PlatformDescriptionIncompleteError(`the API task role has no ${what}`);
    };
    return {
      table: (name) => need(this.data.tables, name, 'table').arn,
      bus: (name) => need(this.messaging.buses, name, 'bus').arn,
      archiveOf: (name) =>
        `${Fn.replace(need(this.messaging.buses, name, 'bus').arn, ':event-bus/', ':archive/')}-archive`,
      replaysOf: (name) => `${Fn.replace(need(this.messaging.buses, name, 'bus').arn, ':event-bus/', ':replay/')}-*`,
      bucket: (name) => need(this.data.buckets, name, 'bucket').arn,
      queue: (name) => (this.messaging.queues.get(name) ?? need(this.messaging.deadLetterQueues, name, 'queue')).arn,
      stateMachine: stateMachineArn,
      executionsOf: (name) => `${Fn.replace(stateMachineArn(name), ':stateMachine:', ':execution:')}:*`,
      secret: (name) => need(secrets.secrets, name, 'secret').arn,
      userPool: () => auth.userPool.arn,
      emailIdentity: notForTheApi('SES identity'),
      functionLogGroup: notForTheApi('function log group'),
    };
  }
}

/** The description lacks something the stack cannot do without. */
export class PlatformDescriptionIncompleteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlatformDescriptionIncompleteError';
  }
}
