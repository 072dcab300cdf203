/**
 * Platform policies as CDKTF Aspects. Aspects on the App are ignored, so `addPolicies` adds them to a stack;
 * every stack of the platform calls it. A violation is an error annotation: `app.synth()` fails and names the
 * construct; `policyViolations(stack)` lists them for tests.
 */
import {
  AnnotationMetadataEntryType,
  Annotations,
  Aspects,
  DefaultTokenResolver,
  type IAspect,
  StringConcat,
  TerraformStack,
  Token,
  Tokenization,
} from 'cdktf';
import type { IConstruct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LbListener, type LbListenerDefaultAction } from '@cdktf/provider-aws/lib/lb-listener';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { ServiceRole } from './base/iam';

/**
 * Actions AWS documents as supporting no resource-level permission, so `Resource: "*"` is their only form:
 * X-Ray trace upload and sampling, the ECR registry token, and the CloudWatch Logs vended-delivery calls that
 * Step Functions logging requires. Nothing else may use "*".
 */
export const actionsWithoutResourceScope: ReadonlySet<string> = new Set([
  // Lists the account's replays; the Service Authorization Reference names no resource type for it.
  'events:ListReplays',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'xray:GetSamplingStatisticSummaries',
  'xray:GetTraceSummaries',
  'xray:BatchGetTraces',
  'ecr:GetAuthorizationToken',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

const isDeadLetterName = (name: string | undefined): boolean => name?.endsWith('-dlq') === true;

const asList = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

/** Why one IAM statement breaks the no-wildcard rule, or undefined when it does not. */
export const wildcardProblem = (statement: {
  actions?: readonly string[];
  resources?: readonly string[];
  notActions?: readonly string[];
  notResources?: readonly string[];
}): string | undefined => {
  const actions = statement.actions ?? [];
  const resources = statement.resources ?? [];
  // Any `*` in an action is a wildcard: `s3:*` and `s3:Get*` alike grant actions nobody reviewed (s3:GetBucketPolicy...).
  if (actions.some((action) => action.includes('*')))
    return `IAM statement grants a wildcard action (${actions.join(', ')})`;
  if ((statement.notActions ?? []).length > 0 || (statement.notResources ?? []).length > 0)
    return 'IAM statement uses NotAction/NotResource';
  if (resources.includes('*') && !actions.every((action) => actionsWithoutResourceScope.has(action))) {
    return `IAM statement grants Resource "*" to actions that support resource scoping (${actions.filter((a) => !actionsWithoutResourceScope.has(a)).join(', ')})`;
  }
  return undefined;
};

/** A policy JSON string written literally (not a Terraform reference), checked statement by statement. */
const literalPolicyProblems = (policy: string | undefined): string[] => {
  if (policy === undefined || Token.isUnresolved(policy)) return [];
  const parsed = JSON.parse(policy) as {
    Statement?: {
      Action?: string | string[];
      Resource?: string | string[];
      NotAction?: unknown;
      NotResource?: unknown;
    }[];
  };
  return (parsed.Statement ?? []).flatMap((s) => {
    const problem = wildcardProblem({
      actions: asList(s.Action),
      resources: asList(s.Resource),
      notActions: s.NotAction === undefined ? [] : ['NotAction'],
      notResources: s.NotResource === undefined ? [] : ['NotResource'],
    });
    return problem === undefined ? [] : [problem];
  });
};

/** No IAM statement with Action "*" (or service:*) or Resource "*" outside `actionsWithoutResourceScope`. */
export class NoIamWildcardsAspect implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof DataAwsIamPolicyDocument) {
      const statements = node.statementInput;
      if (statements === undefined || Token.isUnresolved(statements) || !Array.isArray(statements)) return;
      for (const statement of statements as DataAwsIamPolicyDocumentStatement[]) {
        const problem = wildcardProblem(statement);
        if (problem !== undefined) Annotations.of(node).addError(problem);
      }
    } else if (node instanceof IamRolePolicy || node instanceof IamPolicy) {
      for (const problem of literalPolicyProblems(node.policyInput)) Annotations.of(node).addError(problem);
    }
  }
}

/** Every queue that is not a dead-letter queue (name ending -dlq) has a redrive policy. */
export class QueuesHaveRedriveAspect implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof SqsQueue && !isDeadLetterName(node.nameInput) && node.redrivePolicyInput === undefined) {
      Annotations.of(node).addError(
        `queue ${node.nameInput ?? node.node.id} has no redrive policy (dead-letter queue)`,
      );
    }
  }
}

/** Every dead-letter queue has a CloudWatch alarm on it (an AWS/SQS metric with its QueueName dimension). */
export class DeadLetterQueuesHaveAlarmsAspect implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack)) return;
    const all = node.node.findAll();
    const alarmed = new Set(
      all
        .filter((c): c is CloudwatchMetricAlarm => c instanceof CloudwatchMetricAlarm && c.namespaceInput === 'AWS/SQS')
        .map((alarm) => alarm.dimensionsInput?.QueueName)
        .filter((name): name is string => name !== undefined),
    );
    for (const queue of all) {
      if (queue instanceof SqsQueue && isDeadLetterName(queue.nameInput) && !alarmed.has(queue.nameInput as string)) {
        Annotations.of(queue).addError(`dead-letter queue ${queue.nameInput} has no alarm`);
      }
    }
  }
}

const resolveIn = (scope: IConstruct, value: unknown): unknown =>
  Tokenization.resolve(value, { scope, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });

/** Every bucket has a public access block with all four switches on. */
export class BucketsBlockPublicAccessAspect implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack)) return;
    const all = node.node.findAll();
    const blocked = new Set(
      all
        .filter((c): c is S3BucketPublicAccessBlock => c instanceof S3BucketPublicAccessBlock)
        .filter((b) =>
          [
            b.blockPublicAclsInput,
            b.blockPublicPolicyInput,
            b.ignorePublicAclsInput,
            b.restrictPublicBucketsInput,
          ].every((v) => v === true),
        )
        .map((b) => JSON.stringify(resolveIn(node, b.bucketInput))),
    );
    for (const bucket of all) {
      // Attribute tokens are fresh on every read, so references are compared resolved (`${aws_s3_bucket.x.id}`).
      if (bucket instanceof S3Bucket && !blocked.has(JSON.stringify(resolveIn(node, bucket.id)))) {
        Annotations.of(bucket).addError(`bucket ${bucket.bucketInput ?? bucket.node.id} does not block public access`);
      }
    }
  }
}

/** Every DynamoDB table has point-in-time recovery enabled. */
export class TablesHavePitrAspect implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof DynamodbTable && node.pointInTimeRecoveryInput?.enabled !== true) {
      Annotations.of(node).addError(`table ${node.nameInput ?? node.node.id} has no point-in-time recovery`);
    }
  }
}

/** Every log group has a retention period. */
export class LogGroupsHaveRetentionAspect implements IAspect {
  visit(node: IConstruct): void {
    if (
      node instanceof CloudwatchLogGroup &&
      !(typeof node.retentionInDaysInput === 'number' && node.retentionInDaysInput > 0)
    ) {
      Annotations.of(node).addError(`log group ${node.nameInput ?? node.node.id} has no retention`);
    }
  }
}

/** Every Lambda function has X-Ray tracing Active. */
export class LambdasHaveTracingAspect implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof LambdaFunction && node.tracingConfigInput?.mode !== 'Active') {
      Annotations.of(node).addError(`function ${node.functionNameInput ?? node.node.id} does not have tracing Active`);
    }
  }
}

/** Bucket names are global across AWS: every bucket takes a prefix and S3 makes the name unique. */
export class BucketsHaveUniqueNamesAspect implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof S3Bucket && node.bucketInput !== undefined) {
      Annotations.of(node).addError(
        `bucket "${node.bucketInput}" has a fixed name; names are global across AWS accounts, use bucket_prefix`,
      );
    }
  }
}

/** In a stage that carries real users' tokens, a load balancer listens on HTTPS; plain HTTP only redirects. */
export class ListenersUseHttpsAspect implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof LbListener) || node.protocolInput !== 'HTTP') return;
    const actions = node.defaultActionInput;
    const redirectsOnly =
      Array.isArray(actions) &&
      actions.length > 0 &&
      actions.every((a: LbListenerDefaultAction) => a.type === 'redirect' && a.redirect?.protocol === 'HTTPS');
    if (!redirectsOnly)
      Annotations.of(node).addError(
        `listener on port ${String(node.portInput)} serves plain HTTP; this stage needs HTTPS (certificateArn) with HTTP redirecting`,
      );
  }
}

/** Trust statements of service roles limit the caller's account (aws:SourceAccount / aws:SourceArn). */
export class TrustPoliciesHaveConditionsAspect implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof DataAwsIamPolicyDocument)) return;
    const parent = node.node.scope;
    // A ServiceRole states why its service has no documented source context; such a role is accepted as it is.
    if (parent instanceof ServiceRole && 'unsupported' in parent.trustConditions) return;
    const statements = node.statementInput;
    if (statements === undefined || Token.isUnresolved(statements) || !Array.isArray(statements)) return;
    for (const statement of statements as DataAwsIamPolicyDocumentStatement[]) {
      const assumes = (statement.actions ?? []).some((a) => a === 'sts:AssumeRole');
      const services = Array.isArray(statement.principals)
        ? statement.principals.filter((p) => p.type === 'Service').flatMap((p) => p.identifiers)
        : [];
      if (!assumes || services.length === 0) continue;
      const conditions = Array.isArray(statement.condition) ? statement.condition : [];
      if (!conditions.some((c) => ['aws:sourceaccount', 'aws:sourcearn'].includes(c.variable.toLowerCase()))) {
        Annotations.of(node).addError(
          `trust policy lets ${services.join(', ')} assume the role for any account (no aws:SourceAccount or aws:SourceArn condition)`,
        );
      }
    }
  }
}

export interface PolicyOptions {
  /** Require HTTPS listeners (prod). */
  readonly httpsOnly: boolean;
}

/** Adds every platform policy to one stack (an Aspect on the App would be ignored). */
export const addPolicies = (stack: TerraformStack, options: PolicyOptions = { httpsOnly: false }): void => {
  const aspects = Aspects.of(stack);
  aspects.add(new BucketsHaveUniqueNamesAspect());
  aspects.add(new TrustPoliciesHaveConditionsAspect());
  if (options.httpsOnly) aspects.add(new ListenersUseHttpsAspect());
  aspects.add(new NoIamWildcardsAspect());
  aspects.add(new QueuesHaveRedriveAspect());
  aspects.add(new DeadLetterQueuesHaveAlarmsAspect());
  aspects.add(new BucketsBlockPublicAccessAspect());
  aspects.add(new TablesHavePitrAspect());
  aspects.add(new LogGroupsHaveRetentionAspect());
  aspects.add(new LambdasHaveTracingAspect());
};

/** The annotations of one level on a stack after synth, as `path: message`. */
export const annotationsOf = (stack: TerraformStack, level: AnnotationMetadataEntryType): string[] =>
  stack.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === level).map((m) => `${c.node.path}: ${String(m.data)}`));

/** The error annotations (policy violations among them) on a stack after synth. */
export const policyViolations = (stack: TerraformStack): string[] =>
  annotationsOf(stack, AnnotationMetadataEntryType.ERROR);
