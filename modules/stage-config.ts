/**
 * Typed configuration of each deployment stage. main.ts picks the stages; the stacks read nothing else.
 * Values that differ per account (certificate, alarm address, state backend) live here, never in modules.
 */
import { WEBHOOK_DELIVERIES_MAX_RECEIVES, WEBHOOK_DELIVERY_DEFAULTS } from '../core/platform/resources';
import {
  DeliveryPolicyInvalidError,
  type DeliveryPolicySettings,
  deliveryPolicy,
  maxReceivesBound,
} from '../core/webhooks/delivery-policy';

export type StageName = 'dev' | 'prod';

export interface ApiServiceConfig {
  /** Fargate task size (CPU units and MiB). */
  readonly cpu: number;
  readonly memoryMb: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  /** Average CPU the service scales to keep. */
  readonly cpuTargetPercent: number;
  /**
   * A pinned image tag for the service. Absent (the default): the content hash of the image's build context
   * (modules/image-tag.ts), the tag `npm run deploy` pushes. Tags are immutable in ECR, so `latest` is refused.
   */
  readonly imageTag?: string;
  readonly containerPort: number;
  readonly healthCheckPath: string;
}

export interface S3BackendConfig {
  readonly bucket: string;
  readonly key: string;
  readonly region: string;
  /** State locking through an S3 lock file (Terraform >= 1.10). */
  readonly useLockfile: boolean;
}

/** Step Functions workflow types: STANDARD bills per state transition, EXPRESS per request and GB-second. */
export type WorkflowType = 'STANDARD' | 'EXPRESS';
export const WORKFLOW_TYPES: readonly WorkflowType[] = ['STANDARD', 'EXPRESS'];

export interface StageConfig {
  readonly stage: StageName;
  readonly region: string;
  /** Two AZs by name: no availability-zones data source, so a plan never calls AWS. */
  readonly availabilityZones: readonly [string, string];
  readonly vpcCidr: string;
  readonly publicSubnetCidrs: readonly [string, string];
  readonly privateSubnetCidrs: readonly [string, string];
  /**
   * One NAT gateway for the private subnets, where the API tasks then run. Without it (dev) the tasks run in the
   * public subnets with a public IP, reachable only from the ALB (modules/network.ts).
   */
  readonly natGateway: boolean;
  readonly alarmEmail: string;
  /** ACM certificate for the ALB (same region); the ALB then listens on HTTPS and redirects HTTP. Required in prod. */
  readonly certificateArn?: string;
  /**
   * The DNS name the certificate covers, pointed (CNAME or alias) at the ALB: CloudFront reaches the API by it over
   * HTTPS. Required with a certificate.
   */
  readonly apiDomainName?: string;
  /** Verified SES identity the email processor sends from. */
  readonly emailSender: string;
  readonly logRetentionDays: number;
  /** ECS Container Insights on the cluster (billed per metric: about $6/month for one service; prod only). */
  readonly containerInsights: boolean;
  /** The CloudWatch dashboard of the stage ($3/month beyond an account's first three; prod only). */
  readonly cloudwatchDashboard: boolean;
  /** Protect the table and keep the receipts bucket on destroy. */
  readonly deletionProtection: boolean;
  readonly api: ApiServiceConfig;
  /**
   * The saga's state machine type (docs/decisions.md, "Workflow type by numbers"): STANDARD where its history API and
   * exactly-once start are worth $0.025 per 1,000 transitions (dev's volume is inside the free tier), EXPRESS where the
   * volume is (about $2 instead of $125 per million orders). Saga starts are deduplicated in the table either way.
   */
  readonly workflowType: WorkflowType;
  /**
   * The share of API requests the X-Ray sampling rule traces beyond its reservoir of one per second (0..1). dev: 1,
   * every order has its trace in the dashboard; prod: 0.05, X-Ray's own default, since tracing every request cost
   * ~13% of the API's CPU per POST (docs/decisions.md, "Tracing that costs little").
   */
  readonly apiTraceSampleRate: number;
  /**
   * deliver-webhook's retry schedule and circuit breaker (core/webhooks/delivery-policy.ts). prod: the Standard
   * Webhooks example schedule (10 attempts over 75.6 h); dev: 6 attempts over 2.6 h and a shorter cool-down, so a
   * developer's endpoint that was down comes back within the hour.
   */
  readonly webhookDelivery: DeliveryPolicySettings;
  readonly tags: Readonly<Record<string, string>>;
  /** Remote state in S3, used when TF_CLOUD_ORGANIZATION is not set. */
  readonly s3Backend?: S3BackendConfig;
}

const commonTags = { Project: 'order-platform', ManagedBy: 'cdktf' } as const;

const dev: StageConfig = {
  stage: 'dev',
  region: 'eu-west-1',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  vpcCidr: '10.20.0.0/16',
  publicSubnetCidrs: ['10.20.0.0/24', '10.20.1.0/24'],
  privateSubnetCidrs: ['10.20.10.0/24', '10.20.11.0/24'],
  natGateway: false,
  alarmEmail: 'platform-alarms-dev@example.com',
  emailSender: 'orders@example.com',
  logRetentionDays: 14,
  containerInsights: false,
  cloudwatchDashboard: false,
  deletionProtection: false,
  api: {
    cpu: 256,
    memoryMb: 512,
    minTasks: 1,
    maxTasks: 2,
    cpuTargetPercent: 60,
    containerPort: 3000,
    healthCheckPath: '/health',
  },
  workflowType: 'STANDARD',
  apiTraceSampleRate: 1,
  webhookDelivery: {
    retrySchedule: '0s,5s,1m,5m,30m,2h',
    breakerThreshold: 5,
    breakerCooldown: '30s,15m',
    maxDeliveryAge: '1d',
  },
  tags: { ...commonTags, Stage: 'dev' },
};

const prod: StageConfig = {
  stage: 'prod',
  region: 'eu-west-1',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  vpcCidr: '10.30.0.0/16',
  publicSubnetCidrs: ['10.30.0.0/24', '10.30.1.0/24'],
  privateSubnetCidrs: ['10.30.10.0/24', '10.30.11.0/24'],
  natGateway: true,
  alarmEmail: 'platform-alarms@example.com',
  emailSender: 'orders@example.com',
  logRetentionDays: 90,
  containerInsights: true,
  cloudwatchDashboard: true,
  deletionProtection: true,
  api: {
    cpu: 512,
    memoryMb: 1024,
    minTasks: 1,
    maxTasks: 4,
    cpuTargetPercent: 50,
    containerPort: 3000,
    healthCheckPath: '/health',
  },
  workflowType: 'EXPRESS',
  apiTraceSampleRate: 0.05,
  webhookDelivery: WEBHOOK_DELIVERY_DEFAULTS,
  tags: { ...commonTags, Stage: 'prod' },
};

export const stages: Readonly<Record<StageName, StageConfig>> = Object.freeze({
  dev: Object.freeze(dev),
  prod: Object.freeze(prod),
});

/** The config of a stage by name, for STAGES=dev,prod style input, as written in this file (not validated). */
export const stageConfig = (name: string): StageConfig => {
  if (!Object.hasOwn(stages, name))
    throw new StageUnknownError(`unknown stage "${name}"; known: ${Object.keys(stages).join(', ')}`);
  return stages[name as StageName];
};

/**
 * The settings that differ per AWS account, and the environment variable that overrides each one per stage
 * (`ORDERS_PROD_CERTIFICATE_ARN`, ...), so CI can set them from its per-environment variables.
 */
export const accountSettings = {
  alarmEmail: 'ALARM_EMAIL',
  emailSender: 'EMAIL_SENDER',
  certificateArn: 'CERTIFICATE_ARN',
  apiDomainName: 'API_DOMAIN_NAME',
  imageTag: 'IMAGE_TAG',
  /** Not per account, but worth switching without an edit (e.g. a dev stack on EXPRESS to try prod's semantics). */
  workflowType: 'WORKFLOW_TYPE',
} as const;

export type AccountSetting = keyof typeof accountSettings;

/** `ORDERS_DEV_ALARM_EMAIL`: the variable that overrides one account setting of one stage. */
export const settingVariable = (stage: StageName, key: AccountSetting): string =>
  `ORDERS_${stage.toUpperCase()}_${accountSettings[key]}`;

/** The stage's config with every account setting its environment variable sets. */
export const withEnvironment = (
  config: StageConfig,
  env: Readonly<Record<string, string | undefined>>,
): StageConfig => {
  const value = (key: AccountSetting): string | undefined => {
    const raw = env[settingVariable(config.stage, key)];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const certificateArn = value('certificateArn') ?? config.certificateArn;
  const apiDomainName = value('apiDomainName') ?? config.apiDomainName;
  const imageTag = value('imageTag') ?? config.api.imageTag;
  return {
    ...config,
    workflowType: (value('workflowType')?.toUpperCase() as WorkflowType | undefined) ?? config.workflowType,
    alarmEmail: value('alarmEmail') ?? config.alarmEmail,
    emailSender: value('emailSender') ?? config.emailSender,
    ...(certificateArn === undefined ? {} : { certificateArn }),
    ...(apiDomainName === undefined ? {} : { apiDomainName }),
    api: { ...config.api, ...(imageTag === undefined ? {} : { imageTag }) },
  };
};

/** Domains reserved for documentation (RFC 2606): an address there is a placeholder, never a real inbox. */
const placeholderDomain = /(^|\.)(example\.(com|net|org)|example)$/i;
const emailPattern = /^[^@\s<>]+@([^@\s<>]+\.[^@\s<>]+)$/;
/** AWS's documentation account id and the all-zero id: placeholders in an ARN. */
const placeholderAccounts = new Set(['123456789012', '000000000000']);

/**
 * Every problem of a stage config that plan cannot see, each naming the key and how to set it. Empty when the
 * config can be deployed.
 */
export const stageConfigProblems = (config: StageConfig): string[] => {
  const problems: string[] = [];
  const where = (key: AccountSetting | string): string =>
    key in accountSettings
      ? `stages.${config.stage}.${key} (modules/stage-config.ts, or ${settingVariable(config.stage, key as AccountSetting)})`
      : `stages.${config.stage}.${key} (modules/stage-config.ts)`;
  for (const key of ['alarmEmail', 'emailSender'] as const) {
    const address = config[key];
    const match = emailPattern.exec(address);
    if (match === null) problems.push(`${where(key)}: "${address}" is not an email address`);
    else if (placeholderDomain.test(match[1]))
      problems.push(
        `${where(key)}: "${address}" is a placeholder (${match[1]} is reserved for documentation); set a real address`,
      );
  }
  if (config.certificateArn === undefined) {
    if (config.stage === 'prod')
      problems.push(
        `${where('certificateArn')}: prod requires an ACM certificate ARN; without it the ALB would carry bearer tokens over plain HTTP`,
      );
  } else {
    const arn = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):(\d{12}):certificate\/[0-9a-f-]{36}$/.exec(config.certificateArn);
    if (arn === null)
      problems.push(`${where('certificateArn')}: "${config.certificateArn}" is not an ACM certificate ARN`);
    else if (arn[1] !== config.region)
      problems.push(
        `${where('certificateArn')}: the certificate is in ${arn[1]}, the stage in ${config.region}; an ALB needs a certificate of its own region`,
      );
    else if (placeholderAccounts.has(arn[2]) || /certificate\/0{8}-/.test(config.certificateArn))
      problems.push(`${where('certificateArn')}: "${config.certificateArn}" is a placeholder`);
    if (config.apiDomainName === undefined)
      problems.push(
        `${where('apiDomainName')}: a certificate needs the DNS name it covers, pointed at the ALB, so CloudFront can reach the API over HTTPS`,
      );
  }
  if (
    config.apiDomainName !== undefined &&
    !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(config.apiDomainName)
  ) {
    problems.push(`${where('apiDomainName')}: "${config.apiDomainName}" is not a DNS name`);
  } else if (config.apiDomainName !== undefined && placeholderDomain.test(config.apiDomainName)) {
    problems.push(`${where('apiDomainName')}: "${config.apiDomainName}" is a placeholder`);
  }
  if (!WORKFLOW_TYPES.includes(config.workflowType))
    problems.push(`${where('workflowType')}: "${config.workflowType}" is neither STANDARD nor EXPRESS`);
  try {
    const policy = deliveryPolicy(config.webhookDelivery);
    const receives = maxReceivesBound(policy);
    if (receives >= WEBHOOK_DELIVERIES_MAX_RECEIVES)
      problems.push(
        `${where('webhookDelivery')}: a paused delivery could be received ${receives} times, at or above webhook-deliveries' maxReceiveCount (${WEBHOOK_DELIVERIES_MAX_RECEIVES}); shorten maxDeliveryAge or lengthen the cool-down`,
      );
  } catch (error) {
    if (!(error instanceof DeliveryPolicyInvalidError)) throw error;
    problems.push(`${where('webhookDelivery')}: ${error.message}`);
  }
  const tag = config.api.imageTag;
  if (tag !== undefined) {
    if (tag === 'latest')
      problems.push(
        `${where('imageTag')}: "latest" cannot be pushed twice to an IMMUTABLE repository; leave it unset (content-derived tag) or pin a build's tag`,
      );
    else if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag))
      problems.push(`${where('imageTag')}: "${tag}" is not a valid image tag`);
  }
  return problems;
};

/** A stage config that cannot be deployed; the message lists every problem. */
export class StageConfigInvalidError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the stage config cannot be deployed:\n  - ${problems.join('\n  - ')}`);
    this.name = 'StageConfigInvalidError';
  }
}

/** The config of a stage as `npm run synth` uses it: this file, then the environment, then validated. */
export const deployableStageConfig = (name: string, env: Readonly<Record<string, string | undefined>>): StageConfig => {
  const config = withEnvironment(stageConfig(name), env);
  const problems = stageConfigProblems(config);
  if (problems.length > 0) throw new StageConfigInvalidError(problems);
  return config;
};

export class StageUnknownError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StageUnknownError';
  }
}

/** `orders-dev`: the prefix of every physical name in a stage (see physicalName in core/platform/resources.ts). */
export const stagePrefix = (config: StageConfig): string => `orders-${config.stage}`;
