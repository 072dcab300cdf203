/**
 * main.ts itself, run as `npm run synth` runs it (tsx, in a child process), not a copy of its composition: the
 * stacks it writes for dev and prod from the account settings in the environment, and its refusal, naming every
 * variable, when a stage's settings are missing. CDKTF_OUTDIR sends the output to a temporary directory, so the
 * checkout's cdktf.out is left alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stateMachines } from '../core/platform/resources';
import { stages } from './stage-config';
import { resourcesOf, type SynthesizedStack } from './test-support/test-fixtures';

jest.setTimeout(300_000);

const rootDir = resolve(__dirname, '..');
/** The account settings a user sets before the first deploy (README), through the environment. */
const userSettings = {
  ORDERS_DEV_ALARM_EMAIL: 'alarms-dev@platform.acme.test',
  ORDERS_DEV_EMAIL_SENDER: 'orders@shop.acme.test',
  ORDERS_PROD_ALARM_EMAIL: 'alarms@platform.acme.test',
  ORDERS_PROD_EMAIL_SENDER: 'orders@shop.acme.test',
  ORDERS_PROD_CERTIFICATE_ARN: 'arn:aws:acm:eu-west-1:210987654321:certificate/3f1c2a4e-8b7d-4c6e-9a5f-1e2d3c4b5a69',
  ORDERS_PROD_API_DOMAIN_NAME: 'api.shop.acme.test',
};

/** The environment of the run without any setting of this machine that would steer the synth (backend, stages). */
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1' };
  for (const key of Object.keys(env))
    if (key.startsWith('ORDERS_') || key.startsWith('TF_') || key === 'STAGES' || key === 'CDKTF_OUTDIR')
      delete env[key];
  return env;
};

const runMain = (outdir: string, extra: Record<string, string>) =>
  spawnSync(join(rootDir, 'node_modules/.bin/tsx'), ['main.ts'], {
    cwd: rootDir,
    env: { ...cleanEnv(), CDKTF_OUTDIR: outdir, ...extra },
    encoding: 'utf8',
    timeout: 240_000,
  });

describe('main.ts, run as `npm run synth` runs it', () => {
  let outdir: string;
  let run: ReturnType<typeof runMain>;
  const stackJson = (name: string): SynthesizedStack =>
    JSON.parse(readFileSync(join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8')) as SynthesizedStack;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'main-synth-'));
    run = runMain(outdir, userSettings);
  });
  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('exits 0 and reports both stacks', () => {
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stderr).toContain(`synth: order-platform-dev (${stages.dev.region}, backend local)`);
    expect(run.stderr).toContain(`synth: order-platform-prod (${stages.prod.region}, backend local)`);
    expect(run.stderr).toMatch(/synth done in [\d.]+ s/);
  });

  it('writes one stack per stage into CDKTF_OUTDIR, each in its region with its own local state', () => {
    for (const stage of ['dev', 'prod'] as const) {
      const stack = stackJson(`order-platform-${stage}`);
      expect(stack.provider.aws[0]).toMatchObject({ region: stages[stage].region });
      expect(stack.terraform).toMatchObject({ backend: { local: { path: `terraform.${stage}.tfstate` } } });
    }
  });

  it('puts the account settings from the environment into the stacks: prod serves HTTPS with the certificate', () => {
    const prod = stackJson('order-platform-prod');
    const listeners = resourcesOf(prod, 'aws_lb_listener');

    expect(
      listeners.some(
        (listener) =>
          listener.certificate_arn === userSettings.ORDERS_PROD_CERTIFICATE_ARN && listener.protocol === 'HTTPS',
      ),
    ).toBe(true);
    expect(JSON.stringify(prod)).toContain(userSettings.ORDERS_PROD_ALARM_EMAIL);
    expect(JSON.stringify(stackJson('order-platform-dev'))).toContain(userSettings.ORDERS_DEV_ALARM_EMAIL);
  });

  it('synthesises the state machine from the real ASL file, not a fixture', () => {
    const asl = JSON.parse(readFileSync(join(rootDir, stateMachines[0].definitionFile), 'utf8')) as {
      States: Record<string, unknown>;
    };
    for (const stage of ['dev', 'prod']) {
      const [machine] = resourcesOf(stackJson(`order-platform-${stage}`), 'aws_sfn_state_machine');
      expect(
        Object.keys((JSON.parse(machine?.definition as string) as { States: Record<string, unknown> }).States),
      ).toEqual(Object.keys(asl.States));
    }
  });
});

describe('main.ts without the account settings', () => {
  it('exits 1 naming every missing variable of every stage, and writes no stack', () => {
    // prepare
    const outdir = mkdtempSync(join(tmpdir(), 'main-synth-missing-'));
    try {
      // act
      const run = runMain(outdir, {});
      // assess
      expect(run.status).toBe(1);
      // The API domain name is optional; every other setting is required.
      for (const variable of Object.keys(userSettings).filter((key) => key !== 'ORDERS_PROD_API_DOMAIN_NAME'))
        expect(run.stderr).toContain(variable);
      expect(existsSync(join(outdir, 'stacks')) ? readdirSync(join(outdir, 'stacks')) : []).toEqual([]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
