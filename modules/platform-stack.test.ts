import 'cdktf/lib/testing/adapters/jest';
import { AnnotationMetadataEntryType, App, Testing } from 'cdktf';
import { CloudwatchEventArchive } from '@cdktf/provider-aws/lib/cloudwatch-event-archive';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { CloudfrontDistribution } from '@cdktf/provider-aws/lib/cloudfront-distribution';
import { CognitoUserGroup } from '@cdktf/provider-aws/lib/cognito-user-group';
import { CognitoUserPoolClient } from '@cdktf/provider-aws/lib/cognito-user-pool-client';
import { XrayGroup } from '@cdktf/provider-aws/lib/xray-group';
import { XraySamplingRule } from '@cdktf/provider-aws/lib/xray-sampling-rule';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { Apigatewayv2Route } from '@cdktf/provider-aws/lib/apigatewayv2-route';
import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import {
  buckets,
  deadLetterQueueName,
  failureQueues,
  functions,
  physicalName,
  platform,
  queues,
  type RuleTarget,
  rules,
  secrets,
  RELAY_METRICS,
  stateMachines,
  tables,
} from '../core/platform/resources';
import { gatewayEndpointServices } from './network';
import { PlatformStack } from './platform-stack';
import { annotationsOf, policyViolations } from './policies';
import { type StageConfig, stages } from './stage-config';
import { fixtureDefinitions, resourcesOf, type SynthesizedStack } from './test-support/test-fixtures';
import { substituteArns, WorkflowDefinitionInvalidError, WorkflowDefinitionMissingError } from './workflow';

Testing.setupJest();

const synthStage = (config: StageConfig, extra: Partial<ConstructorParameters<typeof PlatformStack>[2]> = {}) => {
  const app = Testing.app();
  const stack = new PlatformStack(app, `order-platform-${config.stage}`, {
    config,
    backend: { kind: 'local', path: 'test.tfstate' },
    rootDir: __dirname,
    definitions: fixtureDefinitions(),
    ...extra,
  });
  const synth = Testing.synth(stack);
  return { stack, synth, parsed: JSON.parse(synth) as SynthesizedStack };
};

const dev = synthStage(stages.dev);
const prefix = 'orders-dev';
const certificateArn = 'arn:aws:acm:eu-west-1:210987654321:certificate/3f1c2a4e-8b7d-4c6e-9a5f-1e2d3c4b5a69';
let prodSynth: ReturnType<typeof synthStage> | undefined;
/** The prod stack as a deployable config makes it: with its certificate. */
const prod = () => (prodSynth ??= synthStage({ ...stages.prod, certificateArn, apiDomainName: 'api.shop.acme.test' }));

type PolicyStatement = {
  sid: string;
  actions: string[];
  resources: string[];
  condition?: { test: string; variable: string; values: string[] }[];
  principals?: { identifiers: string[] }[];
};
const policyDocuments = (parsed: SynthesizedStack) =>
  Object.entries(parsed.data?.aws_iam_policy_document ?? {}) as [string, { statement: PolicyStatement[] }][];
/** The API task role's statements by sid. */
const apiTaskStatements = (): Map<string, PolicyStatement> => {
  const documents = policyDocuments(dev.parsed).filter(([id]) => id.startsWith('api_task-role_policy'));
  expect(documents).toHaveLength(1);
  return new Map(documents[0][1].statement.map((st) => [st.sid, st]));
};

describe('the dev stack', () => {
  it('has no policy violations', () => {
    expect(policyViolations(dev.stack)).toEqual([]);
  });
});

describe('plan without AWS', () => {
  it('uses no data source that calls AWS: policy documents are rendered locally, nothing else is read', () => {
    expect(Object.keys(dev.parsed.data ?? {})).toEqual(['aws_iam_policy_document']);
  });
});

describe('network layer', () => {
  it('spreads public and private subnets over the two configured AZs, with no AZ data source', () => {
    for (const az of stages.dev.availabilityZones) {
      expect(dev.synth).toHaveResourceWithProperties(Subnet, { availability_zone: az, map_public_ip_on_launch: false });
    }
    expect(resourcesOf(dev.parsed, 'aws_subnet')).toHaveLength(4);
    expect(dev.parsed.data?.aws_availability_zones).toBeUndefined();
  });

  it('has only the free gateway endpoints and no NAT gateway in dev (no $117/month of interface endpoints)', () => {
    for (const service of gatewayEndpointServices) {
      expect(dev.synth).toHaveResourceWithProperties(VpcEndpoint, {
        service_name: `com.amazonaws.eu-west-1.${service}`,
        vpc_endpoint_type: 'Gateway',
      });
    }
    expect(resourcesOf(dev.parsed, 'aws_vpc_endpoint').filter((e) => e.vpc_endpoint_type === 'Interface')).toEqual([]);
    expect(dev.synth).not.toHaveResource(NatGateway);
  });

  it('gives dev API tasks egress for the JWKS fetch and image pulls: public subnets, a public IP, HTTPS out only', () => {
    const service = resourcesOf(dev.parsed, 'aws_ecs_service')[0] as {
      network_configuration: { subnets: string[]; assign_public_ip: boolean };
    };
    expect(service.network_configuration.assign_public_ip).toBe(true);
    expect(service.network_configuration.subnets).toEqual([
      expect.stringContaining('network_public-0'),
      expect.stringContaining('network_public-1'),
    ]);
    const egress = resourcesOf(dev.parsed, 'aws_vpc_security_group_egress_rule').filter(
      (r) => String(r.security_group_id).includes('sg-api-tasks') && r.cidr_ipv4 === '0.0.0.0/0',
    );
    expect(egress.map((r) => [r.from_port, r.to_port])).toEqual([[443, 443]]);
  });

  it('keeps prod API tasks in private subnets behind the NAT gateway', () => {
    const service = resourcesOf(prod().parsed, 'aws_ecs_service')[0] as {
      network_configuration: { subnets: string[]; assign_public_ip: boolean };
    };
    expect(service.network_configuration.assign_public_ip).toBe(false);
    expect(service.network_configuration.subnets).toEqual([
      expect.stringContaining('network_private-0'),
      expect.stringContaining('network_private-1'),
    ]);
  });

  it('opens the internet only to the ALB', () => {
    const open = resourcesOf(dev.parsed, 'aws_vpc_security_group_ingress_rule').filter(
      (r) => r.cidr_ipv4 === '0.0.0.0/0',
    );
    expect(open.map((r) => String(r.security_group_id))).toEqual(
      open.map(() => expect.stringContaining('network_sg-alb')),
    );
    expect(open.map((r) => r.from_port)).toEqual([80]);
  });
});

describe('data layer', () => {
  it('creates each table with PITR, SSE, TTL and its GSIs', () => {
    for (const table of tables) {
      expect(dev.synth).toHaveResourceWithProperties(DynamodbTable, {
        name: physicalName(prefix, table.name),
        point_in_time_recovery: { enabled: true },
        server_side_encryption: { enabled: true },
        ttl: { attribute_name: table.ttlAttribute, enabled: true },
        global_secondary_index: table.globalSecondaryIndexes.map((gsi) =>
          expect.objectContaining({
            name: gsi.name,
            hash_key: gsi.partitionKey,
            range_key: gsi.sortKey,
            projection_type: gsi.projection,
          }),
        ),
      });
    }
  });

  it('blocks public access on every bucket', () => {
    expect(resourcesOf(dev.parsed, 'aws_s3_bucket_public_access_block')).toHaveLength(
      resourcesOf(dev.parsed, 'aws_s3_bucket').length,
    );
    expect(dev.synth).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });
});

describe('messaging layer', () => {
  it('gives every processing queue SSE and a redrive policy to its DLQ', () => {
    for (const queue of queues) {
      expect(dev.synth).toHaveResourceWithProperties(SqsQueue, {
        name: physicalName(prefix, queue.name),
        sqs_managed_sse_enabled: true,
        visibility_timeout_seconds: queue.visibilityTimeoutSeconds,
        redrive_policy: expect.stringMatching(
          new RegExp(`queue-${queue.name}-dlq_.*"maxReceiveCount" = ${queue.deadLetter.maxReceiveCount}`),
        ),
      });
    }
  });

  it('archives the bus and gives every rule target a retry policy and a DLQ', () => {
    expect(dev.synth).toHaveResourceWithProperties(CloudwatchEventArchive, { retention_days: 30 });
    const targets = resourcesOf(dev.parsed, 'aws_cloudwatch_event_target');
    expect(targets).toHaveLength(rules.flatMap((r): readonly RuleTarget[] => r.targets).length);
    for (const target of targets) {
      expect(target).toMatchObject({
        retry_policy: { maximum_retry_attempts: expect.any(Number) },
        dead_letter_config: { arn: expect.stringContaining('event-delivery-dlq') },
      });
    }
  });

  it('starts a state machine from a rule through a role that may start only that machine', () => {
    const rule = {
      name: 'replay-starts-saga',
      description: 'test',
      bus: 'orders',
      eventPattern: { source: ['test'] },
      targets: [{ id: 'saga', kind: 'stepfunctions', stateMachine: 'order-saga' }],
    } as const;
    const { synth, parsed } = synthStage(stages.dev, { platform: { ...platform, rules: [...platform.rules, rule] } });
    expect(synth).toHaveResourceWithProperties(CloudwatchEventTarget, {
      target_id: 'saga',
      arn: expect.stringContaining('aws_sfn_state_machine'),
      role_arn: expect.stringContaining('aws_iam_role'),
    });
    const startGrants = Object.values(parsed.data?.aws_iam_policy_document ?? {}).filter((d) =>
      JSON.stringify(d).includes('states:StartExecution'),
    );
    expect(startGrants.length).toBeGreaterThanOrEqual(2);
  });

  it('puts schedule rules on the default bus and pattern rules on the platform bus', () => {
    expect(dev.synth).toHaveResourceWithProperties(CloudwatchEventRule, {
      name: `${prefix}-outbox-relay-schedule`,
      schedule_expression: 'rate(1 minute)',
    });
    const schedule = resourcesOf(dev.parsed, 'aws_cloudwatch_event_rule').find(
      (r) => r.name === `${prefix}-outbox-relay-schedule`,
    );
    expect(schedule).not.toHaveProperty('event_bus_name');
    expect(dev.synth).toHaveResourceWithProperties(CloudwatchEventRule, {
      name: `${prefix}-order-created-starts-saga`,
      event_bus_name: expect.stringContaining('aws_cloudwatch_event_bus'),
    });
    expect(dev.synth).toHaveResourceWithProperties(CloudwatchEventTarget, {
      target_id: 'relay',
      arn: expect.stringContaining('aws_lambda_function'),
    });
  });
});

describe('functions layer', () => {
  it('deploys every function on nodejs22.x arm64 with tracing, JSON logs and Powertools environment', () => {
    for (const fn of functions) {
      expect(dev.synth).toHaveResourceWithProperties(LambdaFunction, {
        function_name: physicalName(prefix, fn.name),
        runtime: 'nodejs22.x',
        architectures: ['arm64'],
        handler: 'index.handler',
        filename: `../../../dist/functions/${fn.name}.zip`,
        tracing_config: { mode: 'Active' },
        logging_config: expect.objectContaining({ log_format: 'JSON' }),
        environment: { variables: expect.objectContaining({ POWERTOOLS_SERVICE_NAME: fn.name }) },
      });
    }
  });

  it('hashes each bundle at the path terraform reads it from, with no escaped ${ that would make it literal', () => {
    for (const fn of resourcesOf(dev.parsed, 'aws_lambda_function')) {
      expect(fn.source_code_hash).toBe(`\${filebase64sha256("${String(fn.filename)}")}`);
      expect(JSON.stringify(fn)).not.toContain('$${');
    }
  });

  it("sends email from the stage's SES identity, the one its IAM grant names", () => {
    const { parsed } = synthStage({ ...stages.dev, emailSender: 'orders@shop.acme.test' });
    const identity = resourcesOf(parsed, 'aws_sesv2_email_identity');
    expect(identity.map((i) => i.email_identity)).toEqual(['orders@shop.acme.test']);
    const sendEmail = resourcesOf(parsed, 'aws_lambda_function').find(
      (f) => f.function_name === physicalName(prefix, 'send-email'),
    ) as { environment: { variables: Record<string, string> } };
    expect(sendEmail.environment.variables.EMAIL_FROM).toMatch(/^\$\{aws_sesv2_email_identity\..+\.email_identity\}$/);
  });

  it("gives the email function the user pool id and leave to read only that pool's users", () => {
    expect(dev.synth).toHaveResourceWithProperties(LambdaFunction, {
      function_name: physicalName(prefix, 'send-email'),
      environment: {
        variables: expect.objectContaining({ USER_POOL_ID: expect.stringContaining('aws_cognito_user_pool') }),
      },
    });
    const grants = Object.values(dev.parsed.data?.aws_iam_policy_document ?? {}).map((d) => JSON.stringify(d));
    expect(grants.filter((d) => d.includes('cognito-idp:AdminGetUser'))).toHaveLength(1);
    expect(grants.find((d) => d.includes('cognito-idp:AdminGetUser'))).toContain('aws_cognito_user_pool');
    // Not ListUsers: its quota category (UserList, 30 requests/s per account, not adjustable) would cap the emails.
    expect(grants.filter((d) => d.includes('cognito-idp:ListUsers'))).toEqual([]);
  });

  it('maps every consumed queue to its function with partial batch responses', () => {
    for (const queue of queues) {
      expect(dev.synth).toHaveResourceWithProperties(LambdaEventSourceMapping, {
        event_source_arn: expect.stringContaining(`queue-${queue.name}_`),
        batch_size: queue.consumer?.batchSize,
        function_response_types: ['ReportBatchItemFailures'],
      });
    }
  });

  it('warns when a queue hides messages for less time than its consumer may run', () => {
    const description = {
      ...platform,
      queues: platform.queues.map((q) => (q.name === 'email' ? { ...q, visibilityTimeoutSeconds: 1 } : q)),
    };
    const { stack } = synthStage(stages.dev, { platform: description });
    const warnings = annotationsOf(stack, AnnotationMetadataEntryType.WARN);
    expect(warnings).toContainEqual(
      expect.stringContaining('queue email: visibility timeout 1s is below the timeout of its consumer send-email'),
    );
  });

  it('gives functions invoked asynchronously an on-failure destination', () => {
    expect(dev.synth).toHaveResourceWithProperties(LambdaFunctionEventInvokeConfig, {
      function_name: expect.stringContaining('fn-outbox-relay'),
      destination_config: { on_failure: { destination: expect.stringContaining('event-delivery-dlq') } },
    });
  });

  it('hands secrets to functions by ARN and resolves the state machine ARN lazily', () => {
    const byName = Object.fromEntries(resourcesOf(dev.parsed, 'aws_lambda_function').map((f) => [f.function_name, f]));
    const env = (name: string) =>
      (byName[physicalName(prefix, name)].environment as { variables: Record<string, string> }).variables;
    expect(env('ingest-partner-event').PARTNER_SECRETS_ARN).toMatch(/^\$\{aws_secretsmanager_secret\..+\.arn\}$/);
    expect(env('start-saga').STATE_MACHINE_ARN).toMatch(/^\$\{aws_sfn_state_machine\..+\.arn\}$/);
  });

  it("gives deliver-webhook its stage's retry schedule and breaker, and its DLQ's URL to give deliveries up to", () => {
    const variables = (parsed: SynthesizedStack, stagePrefix: string): Record<string, string> => {
      const fn = resourcesOf(parsed, 'aws_lambda_function').find(
        (f) => f.function_name === physicalName(stagePrefix, 'deliver-webhook'),
      );
      return (fn?.environment as { variables: Record<string, string> } | undefined)?.variables ?? {};
    };
    const devVariables = variables(dev.parsed, prefix);
    const prodVariables = variables(prod().parsed, 'orders-prod');
    expect(devVariables).toMatchObject({
      WEBHOOK_RETRY_SCHEDULE: stages.dev.webhookDelivery.retrySchedule,
      WEBHOOK_BREAKER_THRESHOLD: '5',
      WEBHOOK_BREAKER_COOLDOWN: stages.dev.webhookDelivery.breakerCooldown,
      WEBHOOK_MAX_DELIVERY_AGE: stages.dev.webhookDelivery.maxDeliveryAge,
    });
    expect(prodVariables.WEBHOOK_RETRY_SCHEDULE).toBe('0s,5s,5m,30m,2h,5h,10h,14h,20h,24h');
    expect(devVariables.WEBHOOK_DEAD_LETTER_QUEUE_URL).toMatch(
      /^\$\{aws_sqs_queue\..*webhook-deliveries-dlq.*\.url\}$/,
    );
    expect(devVariables.WEBHOOK_TIME_SCALE).toBeUndefined();
  });
});

describe('workflow layer', () => {
  it('substitutes every ASL placeholder with a function ARN and logs and traces executions', () => {
    const machine = resourcesOf(dev.parsed, 'aws_sfn_state_machine')[0];
    expect(machine.definition).not.toMatch(/\$\{[A-Za-z]+Arn\}/);
    expect(machine.definition).toContain('aws_lambda_function.functions_fn-validate-order');
    expect(dev.synth).toHaveResourceWithProperties(SfnStateMachine, {
      logging_configuration: expect.objectContaining({ level: 'ALL', include_execution_data: true }),
      tracing_configuration: { enabled: true },
    });
  });

  it('deploys each stage as its workflow type: dev STANDARD logging ALL, prod EXPRESS within five minutes logging ERROR', () => {
    const [devMachine] = resourcesOf(dev.parsed, 'aws_sfn_state_machine');
    const [prodMachine] = resourcesOf(prod().parsed, 'aws_sfn_state_machine');

    expect([devMachine.type, prodMachine.type]).toEqual(['STANDARD', 'EXPRESS']);
    expect(prod().synth).toHaveResourceWithProperties(SfnStateMachine, {
      type: 'EXPRESS',
      logging_configuration: expect.objectContaining({ level: 'ERROR', include_execution_data: true }),
    });
    expect((JSON.parse(prodMachine.definition as string) as { TimeoutSeconds: number }).TimeoutSeconds).toBe(300);
  });

  it('fails synth with a clear error while the ASL file does not exist', () => {
    expect.assertions(1);
    expect(() => synthStage(stages.dev, { definitions: {}, rootDir: '/nonexistent' })).toThrow(
      WorkflowDefinitionMissingError,
    );
  });

  it('rejects a placeholder the description does not map, and a mapping the ASL never uses', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${Unknown} is a literal ASL placeholder, the input under test
    expect(() => substituteArns('{"a":"${Unknown}"}', {}, 'x.asl.json')).toThrow(WorkflowDefinitionInvalidError);
    expect(() => substituteArns('{"a":"b"}', { ValidateOrderArn: 'arn' }, 'x.asl.json')).toThrow(
      /never uses \$\{ValidateOrderArn\}/,
    );
    expect(() => substituteArns('not json', {}, 'x.asl.json')).toThrow(/not valid JSON/);
  });
});

describe('trust policies', () => {
  it("limit Step Functions and the API task role to the stage's own account", () => {
    const trusts = policyDocuments(dev.parsed).filter(([id]) =>
      /^(workflow_role-[a-z-]+|api_task-role)_trust/.test(id),
    );
    expect(trusts.length).toBe(2);
    for (const [, document] of trusts) {
      expect(document.statement[0].condition).toContainEqual({
        test: 'StringEquals',
        variable: 'aws:SourceAccount',
        values: [expect.stringMatching(/element\(split\(":", aws_cloudwatch_event_bus\..+\.arn\), 4\)/)],
      });
    }
  });
});

describe('api layer', () => {
  it('lets the API task read traces and the partner secret and delete webhook registrations, "*" only where X-Ray needs it', () => {
    type Statement = { sid: string; actions: string[]; resources: string[] };
    const documents = Object.values(dev.parsed.data?.aws_iam_policy_document ?? {}) as { statement: Statement[] }[];
    const api = documents.filter((d) => d.statement.some((st) => st.sid === 'XRayReadTraces'));
    expect(api).toHaveLength(1);
    const bySid = new Map(api[0].statement.map((st) => [st.sid, st]));

    expect(bySid.get('XRayReadTraces')?.actions).toEqual(['xray:GetTraceSummaries', 'xray:BatchGetTraces']);
    expect(bySid.get('Orders')?.actions).toContain('dynamodb:DeleteItem');
    expect(bySid.get('PartnerSecrets')?.resources).toEqual([expect.stringContaining('aws_secretsmanager_secret.')]);
    // "*" only for actions with no resource type: X-Ray's, and listing the archive's replays.
    for (const st of api[0].statement.filter((st) => st.resources.includes('*')))
      expect(st.actions.every((action) => action.startsWith('xray:') || action === 'events:ListReplays')).toBe(true);
  });

  it('runs 1..N Fargate tasks with circuit-breaker deployments and CPU target tracking', () => {
    expect(dev.synth).toHaveResourceWithProperties(EcsService, {
      launch_type: 'FARGATE',
      deployment_circuit_breaker: { enable: true, rollback: true },
    });
    expect(dev.synth).toHaveResourceWithProperties(AppautoscalingTarget, {
      min_capacity: stages.dev.api.minTasks,
      max_capacity: stages.dev.api.maxTasks,
    });
  });

  it('runs an X-Ray daemon sidecar next to the API container', () => {
    const task = resourcesOf(dev.parsed, 'aws_ecs_task_definition')[0];
    const containers = JSON.parse(String(task.container_definitions).replace(/\$\{[^}]*\}/g, 'x')) as {
      name: string;
    }[];
    expect(containers.map((c) => c.name)).toEqual(['api', 'xray-daemon']);
  });

  it('may HEAD a receipt that does not exist yet and get 404, not 403: ListBucket on the receipts bucket', () => {
    const statement = apiTaskStatements().get('ReceiptsExist');
    expect(statement?.actions).toEqual(['s3:ListBucket']);
    expect(statement?.resources).toEqual([
      expect.stringMatching(/^\$\{aws_s3_bucket\.data_bucket-receipts_bucket_[A-F0-9]+\.arn\}$/),
    ]);
  });

  it('may redrive a DLQ to its source queue: SendMessage on every processing queue', () => {
    const statement = apiTaskStatements().get('RedriveToSourceQueues');
    expect(statement?.actions).toEqual(['sqs:SendMessage']);
    expect(statement?.resources.map((r) => /queue-([a-z-]+)_/.exec(r)?.[1]).sort()).toEqual(
      queues.map((q) => q.name).sort(),
    );
  });

  it('runs the image of the content-derived tag, never latest', () => {
    const task = resourcesOf(dev.parsed, 'aws_ecs_task_definition')[0];
    expect(String(task.container_definitions)).toMatch(/repository_url\}:src-[0-9a-f]{16}"/);
    expect(String(task.container_definitions)).not.toContain(':latest');
  });

  it('listens on HTTP only without a certificate, on HTTPS with an HTTP redirect with one', () => {
    expect(resourcesOf(dev.parsed, 'aws_lb_listener').map((l) => l.protocol)).toEqual(['HTTP']);
    const withCert = synthStage({
      ...stages.dev,
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
    });
    expect(withCert.synth).toHaveResourceWithProperties(LbListener, { protocol: 'HTTPS', port: 443 });
    expect(withCert.synth).toHaveResourceWithProperties(LbListener, {
      protocol: 'HTTP',
      default_action: [expect.objectContaining({ type: 'redirect' })],
    });
  });
});

describe('auth, edge, secrets and observability layers', () => {
  it('has the admin group, the ingest route and the dashboard distribution', () => {
    expect(dev.synth).toHaveResourceWithProperties(CognitoUserGroup, { name: 'admin' });
    expect(dev.synth).toHaveResourceWithProperties(Apigatewayv2Route, {
      route_key: 'POST /webhooks/ingest/{partnerId}',
    });
    expect(dev.synth).toHaveResourceWithProperties(CognitoUserPoolClient, {
      explicit_auth_flows: expect.arrayContaining(['ALLOW_USER_PASSWORD_AUTH']),
      generate_secret: false,
    });
    expect(dev.synth).toHaveResourceWithProperties(CloudfrontDistribution, {
      origin: expect.arrayContaining([expect.objectContaining({ origin_access_control_id: expect.any(String) })]),
    });
    for (const secret of secrets)
      expect(dev.synth).toHaveResourceWithProperties(SecretsmanagerSecret, { name: physicalName(prefix, secret.name) });
  });

  it('serves the dashboard and routes /api/* and /config.json to the API on the same HTTPS origin, never rewriting API errors to HTML', () => {
    type Distribution = {
      origin: { origin_id: string; domain_name: string; custom_origin_config?: { origin_protocol_policy: string } }[];
      ordered_cache_behavior: {
        path_pattern: string;
        target_origin_id: string;
        viewer_protocol_policy: string;
        cache_policy_id: string;
      }[];
      custom_error_response?: unknown;
      default_cache_behavior: { function_association?: unknown[] };
    };
    const distribution = resourcesOf(dev.parsed, 'aws_cloudfront_distribution')[0] as Distribution;
    const api = distribution.origin.find((o) => o.origin_id === 'api');
    expect(api?.domain_name).toMatch(/^\$\{aws_lb\..+\.dns_name\}$/);
    expect(
      distribution.ordered_cache_behavior.map((b) => [b.path_pattern, b.target_origin_id, b.viewer_protocol_policy]),
    ).toEqual([
      ['/api/*', 'api', 'https-only'],
      ['/config.json', 'api', 'https-only'],
      ['/asyncapi.json', 'api', 'https-only'],
    ]);
    expect(distribution.custom_error_response).toBeUndefined();
    expect(distribution.default_cache_behavior.function_association).toHaveLength(1);
  });

  it('reaches the prod API over HTTPS by the name its certificate covers', () => {
    const distribution = resourcesOf(prod().parsed, 'aws_cloudfront_distribution')[0] as {
      origin: { origin_id: string; domain_name: string; custom_origin_config?: { origin_protocol_policy: string } }[];
    };
    expect(distribution.origin.find((o) => o.origin_id === 'api')).toMatchObject({
      domain_name: 'api.shop.acme.test',
      custom_origin_config: { origin_protocol_policy: 'https-only' },
    });
  });

  it('has the X-Ray group and a sampling rule for the API: every request in dev, 1/s + 5% in prod', () => {
    expect(dev.synth).toHaveResourceWithProperties(XrayGroup, { filter_expression: 'service("orders-api")' });
    expect(dev.synth).toHaveResourceWithProperties(XraySamplingRule, {
      service_name: 'orders-api',
      url_path: '/api/*',
      reservoir_size: 1,
      fixed_rate: 1,
    });
    expect(prod().synth).toHaveResourceWithProperties(XraySamplingRule, {
      service_name: 'orders-api',
      reservoir_size: 1,
      fixed_rate: 0.05,
    });
  });

  it('alarms on every DLQ, failed saga executions, API 5xx and p99 latency', () => {
    for (const name of [...queues.map((q) => deadLetterQueueName(q.name)), ...failureQueues.map((q) => q.name)]) {
      expect(dev.synth).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
        namespace: 'AWS/SQS',
        dimensions: { QueueName: physicalName(prefix, name) },
      });
    }
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      expect(dev.synth).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
        namespace: 'AWS/States',
        metric_name: metric,
        threshold: 0,
      });
    }
    expect(dev.synth).toHaveResourceWithProperties(CloudwatchMetricAlarm, { metric_name: 'HTTPCode_Target_5XX_Count' });
    expect(dev.synth).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      metric_name: 'TargetResponseTime',
      extended_statistic: 'p99',
    });
  });

  it('shows every saga execution end the alarms watch on the dashboard, beside the successes', () => {
    const [dashboard] = resourcesOf(prod().parsed, 'aws_cloudwatch_dashboard') as { dashboard_body: string }[];
    const sagaWidget = (
      JSON.parse(dashboard.dashboard_body) as { widgets: { properties: { title: string; metrics: string[][] } }[] }
    ).widgets.find((candidate) => candidate.properties.title === 'Saga executions');
    expect(sagaWidget?.properties.metrics.map((metric) => metric[1])).toEqual([
      'ExecutionsSucceeded',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'ExecutionsAborted',
    ]);
  });

  it('alarms when the outbox relay parks a record, on the metric its log line carries', () => {
    expect(dev.synth).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      namespace: RELAY_METRICS.namespace,
      metric_name: RELAY_METRICS.parked,
      dimensions: { [RELAY_METRICS.dimension]: physicalName(prefix, RELAY_METRICS.function) },
      threshold: 0,
      comparison_operator: 'GreaterThanThreshold',
    });
  });
});

describe('agreement with core/platform/resources.ts', () => {
  const names = (type: string, field: string) =>
    resourcesOf(dev.parsed, type)
      .map((r) => String(r[field]))
      .sort();
  const physical = (list: readonly string[]) => list.map((n) => physicalName(prefix, n)).sort();

  it('has exactly one queue per described queue, DLQ and failure queue', () => {
    expect(names('aws_sqs_queue', 'name')).toEqual(
      physical([...queues.flatMap((q) => [q.name, deadLetterQueueName(q.name)]), ...failureQueues.map((q) => q.name)]),
    );
  });

  it('has exactly one Lambda per described function', () => {
    expect(names('aws_lambda_function', 'function_name')).toEqual(physical(functions.map((f) => f.name)));
  });

  it('has exactly one rule per described rule, and one target per described target', () => {
    expect(names('aws_cloudwatch_event_rule', 'name')).toEqual(physical(rules.map((r) => r.name)));
    expect(names('aws_cloudwatch_event_target', 'target_id')).toEqual(
      rules.flatMap((r) => r.targets.map((t) => t.id)).sort(),
    );
  });

  it('has exactly the described tables, state machines and secrets, and one event source mapping per consumed queue', () => {
    expect(names('aws_dynamodb_table', 'name')).toEqual(physical(tables.map((t) => t.name)));
    expect(names('aws_sfn_state_machine', 'name')).toEqual(physical(stateMachines.map((s) => s.name)));
    expect(names('aws_secretsmanager_secret', 'name')).toEqual(physical(secrets.map((s) => s.name)));
    expect(resourcesOf(dev.parsed, 'aws_lambda_event_source_mapping')).toHaveLength(
      queues.filter((q) => q.consumer !== undefined).length,
    );
    expect(names('aws_s3_bucket', 'bucket_prefix')).toEqual(
      physical([...buckets.map((b) => b.name), 'dashboard']).map((n) => `${n}-`),
    );
  });
});

describe('the prod stage', () => {
  it('synthesises with its own prefix, deletion protection and a NAT gateway, without policy violations', () => {
    expect(policyViolations(prod().stack)).toEqual([]);
    expect(prod().synth).toHaveResourceWithProperties(DynamodbTable, {
      name: 'orders-prod-orders',
      deletion_protection_enabled: true,
    });
    expect(prod().synth).toHaveResource(NatGateway);
  });

  it('fails synth without a certificate: no plain-HTTP listener in prod', () => {
    const { stack } = synthStage(stages.prod);
    expect(policyViolations(stack)).toEqual([
      expect.stringMatching(/api\/http: listener on port 80 serves plain HTTP/),
    ]);
  });

  it('tags every resource through the provider default tags', () => {
    expect(dev.parsed.provider.aws[0]).toMatchObject({ default_tags: [{ tags: stages.dev.tags }] });
  });
});

describe('main.ts composition', () => {
  it('synthesises one stack per stage into an App outdir', () => {
    const app = new App({ outdir: Testing.app().outdir });
    const stack = new PlatformStack(app, 'order-platform-dev', {
      config: stages.dev,
      backend: { kind: 'local', path: 'x' },
      rootDir: __dirname,
      definitions: fixtureDefinitions(),
    });
    expect(() => app.synth()).not.toThrow();
    expect(policyViolations(stack)).toEqual([]);
  });
});
