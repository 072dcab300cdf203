/**
 * Workflow layer: each state machine of the description from its ASL file, deployed as is except for the
 * `${XxxArn}` placeholders, which become the ARNs of the functions the description maps them to, as the stage's
 * workflow type. STANDARD: logging ALL with execution data (its history is also in the API). EXPRESS: the execution
 * timeout is the five-minute Express limit, and logging is ERROR with execution data, since CloudWatch Logs is then
 * the only record of a failure and logging every event of every execution would cost more than the workflow itself
 * (docs/decisions.md, "Workflow type by numbers"). X-Ray tracing on both.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import type { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { physicalName, type StateMachineSpec } from '../core/platform/resources';
import { ServiceRole, xrayWriteGrant } from './base/iam';
import type { WorkflowType } from './stage-config';

/** An Express execution's hard limit (Step Functions quotas). */
export const EXPRESS_MAX_SECONDS = 300;

export interface WorkflowLayerProps {
  readonly prefix: string;
  readonly stateMachines: readonly StateMachineSpec[];
  readonly functions: ReadonlyMap<string, LambdaFunction>;
  readonly logRetentionDays: number;
  /** The stage's workflow type (modules/stage-config.ts); STANDARD when absent. */
  readonly workflowType?: WorkflowType;
  readonly region: string;
  /** The stage's account id (a Terraform expression), for the role's trust condition. */
  readonly accountId: string;
  /** Repository root the definition files are relative to. */
  readonly rootDir: string;
  /** ASL text by state machine name, used instead of the file (tests, previews). */
  readonly definitions?: Readonly<Record<string, string>>;
}

const placeholder = /\$\{([A-Za-z0-9_]+)\}/g;

/**
 * The ASL text with every `${Name}` replaced through `arnOf`. Throws when the text is not JSON, when a
 * placeholder has no mapping, or when a mapping is never used (a renamed state would otherwise go unnoticed).
 */
export const substituteArns = (asl: string, mapping: Readonly<Record<string, string>>, source: string): string => {
  try {
    JSON.parse(asl);
  } catch (cause) {
    throw new WorkflowDefinitionInvalidError(`${source} is not valid JSON`, { cause });
  }
  const used = new Set<string>();
  const text = asl.replace(placeholder, (_match, name: string) => {
    const arn = mapping[name];
    if (arn === undefined)
      throw new WorkflowDefinitionInvalidError(
        `${source} uses \${${name}}, which the description does not map to a function`,
      );
    used.add(name);
    return arn;
  });
  const unused = Object.keys(mapping).filter((name) => !used.has(name));
  if (unused.length > 0)
    throw new WorkflowDefinitionInvalidError(`${source} never uses ${unused.map((n) => `\${${n}}`).join(', ')}`);
  return text;
};

export class WorkflowLayer extends Construct {
  readonly stateMachines = new Map<string, SfnStateMachine>();

  constructor(scope: Construct, id: string, props: WorkflowLayerProps) {
    super(scope, id);
    const type = props.workflowType ?? 'STANDARD';
    for (const spec of props.stateMachines) {
      const name = physicalName(props.prefix, spec.name);
      const asl = props.definitions?.[spec.name] ?? readDefinition(props.rootDir, spec);
      const functionArns = Object.fromEntries(
        Object.entries(spec.functionArns).map(([key, fnName]) => {
          const fn = props.functions.get(fnName);
          if (fn === undefined)
            throw new WorkflowDefinitionInvalidError(
              `state machine ${spec.name} maps \${${key}} to unknown function "${fnName}"`,
            );
          return [key, fn.arn];
        }),
      );
      const logGroup = new CloudwatchLogGroup(this, `logs-${spec.name}`, {
        name: `/aws/vendedlogs/states/${name}`,
        retentionInDays: props.logRetentionDays,
      });
      const role = new ServiceRole(this, `role-${spec.name}`, {
        roleName: `${name}-sfn`.slice(0, 64),
        servicePrincipal: 'states.amazonaws.com',
        trust: {
          sourceAccount: props.accountId,
          sourceArnLike: `arn:aws:states:${props.region}:${props.accountId}:stateMachine:${name}`,
        },
        grants: [
          {
            sid: 'InvokeSteps',
            actions: ['lambda:InvokeFunction'],
            resources: Object.values(functionArns).flatMap((arn) => [arn, `${arn}:*`]),
          },
          xrayWriteGrant,
          { sid: 'XRaySampling', actions: ['xray:GetSamplingRules', 'xray:GetSamplingTargets'], resources: ['*'] },
          {
            sid: 'LogDelivery',
            actions: [
              'logs:CreateLogDelivery',
              'logs:GetLogDelivery',
              'logs:UpdateLogDelivery',
              'logs:DeleteLogDelivery',
              'logs:ListLogDeliveries',
              'logs:PutResourcePolicy',
              'logs:DescribeResourcePolicies',
              'logs:DescribeLogGroups',
            ],
            resources: ['*'],
          },
        ],
      });
      this.stateMachines.set(
        spec.name,
        new SfnStateMachine(this, `sm-${spec.name}`, {
          name,
          type,
          roleArn: role.role.arn,
          definition: substituteArns(
            type === 'EXPRESS' ? withExpressTimeout(asl) : withTimeout(asl, spec.timeoutSeconds),
            functionArns,
            spec.definitionFile,
          ),
          loggingConfiguration: {
            level: type === 'EXPRESS' ? 'ERROR' : 'ALL',
            includeExecutionData: true,
            logDestination: `${logGroup.arn}:*`,
          },
          tracingConfiguration: { enabled: true },
        }),
      );
    }
  }
}

/** Sets the machine's TimeoutSeconds from the description when the ASL has none. */
const withTimeout = (asl: string, timeoutSeconds: number): string => {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(asl) as Record<string, unknown>;
  } catch (cause) {
    throw new WorkflowDefinitionInvalidError('state machine definition is not valid JSON', { cause });
  }
  return 'TimeoutSeconds' in parsed ? asl : JSON.stringify({ ...parsed, TimeoutSeconds: timeoutSeconds }, null, 2);
};

/**
 * The execution timeout an Express machine runs with: the five-minute limit, or the ASL's own when shorter. A path
 * longer than that ends TIMED_OUT (alarmed), and the reconciler resumes the order (docs/decisions.md).
 */
const withExpressTimeout = (asl: string): string => {
  const parsed = parseDefinition(asl);
  const own = typeof parsed.TimeoutSeconds === 'number' ? parsed.TimeoutSeconds : undefined;
  return own !== undefined && own <= EXPRESS_MAX_SECONDS
    ? asl
    : JSON.stringify({ ...parsed, TimeoutSeconds: EXPRESS_MAX_SECONDS }, null, 2);
};

const parseDefinition = (asl: string): Record<string, unknown> => {
  try {
    return JSON.parse(asl) as Record<string, unknown>;
  } catch (cause) {
    throw new WorkflowDefinitionInvalidError('state machine definition is not valid JSON', { cause });
  }
};

const readDefinition = (rootDir: string, spec: StateMachineSpec): string => {
  const file = join(rootDir, spec.definitionFile);
  if (!existsSync(file)) {
    throw new WorkflowDefinitionMissingError(
      `state machine ${spec.name}: definition file ${spec.definitionFile} does not exist yet; synth needs it (tests pass a definition through WorkflowLayerProps.definitions)`,
    );
  }
  return readFileSync(file, 'utf8');
};

export class WorkflowDefinitionMissingError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WorkflowDefinitionMissingError';
  }
}

export class WorkflowDefinitionInvalidError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WorkflowDefinitionInvalidError';
  }
}
