/**
 * API layer: the Koa API on ECS Fargate behind an ALB. ECR repository for its image (built from api/Dockerfile),
 * a cluster, a service of 1..N tasks scaling on CPU, circuit-breaker deployments with rollback, container and
 * target-group health checks, an X-Ray daemon sidecar, a task role with only what the API needs, log retention.
 * The ALB listens on HTTPS and redirects HTTP when the stage has a certificate; otherwise on HTTP only.
 */
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import type { CloudwatchEventBus } from '@cdktf/provider-aws/lib/cloudwatch-event-bus';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { CognitoUserPool } from '@cdktf/provider-aws/lib/cognito-user-pool';
import type { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client';
import type { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { EcrLifecyclePolicy } from '@cdktf/provider-aws/lib/ecr-lifecycle-policy';
import { EcrPullThroughCacheRule } from '@cdktf/provider-aws/lib/ecr-pull-through-cache-rule';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import type { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import type { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { logWriteGrant, ServiceRole, type Grant } from './base/iam';
import { apiTaskRoleName } from './role-policies';
import type { NetworkLayer } from './network';
import type { StageConfig } from './stage-config';

/** The X-Ray daemon image on ECR Public, pulled through the stage's pull-through cache (a copy in the stage's registry). */
export const xrayDaemonImage = { repository: 'xray/aws-xray-daemon', tag: '3.3.14' } as const;

export interface ApiLayerProps {
  readonly prefix: string;
  readonly config: StageConfig;
  /** The API image's tag in the stage's repository (content-derived unless the stage pins one). */
  readonly imageTag: string;
  /** The stage's account id (a Terraform expression), for trust conditions. */
  readonly accountId: string;
  readonly network: NetworkLayer;
  readonly table: DynamodbTable;
  readonly bus: CloudwatchEventBus;
  readonly receiptsBucket: S3Bucket;
  readonly stateMachine: SfnStateMachine;
  /** The task role's statements, derived from the description (modules/role-policies.ts `apiTaskRoleGrants`). */
  readonly taskRoleGrants: readonly Grant[];
  readonly userPool: CognitoUserPool;
  readonly userPoolClient: CognitoUserPoolClient;
  /** Partner ingest secrets: the API also serves POST /webhooks/ingest/:partnerId. */
  readonly partnerSecrets: SecretsmanagerSecret;
}

export class ApiLayer extends Construct {
  readonly loadBalancer: Lb;
  readonly targetGroup: LbTargetGroup;
  readonly repository: EcrRepository;
  readonly service: EcsService;

  constructor(scope: Construct, id: string, props: ApiLayerProps) {
    super(scope, id);
    const { config, prefix, network } = props;
    const api = config.api;
    const repositoryName = `${prefix}-api`;
    this.repository = new EcrRepository(this, 'repository', {
      name: repositoryName,
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: 'AES256' }],
      forceDelete: !config.deletionProtection,
    });
    new EcrLifecyclePolicy(this, 'repository-lifecycle', {
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: 'keep the last 20 images',
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 20 },
            action: { type: 'expire' },
          },
        ],
      }),
    });
    const cachePrefix = `${prefix}-ecr-public`;
    new EcrPullThroughCacheRule(this, 'ecr-public-cache', {
      ecrRepositoryPrefix: cachePrefix,
      upstreamRegistryUrl: 'public.ecr.aws',
    });
    const registry = Fn.element(Fn.split('/', this.repository.repositoryUrl), 0);
    const repositoryArnBase = Fn.replace(this.repository.arn, `/${repositoryName}`, '');

    const cluster = new EcsCluster(this, 'cluster', {
      name: prefix,
      setting: [{ name: 'containerInsights', value: config.containerInsights ? 'enabled' : 'disabled' }],
    });
    const logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/ecs/${prefix}-api`,
      retentionInDays: config.logRetentionDays,
    });

    const executionRole = new ServiceRole(this, 'execution-role', {
      roleName: `${prefix}-api-execution`,
      servicePrincipal: 'ecs-tasks.amazonaws.com',
      trust: {
        unsupported:
          'the ECS guide documents aws:SourceAccount/aws:SourceArn for task roles, not for the task execution role the agent assumes',
      },
      grants: [
        { sid: 'RegistryToken', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] },
        {
          sid: 'PullImages',
          actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          resources: [this.repository.arn, `${repositoryArnBase}/${cachePrefix}/*`],
        },
        {
          sid: 'PullThroughCache',
          actions: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
          resources: [`${repositoryArnBase}/${cachePrefix}/*`],
        },
        logWriteGrant(logGroup.arn),
      ],
    });
    const taskRole = new ServiceRole(this, 'task-role', {
      roleName: apiTaskRoleName(prefix),
      servicePrincipal: 'ecs-tasks.amazonaws.com',
      trust: { sourceAccount: props.accountId, sourceArnLike: `arn:aws:ecs:${config.region}:${props.accountId}:*` },
      grants: props.taskRoleGrants,
    });

    const logConfiguration = (streamPrefix: string) => ({
      logDriver: 'awslogs',
      options: {
        'awslogs-group': logGroup.name,
        'awslogs-region': config.region,
        'awslogs-stream-prefix': streamPrefix,
      },
    });
    const healthUrl = `http://127.0.0.1:${api.containerPort}${api.healthCheckPath}`;
    const taskDefinition = new EcsTaskDefinition(this, 'task', {
      family: `${prefix}-api`,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(api.cpu),
      memory: String(api.memoryMb),
      runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
      executionRoleArn: executionRole.role.arn,
      taskRoleArn: taskRole.role.arn,
      // JSON.stringify, not Fn.jsonencode: cdktf does not escape quotes inside literal strings of an HCL expression.
      containerDefinitions: JSON.stringify([
        {
          name: 'api',
          image: `${this.repository.repositoryUrl}:${props.imageTag}`,
          essential: true,
          readonlyRootFilesystem: true,
          portMappings: [{ containerPort: api.containerPort, protocol: 'tcp' }],
          environment: Object.entries({
            PORT: String(api.containerPort),
            HOST: '0.0.0.0',
            AWS_REGION: config.region,
            TABLE_NAME: props.table.name,
            EVENT_BUS_NAME: props.bus.name,
            RECEIPTS_BUCKET: props.receiptsBucket.bucket,
            STATE_MACHINE_ARN: props.stateMachine.arn,
            USER_POOL_ID: props.userPool.id,
            USER_POOL_CLIENT_ID: props.userPoolClient.id,
            PARTNER_SECRETS_ARN: props.partnerSecrets.arn,
            AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
            POWERTOOLS_SERVICE_NAME: 'orders-api',
            LOG_LEVEL: 'INFO',
            AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
          }).map(([name, value]) => ({ name, value })),
          healthCheck: {
            command: [
              'CMD',
              'node',
              '-e',
              `fetch('${healthUrl}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
            ],
            interval: 15,
            timeout: 5,
            retries: 3,
            startPeriod: 20,
          },
          logConfiguration: logConfiguration('api'),
        },
        {
          name: 'xray-daemon',
          image: `${registry}/${cachePrefix}/${xrayDaemonImage.repository}:${xrayDaemonImage.tag}`,
          essential: false,
          cpu: 32,
          memoryReservation: 64,
          portMappings: [{ containerPort: 2000, protocol: 'udp' }],
          environment: [{ name: 'AWS_REGION', value: config.region }],
          logConfiguration: logConfiguration('xray'),
        },
      ]),
    });

    this.loadBalancer = new Lb(this, 'alb', {
      name: `${prefix}-api`,
      loadBalancerType: 'application',
      internal: false,
      subnets: network.publicSubnets.map((s) => s.id),
      securityGroups: [network.albSecurityGroup.id],
      dropInvalidHeaderFields: true,
      enableDeletionProtection: config.deletionProtection,
    });
    this.targetGroup = new LbTargetGroup(this, 'targets', {
      name: `${prefix}-api`,
      targetType: 'ip',
      port: api.containerPort,
      protocol: 'HTTP',
      vpcId: network.vpc.id,
      deregistrationDelay: '30',
      healthCheck: {
        path: api.healthCheckPath,
        matcher: '200',
        interval: 15,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
    });
    const forward = [{ type: 'forward', targetGroupArn: this.targetGroup.arn }];
    const listeners: LbListener[] = [];
    if (config.certificateArn === undefined) {
      listeners.push(
        new LbListener(this, 'http', {
          loadBalancerArn: this.loadBalancer.arn,
          port: 80,
          protocol: 'HTTP',
          defaultAction: forward,
        }),
      );
    } else {
      listeners.push(
        new LbListener(this, 'https', {
          loadBalancerArn: this.loadBalancer.arn,
          port: 443,
          protocol: 'HTTPS',
          sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
          certificateArn: config.certificateArn,
          defaultAction: forward,
        }),
        new LbListener(this, 'http-redirect', {
          loadBalancerArn: this.loadBalancer.arn,
          port: 80,
          protocol: 'HTTP',
          defaultAction: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
        }),
      );
    }

    this.service = new EcsService(this, 'service', {
      name: `${prefix}-api`,
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      desiredCount: api.minTasks,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriodSeconds: 30,
      propagateTags: 'SERVICE',
      networkConfiguration: {
        subnets: network.taskSubnets.map((s) => s.id),
        securityGroups: [network.tasksSecurityGroup.id],
        assignPublicIp: network.tasksNeedPublicIp,
      },
      loadBalancer: [{ targetGroupArn: this.targetGroup.arn, containerName: 'api', containerPort: api.containerPort }],
      lifecycle: { ignoreChanges: ['desired_count'] },
      dependsOn: listeners,
    });
    const scaling = new AppautoscalingTarget(this, 'scaling', {
      serviceNamespace: 'ecs',
      resourceId: `service/${cluster.name}/${this.service.name}`,
      scalableDimension: 'ecs:service:DesiredCount',
      minCapacity: api.minTasks,
      maxCapacity: api.maxTasks,
    });
    new AppautoscalingPolicy(this, 'cpu-target', {
      name: `${prefix}-api-cpu`,
      policyType: 'TargetTrackingScaling',
      serviceNamespace: scaling.serviceNamespace,
      resourceId: scaling.resourceId,
      scalableDimension: scaling.scalableDimension,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: api.cpuTargetPercent,
        predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        scaleInCooldown: 120,
        scaleOutCooldown: 60,
      },
    });
  }
}
