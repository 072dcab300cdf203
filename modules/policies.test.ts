import { Testing, TerraformStack } from 'cdktf';
import fc from 'fast-check';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { PrivateBucket } from './base/private-bucket';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { ServiceRole } from './base/iam';
import {
  actionsWithoutResourceScope,
  addPolicies,
  type PolicyOptions,
  policyViolations,
  wildcardProblem,
} from './policies';

/** A stack with the policies and whatever `build` adds, synthesised; returns its violations. */
const violationsOf = (build: (stack: TerraformStack) => void, options?: PolicyOptions): string[] => {
  const stack = new TerraformStack(Testing.app(), 'policy-test');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  addPolicies(stack, options);
  build(stack);
  Testing.synth(stack);
  return policyViolations(stack);
};

const lambda = (stack: TerraformStack, tracing?: string) =>
  new LambdaFunction(stack, 'fn', {
    functionName: 'f',
    role: 'arn:aws:iam::123456789012:role/r',
    filename: 'f.zip',
    ...(tracing === undefined ? {} : { tracingConfig: { mode: tracing } }),
  });

const table = (stack: TerraformStack, pitr: boolean) =>
  new DynamodbTable(stack, 'table', {
    name: 't',
    hashKey: 'PK',
    attribute: [{ name: 'PK', type: 'S' }],
    billingMode: 'PAY_PER_REQUEST',
    pointInTimeRecovery: { enabled: pitr },
  });

const dlqAlarm = (stack: TerraformStack, queueName: string) =>
  new CloudwatchMetricAlarm(stack, 'alarm', {
    alarmName: 'a',
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: queueName },
    comparisonOperator: 'GreaterThanThreshold',
    evaluationPeriods: 1,
    period: 60,
    statistic: 'Maximum',
    threshold: 0,
  });

describe('policy Aspects', () => {
  it('reject an IAM statement with Action "*"', () => {
    const violations = violationsOf(
      (s) => new DataAwsIamPolicyDocument(s, 'doc', { statement: [{ actions: ['*'], resources: ['arn:aws:s3:::b'] }] }),
    );
    expect(violations).toEqual([expect.stringContaining('wildcard action')]);
  });

  it('reject Resource "*" outside the documented exceptions, in documents and literal inline policies', () => {
    const violations = violationsOf((s) => {
      new DataAwsIamPolicyDocument(s, 'doc', { statement: [{ actions: ['dynamodb:GetItem'], resources: ['*'] }] });
      new IamRolePolicy(s, 'inline', {
        role: 'r',
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }],
        }),
      });
    });
    expect(violations).toEqual([
      expect.stringContaining('dynamodb:GetItem'),
      expect.stringContaining('sqs:SendMessage'),
    ]);
  });

  it('accept X-Ray trace upload on Resource "*"', () => {
    expect(
      violationsOf(
        (s) =>
          new DataAwsIamPolicyDocument(s, 'doc', {
            statement: [{ actions: ['xray:PutTraceSegments'], resources: ['*'] }],
          }),
      ),
    ).toEqual([]);
  });

  it('reject a processing queue without a redrive policy, and accept it with one', () => {
    expect(violationsOf((s) => new SqsQueue(s, 'q', { name: 'orders-dev-email' }))).toEqual([
      expect.stringContaining('no redrive policy'),
    ]);
    expect(violationsOf((s) => new SqsQueue(s, 'q', { name: 'orders-dev-email', redrivePolicy: '{}' }))).toEqual([]);
  });

  it('reject a DLQ without an alarm, and accept one whose alarm names it', () => {
    expect(violationsOf((s) => new SqsQueue(s, 'q', { name: 'orders-dev-email-dlq' }))).toEqual([
      expect.stringContaining('has no alarm'),
    ]);
    expect(
      violationsOf((s) => {
        new SqsQueue(s, 'q', { name: 'orders-dev-email-dlq' });
        dlqAlarm(s, 'orders-dev-email-dlq');
      }),
    ).toEqual([]);
    expect(
      violationsOf((s) => {
        new SqsQueue(s, 'q', { name: 'orders-dev-email-dlq' });
        dlqAlarm(s, 'orders-dev-other-dlq');
      }),
    ).toHaveLength(1);
  });

  it('reject a bucket without a public access block, and accept the PrivateBucket construct', () => {
    expect(violationsOf((s) => new S3Bucket(s, 'b', { bucketPrefix: 'open-' }))).toEqual([
      expect.stringContaining('does not block public access'),
    ]);
    expect(violationsOf((s) => new PrivateBucket(s, 'b', { bucketPrefix: 'closed', forceDestroy: false }))).toEqual([]);
  });

  it('reject a bucket with a fixed name: names are global across AWS accounts', () => {
    const stackWithName = violationsOf((s) => {
      new S3Bucket(s, 'named', { bucket: 'orders-dev-receipts' });
      new S3BucketPublicAccessBlock(s, 'block', {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal Terraform reference, as CDKTF writes it
        bucket: '${aws_s3_bucket.named.id}',
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
    });
    expect(stackWithName).toContainEqual(expect.stringContaining('bucket "orders-dev-receipts" has a fixed name'));
  });

  it('reject s3:* and s3:Get* like any other wildcard action', () => {
    for (const action of ['s3:*', 's3:Get*']) {
      expect(
        violationsOf(
          (s) =>
            new DataAwsIamPolicyDocument(s, 'doc', {
              statement: [{ actions: [action], resources: ['arn:aws:s3:::b/*'] }],
            }),
        ),
      ).toEqual([expect.stringContaining('wildcard action')]);
    }
  });

  it('reject a service trust policy without aws:SourceAccount or aws:SourceArn, unless the role says why AWS has none', () => {
    const trust = (s: TerraformStack, condition?: { test: string; variable: string; values: string[] }[]) =>
      new DataAwsIamPolicyDocument(s, 'trust', {
        statement: [
          {
            actions: ['sts:AssumeRole'],
            principals: [{ type: 'Service', identifiers: ['states.amazonaws.com'] }],
            ...(condition === undefined ? {} : { condition }),
          },
        ],
      });
    expect(violationsOf((s) => trust(s))).toEqual([
      expect.stringContaining('states.amazonaws.com assume the role for any account'),
    ]);
    expect(
      violationsOf((s) =>
        trust(s, [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: ['210987654321'] }]),
      ),
    ).toEqual([]);
    expect(
      violationsOf(
        (s) =>
          new ServiceRole(s, 'fn', {
            roleName: 'f',
            servicePrincipal: 'lambda.amazonaws.com',
            grants: [],
            trust: { unsupported: 'no source context' },
          }),
      ),
    ).toEqual([]);
    expect(
      violationsOf(
        (s) =>
          new ServiceRole(s, 'sfn', {
            roleName: 's',
            servicePrincipal: 'states.amazonaws.com',
            grants: [],
            trust: { sourceAccount: '210987654321' },
          }),
      ),
    ).toEqual([]);
  });

  it('reject a plain-HTTP listener where HTTPS is required, and accept HTTPS with an HTTP redirect', () => {
    const listener = (s: TerraformStack, id: string, protocol: string, type: string) =>
      new LbListener(s, id, {
        loadBalancerArn: 'arn',
        port: protocol === 'HTTP' ? 80 : 443,
        protocol,
        defaultAction: [
          type === 'redirect'
            ? { type, redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }
            : { type, targetGroupArn: 'tg' },
        ],
      });
    expect(violationsOf((s) => listener(s, 'http', 'HTTP', 'forward'), { httpsOnly: true })).toEqual([
      expect.stringContaining('serves plain HTTP'),
    ]);
    expect(
      violationsOf(
        (s) => {
          listener(s, 'https', 'HTTPS', 'forward');
          listener(s, 'http', 'HTTP', 'redirect');
        },
        { httpsOnly: true },
      ),
    ).toEqual([]);
    expect(violationsOf((s) => listener(s, 'http', 'HTTP', 'forward'))).toEqual([]);
  });

  it('reject a table without point-in-time recovery', () => {
    expect(violationsOf((s) => table(s, false))).toEqual([expect.stringContaining('point-in-time recovery')]);
    expect(violationsOf((s) => table(s, true))).toEqual([]);
  });

  it('reject a log group without retention', () => {
    expect(violationsOf((s) => new CloudwatchLogGroup(s, 'lg', { name: '/x' }))).toEqual([
      expect.stringContaining('no retention'),
    ]);
    expect(violationsOf((s) => new CloudwatchLogGroup(s, 'lg', { name: '/x', retentionInDays: 7 }))).toEqual([]);
  });

  it('reject a Lambda without tracing Active', () => {
    expect(violationsOf((s) => lambda(s))).toEqual([expect.stringContaining('tracing Active')]);
    expect(violationsOf((s) => lambda(s, 'PassThrough'))).toHaveLength(1);
    expect(violationsOf((s) => lambda(s, 'Active'))).toEqual([]);
  });

  it('make app.synth() fail on a violation', () => {
    expect.assertions(1);
    const app = Testing.app();
    const stack = new TerraformStack(app, 'failing');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    addPolicies(stack);
    new CloudwatchLogGroup(stack, 'lg', { name: '/x' });
    expect(() => app.synth()).toThrow(/no retention/);
  });
});

describe('wildcardProblem', () => {
  const scopedAction = fc
    .stringMatching(/^[a-z]{2,8}:[A-Z][A-Za-z]{1,12}$/)
    .filter((a) => !actionsWithoutResourceScope.has(a));
  const arn = fc.stringMatching(/^arn:aws:[a-z]{2,6}:eu-west-1:123456789012:[a-z]{1,10}$/);

  it('accepts any statement of scoped actions on explicit ARNs', () => {
    fc.assert(
      fc.property(
        fc.array(scopedAction, { minLength: 1 }),
        fc.array(arn, { minLength: 1 }),
        (actions, resources) => wildcardProblem({ actions, resources }) === undefined,
      ),
    );
  });

  it('rejects any statement that adds "*" to its resources or actions', () => {
    fc.assert(
      fc.property(
        fc.array(scopedAction, { minLength: 1 }),
        fc.array(arn),
        fc.boolean(),
        (actions, resources, inActions) =>
          wildcardProblem(
            inActions ? { actions: [...actions, '*'], resources } : { actions, resources: [...resources, '*'] },
          ) !== undefined,
      ),
    );
  });
});
