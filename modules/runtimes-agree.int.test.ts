/**
 * The two runtimes agree: the synthesised Terraform of the dev stack and the running local cloud have the same
 * queues, rules, functions, event source mappings, state machine and table, after mapping physical names back to
 * logical ones (`orders-dev-` in Terraform, `local-` locally). The local cloud is read only through unmodified SDK
 * v3 clients against its edge (its SQS event source mappings through ListEventSourceMappings).
 */
import { Testing } from 'cdktf';
import { platform, type StateMachineSpec } from '../core/platform/resources';
import { LOCAL_PREFIX, startLocalCloud, type RunningLocalCloud } from '../scripts/local-platform/cloud';
import { PlatformStack, type PlatformDescription } from './platform-stack';
import { localInventory, terraformInventory, type RuntimeInventory } from './test-support/runtime-inventory';
import { stages } from './stage-config';
import type { SynthesizedStack } from './test-support/test-fixtures';

const TERRAFORM_PREFIX = 'orders-dev';
const stateMachineSpecs: readonly StateMachineSpec[] = platform.stateMachines;

/** The dev stack with the real ASL file, as `npm run synth` builds it. */
const synthDev = (description?: PlatformDescription): RuntimeInventory => {
  const stack = new PlatformStack(Testing.app(), 'order-platform-dev', {
    config: stages.dev,
    backend: { kind: 'local', path: 'test.tfstate' },
    rootDir: `${__dirname}/..`,
    ...(description === undefined ? {} : { platform: description }),
  });
  return terraformInventory(JSON.parse(Testing.synth(stack)) as SynthesizedStack, TERRAFORM_PREFIX, stateMachineSpecs);
};

/** The `toEqual` failure message (colours removed), or undefined when the two are equal. */
const mismatch = (actual: unknown, expected: unknown): string | undefined => {
  try {
    expect(actual).toEqual(expected);
    return undefined;
  } catch (error) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the ANSI colour codes this strips
    return (error as Error).message.replace(/\u001b\[[0-9;]*m/g, '');
  }
};

describe('the synthesised Terraform and the local cloud', () => {
  let cloud: RunningLocalCloud;
  let terraform: RuntimeInventory;
  let local: RuntimeInventory;

  beforeAll(async () => {
    cloud = await startLocalCloud({ edgePort: 0 });
    terraform = synthDev();
    local = await localInventory(
      { edgeUrl: cloud.edgeUrl, region: 'us-east-1', prefix: LOCAL_PREFIX, buses: platform.buses.map((b) => b.name) },
      stateMachineSpecs,
    );
  }, 180_000);

  afterAll(async () => {
    await cloud?.stop();
  });

  it('registers every function locally (none is missing an entry file)', () => {
    expect(cloud.missingFunctions).toEqual([]);
  });

  it('have the same queues with the same visibility timeout, retention, delay and redrive policy', () => {
    expect(terraform.queues.length).toBeGreaterThan(0);
    expect(local.queues).toEqual(terraform.queues);
  });

  it('have the same rules on the same buses, with the same patterns or schedules and targets', () => {
    expect(terraform.rules.length).toBeGreaterThan(0);
    expect(local.rules).toEqual(terraform.rules);
  });

  it('have the same functions with the same timeout and memory', () => {
    expect(terraform.functions.length).toBeGreaterThan(0);
    expect(local.functions).toEqual(terraform.functions);
  });

  it('consume the same queues with the same functions, batch sizes and ReportBatchItemFailures', () => {
    expect(terraform.mappings.length).toBeGreaterThan(0);
    expect(local.mappings).toEqual(terraform.mappings);
  });

  it('have the same state machine definitions once ARNs are placeholders again', () => {
    expect(terraform.stateMachines.length).toBeGreaterThan(0);
    expect(local.stateMachines).toEqual(terraform.stateMachines);
  });

  it('have the same table keys, GSIs and TTL attribute', () => {
    expect(terraform.tables.length).toBeGreaterThan(0);
    expect(local.tables).toEqual(terraform.tables);
  });

  it('reports a difference when the Terraform is built from a description that differs in one value', () => {
    // prepare: the email queue hides messages 45 s instead of 30 s, and the receipts rule matches one more type
    const altered: PlatformDescription = {
      ...platform,
      queues: platform.queues.map((q) => (q.name === 'email' ? { ...q, visibilityTimeoutSeconds: 45 } : q)),
      rules: platform.rules.map((r) =>
        r.name === 'order-confirmed-to-receipts'
          ? { ...r, eventPattern: { source: ['orders.platform'], 'detail-type': ['order.confirmed', 'order.failed'] } }
          : r,
      ),
    };

    // act
    const drifted = synthDev(altered);
    const queueDiff = mismatch(local.queues, drifted.queues);
    const ruleDiff = mismatch(local.rules, drifted.rules);

    // assess: only the altered values are reported, the rest still agrees
    expect(queueDiff).toMatch(/-\s+"visibilityTimeoutSeconds": 45,\s+\+\s+"visibilityTimeoutSeconds": 30,/);
    expect(ruleDiff).toMatch(/-\s+"order\.failed",/);
    expect(mismatch(local.functions, drifted.functions)).toBeUndefined();
    expect(mismatch(local.tables, drifted.tables)).toBeUndefined();
  });
});
