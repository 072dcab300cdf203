/**
 * The workflow layer on the ASL that deploys, lambdas/saga/order-saga.asl.json, not the fixture the other CDKTF unit
 * tests use (modules/test-support/test-fixtures.ts): the dev and prod stacks read the file from the checkout, and
 * the synthesised state machine is that file, every state, retry and catch kept, only its function placeholders
 * turned into the stack's Lambda ARNs and the description's timeout added (on an Express stage, the five-minute limit).
 */
import 'cdktf/lib/testing/adapters/jest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Testing } from 'cdktf';
import { functions, physicalName, stateMachines } from '../core/platform/resources';
import { PlatformStack } from './platform-stack';
import { policyViolations } from './policies';
import { type StageConfig, stagePrefix, stages } from './stage-config';
import { resourcesOf, type SynthesizedStack } from './test-support/test-fixtures';

Testing.setupJest();

const rootDir = resolve(__dirname, '..');
const [saga] = stateMachines;
const realAsl = JSON.parse(readFileSync(join(rootDir, saga.definitionFile), 'utf8')) as {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
  TimeoutSeconds?: number;
};
const certificateArn = 'arn:aws:acm:eu-west-1:210987654321:certificate/3f1c2a4e-8b7d-4c6e-9a5f-1e2d3c4b5a69';

/** A stage synthesised as main.ts does it: no `definitions`, the checkout as rootDir. */
const synthFromCheckout = (config: StageConfig) => {
  const stack = new PlatformStack(Testing.app(), `order-platform-${config.stage}`, {
    config,
    backend: { kind: 'local', path: 'test.tfstate' },
    rootDir,
  });
  const parsed = JSON.parse(Testing.synth(stack)) as SynthesizedStack;
  const [machine] = resourcesOf(parsed, 'aws_sfn_state_machine');
  return { stack, parsed, machine, definition: JSON.parse(machine?.definition as string) as typeof realAsl };
};

/** The ARN reference the stack gives a function of the description (`${aws_lambda_function.<id>.arn}`). */
const functionArnRef = (parsed: SynthesizedStack, config: StageConfig, fnName: string): string => {
  const wanted = physicalName(stagePrefix(config), fnName);
  const entry = Object.entries(parsed.resource.aws_lambda_function ?? {}).find(
    ([, props]) => props.function_name === wanted,
  );
  if (entry === undefined) throw new Error(`no aws_lambda_function named ${wanted}`);
  return `\${aws_lambda_function.${entry[0]}.arn}`;
};

/** The real ASL with each `${XxxArn}` placeholder replaced by the reference the stack must put there. */
const expectedDefinition = (parsed: SynthesizedStack, config: StageConfig): typeof realAsl => {
  let text = readFileSync(join(rootDir, saga.definitionFile), 'utf8');
  for (const [placeholder, fnName] of Object.entries(saga.functionArns))
    text = text.split(`\${${placeholder}}`).join(functionArnRef(parsed, config, fnName));
  const own = realAsl.TimeoutSeconds ?? saga.timeoutSeconds;
  // An Express machine runs at most five minutes (modules/workflow.ts).
  const timeout = config.workflowType === 'EXPRESS' ? Math.min(own, 300) : own;
  return { ...(JSON.parse(text) as typeof realAsl), TimeoutSeconds: timeout };
};

describe.each([
  ['dev', stages.dev],
  ['prod', { ...stages.prod, certificateArn, apiDomainName: 'api.shop.acme.test' }],
])('the %s stack on the real order-saga.asl.json', (_stage, config) => {
  const synth = synthFromCheckout(config);

  it('synthesises the file itself: every state, retry and catch, with function ARNs for the placeholders and the timeout', () => {
    expect(synth.definition).toEqual(expectedDefinition(synth.parsed, config));
  });

  it('is not the test fixture', () => {
    expect(Object.keys(synth.definition.States)).toEqual(Object.keys(realAsl.States));
    expect(synth.machine?.definition).not.toContain('test fixture');
  });

  it('leaves no placeholder unreplaced and invokes only functions of the stack', () => {
    const text = synth.machine?.definition as string;
    const invoked = [...text.matchAll(/\$\{aws_lambda_function\.([A-Za-z0-9_-]+)\.arn\}/g)].map((match) => match[1]);
    const stackFunctions = Object.keys(synth.parsed.resource.aws_lambda_function ?? {});

    expect(text).not.toMatch(/\$\{[A-Za-z]+Arn\}/);
    expect(new Set(invoked).size).toBe(Object.keys(saga.functionArns).length);
    expect(invoked.every((id) => stackFunctions.includes(id as string))).toBe(true);
  });

  it('has no policy violations', () => {
    expect(policyViolations(synth.stack)).toEqual([]);
  });
});

describe('the description and the real ASL agree', () => {
  it('maps every placeholder the file uses, and the file uses every mapped one', () => {
    const used = new Set(
      [...readFileSync(join(rootDir, saga.definitionFile), 'utf8').matchAll(/\$\{([A-Za-z]+Arn)\}/g)].map(
        (match) => match[1],
      ),
    );

    expect([...used].sort()).toEqual(Object.keys(saga.functionArns).sort());
    expect(Object.values(saga.functionArns).every((fnName) => functions.some((fn) => fn.name === fnName))).toBe(true);
  });
});
