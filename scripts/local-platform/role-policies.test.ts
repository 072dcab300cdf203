/**
 * One source for IAM: the statements the local cloud enforces for each principal (the glue's platformPrincipals)
 * are the statements the CDKTF stack synthesises for the same role. Both sides are read back to logical names
 * (`table:orders/index/*`, `queue:email-dlq`, ...), from Terraform references on one side and local ARNs on the
 * other, so a grant added, dropped or pointed elsewhere in only one runtime fails here.
 */
import { Testing } from 'cdktf';
import type { LocalResources } from '@order-platform/local-cloud';
import { PlatformStack } from '../../modules/platform-stack';
import { stages } from '../../modules/stage-config';
import { fixtureDefinitions, type SynthesizedStack } from '../../modules/test-support/test-fixtures';
import { platformPrincipals } from './description';

const STAGE_PREFIX = 'orders-dev-';
const LOCAL_PREFIX = 'local-';

type SynthStatement = { sid: string; effect: string; actions: string[]; resources: string[] };
interface Normalised {
  readonly sid: string | undefined;
  readonly effect: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

const synth = (): SynthesizedStack => {
  const app = Testing.app();
  const stack = new PlatformStack(app, 'order-platform-dev', {
    config: stages.dev,
    backend: { kind: 'local', path: 'test.tfstate' },
    rootDir: __dirname,
    definitions: fixtureDefinitions(),
  });
  return JSON.parse(Testing.synth(stack)) as SynthesizedStack;
};

const strip = (name: string, prefix: string): string =>
  name.startsWith(prefix) ? name.slice(prefix.length) : `UNPREFIXED(${name})`;

/** Terraform references of the synthesised JSON, read back to logical names. */
const fromTerraform = (stack: SynthesizedStack) => {
  const resources = stack.resource as Record<string, Record<string, Record<string, unknown>>>;
  const attribute = (type: string, id: string, name: string): string =>
    String(resources[type]?.[id]?.[name] ?? `MISSING(${type}.${id}.${name})`);
  const KINDS: Record<string, (id: string) => string> = {
    aws_dynamodb_table: (id) => `table:${strip(attribute('aws_dynamodb_table', id, 'name'), STAGE_PREFIX)}`,
    aws_cloudwatch_event_bus: (id) => `bus:${strip(attribute('aws_cloudwatch_event_bus', id, 'name'), STAGE_PREFIX)}`,
    aws_s3_bucket: (id) =>
      `bucket:${strip(attribute('aws_s3_bucket', id, 'bucket_prefix'), STAGE_PREFIX).replace(/-$/, '')}`,
    aws_sqs_queue: (id) => `queue:${strip(attribute('aws_sqs_queue', id, 'name'), STAGE_PREFIX)}`,
    aws_sfn_state_machine: (id) =>
      `stateMachine:${strip(attribute('aws_sfn_state_machine', id, 'name'), STAGE_PREFIX)}`,
    aws_secretsmanager_secret: (id) =>
      `secret:${strip(attribute('aws_secretsmanager_secret', id, 'name'), STAGE_PREFIX)}`,
    aws_cognito_user_pool: () => 'userPool',
    aws_sesv2_email_identity: () => 'emailIdentity',
    aws_cloudwatch_log_group: (id) =>
      `logGroup:${strip(attribute('aws_cloudwatch_log_group', id, 'name'), `/aws/lambda/${STAGE_PREFIX}`)}`,
  };
  return (resource: string): string => {
    if (resource === '*') return '*';
    const executions =
      /^\$\{replace\(aws_sfn_state_machine\.([\w-]+)\.arn, ":stateMachine:", ":execution:"\)\}(.*)$/.exec(resource);
    if (executions)
      return `executions:${strip(attribute('aws_sfn_state_machine', executions[1] ?? '', 'name'), STAGE_PREFIX)}${executions[2] ?? ''}`;
    // The archive and the replays of a bus, named after it (modules/role-policies.ts archiveOf/replaysOf).
    const beside =
      /^\$\{replace\(aws_cloudwatch_event_bus\.([\w-]+)\.arn, ":event-bus\/", ":(archive|replay)\/"\)\}(.*)$/.exec(
        resource,
      );
    if (beside)
      return `${beside[2]}:${strip(attribute('aws_cloudwatch_event_bus', beside[1] ?? '', 'name'), STAGE_PREFIX)}${beside[3] ?? ''}`;
    const reference = /^\$\{(aws_[a-z0-9_]+)\.([\w-]+)\.arn\}(.*)$/.exec(resource);
    const kind = reference ? KINDS[reference[1] ?? ''] : undefined;
    return reference && kind ? `${kind(reference[2] ?? '')}${reference[3] ?? ''}` : `UNREADABLE(${resource})`;
  };
};

/** Local ARNs read back to logical names. */
const fromLocal = (resource: string): string => {
  if (resource === '*') return '*';
  const patterns: [RegExp, (m: RegExpExecArray) => string][] = [
    [/^arn:aws:dynamodb:[^:]+:\d+:table\/([^/]+)(.*)$/, (m) => `table:${strip(m[1] ?? '', LOCAL_PREFIX)}${m[2] ?? ''}`],
    [/^arn:aws:events:[^:]+:\d+:event-bus\/(.+)$/, (m) => `bus:${strip(m[1] ?? '', LOCAL_PREFIX)}`],
    [/^arn:aws:events:[^:]+:\d+:(archive|replay)\/(.+)$/, (m) => `${m[1]}:${strip(m[2] ?? '', LOCAL_PREFIX)}`],
    [/^arn:aws:s3:::([^/]+)(.*)$/, (m) => `bucket:${strip(m[1] ?? '', LOCAL_PREFIX)}${m[2] ?? ''}`],
    [/^arn:aws:sqs:[^:]+:\d+:(.+)$/, (m) => `queue:${strip(m[1] ?? '', LOCAL_PREFIX)}`],
    [/^arn:aws:states:[^:]+:\d+:stateMachine:(.+)$/, (m) => `stateMachine:${strip(m[1] ?? '', LOCAL_PREFIX)}`],
    [
      /^arn:aws:states:[^:]+:\d+:execution:([^:]+)(.*)$/,
      (m) => `executions:${strip(m[1] ?? '', LOCAL_PREFIX)}${m[2] ?? ''}`,
    ],
    [
      /^arn:aws:secretsmanager:[^:]+:\d+:secret:(.+)-[A-Za-z0-9]{6}$/,
      (m) => `secret:${strip(m[1] ?? '', LOCAL_PREFIX)}`,
    ],
    [/^arn:aws:cognito-idp:[^:]+:\d+:userpool\/.+$/, () => 'userPool'],
    [/^arn:aws:ses:[^:]+:\d+:identity\/.+$/, () => 'emailIdentity'],
    [
      /^arn:aws:logs:[^:]+:\d+:log-group:\/aws\/lambda\/([^:]+)(.*)$/,
      (m) => `logGroup:${strip(m[1] ?? '', LOCAL_PREFIX)}${m[2] ?? ''}`,
    ],
  ];
  for (const [pattern, read] of patterns) {
    const match = pattern.exec(resource);
    if (match) return read(match);
  }
  return `UNREADABLE(${resource})`;
};

/** A running cloud's resolver as the glue sees it, with the names and ARN shapes the local cloud makes. */
const localResources: LocalResources = {
  edgeUrl: 'http://127.0.0.1:4566',
  region: 'us-east-1',
  account: '000000000000',
  ownPorts: [4566],
  name: (logical) => `${LOCAL_PREFIX}${logical}`,
  queueUrl: (logical) => `http://127.0.0.1:4566/000000000000/${LOCAL_PREFIX}${logical}`,
  functionArn: (logical) => `arn:aws:lambda:us-east-1:000000000000:function:${LOCAL_PREFIX}${logical}`,
  stateMachineArn: (logical) => `arn:aws:states:us-east-1:000000000000:stateMachine:${LOCAL_PREFIX}${logical}`,
  secretArn: (logical) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:${LOCAL_PREFIX}${logical}-a1B2c3`,
  userPool: { id: 'us-east-1_local', clientId: 'client' },
};

const stack = synth();
const readTerraform = fromTerraform(stack);

/** Role name without its stage prefix -> the synthesised statements, normalised. */
const synthesisedRoles = (): Map<string, Normalised[]> => {
  const roles = (stack.resource as Record<string, Record<string, Record<string, string>>>).aws_iam_role ?? {};
  const policies = (stack.resource as Record<string, Record<string, Record<string, string>>>).aws_iam_role_policy ?? {};
  const documents =
    (stack as { data?: Record<string, Record<string, { statement: SynthStatement[] }>> }).data
      ?.aws_iam_policy_document ?? {};
  const out = new Map<string, Normalised[]>();
  for (const policy of Object.values(policies)) {
    const roleId = /^\$\{aws_iam_role\.([\w-]+)\.id\}$/.exec(policy.role ?? '')?.[1] ?? '';
    const documentId = /^\$\{data\.aws_iam_policy_document\.([\w-]+)\.json\}$/.exec(policy.policy ?? '')?.[1] ?? '';
    const roleName = strip(roles[roleId]?.name ?? '', STAGE_PREFIX);
    const statements = documents[documentId]?.statement ?? [];
    out.set(
      roleName,
      statements.map((s) => ({
        sid: s.sid,
        effect: s.effect,
        actions: s.actions,
        resources: s.resources.map(readTerraform),
      })),
    );
  }
  return out;
};

const localRoles = (): Map<string, Normalised[]> =>
  new Map(
    platformPrincipals(localResources).map((principal) => [
      strip(principal.roleName, LOCAL_PREFIX),
      principal.statements.map((s) => ({
        sid: s.Sid,
        effect: s.Effect,
        actions: typeof s.Action === 'string' ? [s.Action] : [...(s.Action ?? [])],
        resources: (typeof s.Resource === 'string' ? [s.Resource] : [...(s.Resource ?? [])]).map(fromLocal),
      })),
    ]),
  );

describe('the local cloud enforces the statements the stack synthesises', () => {
  const synthesised = synthesisedRoles();
  const local = localRoles();

  it('has a local principal for every function role and the API task role, and no other', () => {
    const deployedPrincipals = [...synthesised.keys()]
      .filter((name) => name.endsWith('-fn') || name === 'api-task')
      .sort();

    expect([...local.keys()].sort()).toEqual(deployedPrincipals);
  });

  it.each([...localRoles().keys()])('role %s: the same statements, actions and resources in both runtimes', (role) => {
    const expected = synthesised.get(role);

    expect(local.get(role)).toEqual(expected);
  });

  it('reads every resource of every principal back to a logical name (nothing unreadable on either side)', () => {
    const principals = [...local.keys()];
    const all = principals
      .flatMap((role) => [...(synthesised.get(role) ?? []), ...(local.get(role) ?? [])])
      .flatMap((s) => s.resources);

    expect(all.filter((r) => r.includes('UNREADABLE') || r.includes('UNPREFIXED') || r.includes('MISSING'))).toEqual(
      [],
    );
  });
});
