/**
 * Typed configuration of each deployment stage. main.ts picks the stages; the stacks read nothing else.
 * Values that differ per account (certificate, alarm address, state backend) live here, never in modules.
 */

export type StageName = 'dev' | 'prod';

export interface ApiServiceConfig {
  /** Fargate task size (CPU units and MiB). */
  readonly cpu: number;
  readonly memoryMb: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  /** Average CPU the service scales to keep. */
  readonly cpuTargetPercent: number;
  /** The image tag the service runs, pushed to the stage's ECR repository by CI. */
  readonly imageTag: string;
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

export interface StageConfig {
  readonly stage: StageName;
  readonly region: string;
  /** Two AZs by name: no availability-zones data source, so a plan never calls AWS. */
  readonly availabilityZones: readonly [string, string];
  readonly vpcCidr: string;
  readonly publicSubnetCidrs: readonly [string, string];
  readonly privateSubnetCidrs: readonly [string, string];
  /** One NAT gateway for the private subnets; dev reaches AWS through VPC endpoints only. */
  readonly natGateway: boolean;
  readonly alarmEmail: string;
  /** ACM certificate for the ALB; when set the ALB listens on HTTPS and redirects HTTP. */
  readonly certificateArn?: string;
  /** Verified SES identity the email processor sends from. */
  readonly emailSender: string;
  readonly logRetentionDays: number;
  /** Protect the table and keep the receipts bucket on destroy. */
  readonly deletionProtection: boolean;
  readonly api: ApiServiceConfig;
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
  deletionProtection: false,
  api: { cpu: 256, memoryMb: 512, minTasks: 1, maxTasks: 2, cpuTargetPercent: 60, imageTag: 'latest', containerPort: 3000, healthCheckPath: '/health' },
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
  deletionProtection: true,
  api: { cpu: 512, memoryMb: 1024, minTasks: 1, maxTasks: 4, cpuTargetPercent: 50, imageTag: 'latest', containerPort: 3000, healthCheckPath: '/health' },
  tags: { ...commonTags, Stage: 'prod' },
};

export const stages: Readonly<Record<StageName, StageConfig>> = Object.freeze({ dev: Object.freeze(dev), prod: Object.freeze(prod) });

/** The config of a stage by name, for STAGES=dev,prod style input. */
export const stageConfig = (name: string): StageConfig => {
  if (!Object.hasOwn(stages, name)) throw new StageUnknownError(`unknown stage "${name}"; known: ${Object.keys(stages).join(', ')}`);
  return stages[name as StageName];
};

export class StageUnknownError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StageUnknownError';
  }
}

/** `orders-dev`: the prefix of every physical name in a stage (see physicalName in core/platform/resources.ts). */
export const stagePrefix = (config: StageConfig): string => `orders-${config.stage}`;
