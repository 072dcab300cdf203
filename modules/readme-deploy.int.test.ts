/**
 * The README's deploy steps, verbatim, up to an offline `terraform plan` for dev and prod: the commands of the
 * `<!-- deploy-steps -->` block, run with bash in the directories a user has (a copy of this checkout), on the real
 * bundles and the real ASL. Only credentials differ (see modules/test-support/offline-plan.ts). In CI a machine
 * without terraform or the provider mirror fails this test instead of skipping it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { functions, stateMachines } from '../core/platform/resources';
import {
  copyCheckout,
  findProviderMirror,
  offlineEnv,
  offlinePlanUnavailable,
  offlineProviderSettings,
  planCounts,
  providerOverrideFile,
  readmeCommands,
  runStep,
  type StepRun,
  writeMirrorCliConfig,
  writeProviderOverride,
} from './test-support/offline-plan';
import type { SynthesizedStack } from './test-support/test-fixtures';

const rootDir = resolve(__dirname, '..');
const unavailable = offlinePlanUnavailable();
const inCi = process.env.CI === 'true';

/** The account settings a user sets before the first deploy (README), here through the environment. */
const userSettings = {
  ORDERS_DEV_ALARM_EMAIL: 'alarms-dev@platform.acme.test',
  ORDERS_DEV_EMAIL_SENDER: 'orders@shop.acme.test',
  ORDERS_PROD_ALARM_EMAIL: 'alarms@platform.acme.test',
  ORDERS_PROD_EMAIL_SENDER: 'orders@shop.acme.test',
  ORDERS_PROD_CERTIFICATE_ARN: 'arn:aws:acm:eu-west-1:210987654321:certificate/3f1c2a4e-8b7d-4c6e-9a5f-1e2d3c4b5a69',
  ORDERS_PROD_API_DOMAIN_NAME: 'api.shop.acme.test',
};

const failed = (run: StepRun): string =>
  run.status === 0 ? '' : `\`${run.command}\` in ${run.cwd} exited ${String(run.status)}:\n${run.output.slice(-6000)}`;

if (unavailable !== undefined && inCi) {
  describe('the README deploy steps (CI)', () => {
    it('have terraform and the provider mirror to plan with', () => {
      throw new Error(`CI=true but the offline plan cannot run: ${unavailable}`);
    });
  });
}

const describeWhenTerraform = unavailable === undefined ? describe : describe.skip;
if (unavailable !== undefined && !inCi) process.stderr.write(`README deploy steps test skipped: ${unavailable}\n`);

describeWhenTerraform(
  `the README deploy steps, verbatim, up to terraform plan${unavailable === undefined ? '' : ` (skipped: ${unavailable})`}`,
  () => {
    const readme = readFileSync(join(rootDir, 'README.md'), 'utf8');
    const commands = readmeCommands(readme, '<!-- deploy-steps -->');
    const stackStep = commands.find((c) => c.startsWith('cd cdktf.out/stacks/order-platform-dev'));
    let checkout: string;
    let env: NodeJS.ProcessEnv;
    const setup: StepRun[] = [];

    beforeAll(() => {
      checkout = mkdtempSync(join(tmpdir(), 'readme-deploy-'));
      copyCheckout(rootDir, checkout);
      env = offlineEnv(writeMirrorCliConfig(checkout, findProviderMirror() as string), userSettings);
      for (const command of commands.filter((c) => c !== stackStep)) {
        // `npm ci` is the one step not re-run: the copy links this checkout's node_modules, which `npm ci` made.
        if (command === 'npm ci') continue;
        const run = runStep(command, checkout, env);
        setup.push(run);
        if (run.status !== 0) break;
      }
    }, 600_000);

    afterAll(() => {
      if (checkout !== undefined) rmSync(checkout, { recursive: true, force: true });
    });

    it('documents install, bundle, synth and init + plan in the stack directory', () => {
      expect(commands).toEqual([
        'npm ci',
        'npm run bundle',
        'npm run synth',
        'cd cdktf.out/stacks/order-platform-dev && terraform init && terraform plan',
      ]);
    });

    it('bundles every described function and synthesises both stages', () => {
      expect(setup.map(failed).join('')).toBe('');
      expect(setup.map((r) => r.command)).toEqual(['npm run bundle', 'npm run synth']);
      for (const fn of functions) expect(existsSync(join(checkout, 'dist', 'functions', `${fn.name}.zip`))).toBe(true);
    });

    it.each(['dev', 'prod'])(
      'plans the %s stack from the real bundles and the real ASL with no AWS account',
      (stage) => {
        // prepare: the stack as synth wrote it, plus the credentials-only override
        const stackDir = join(checkout, 'cdktf.out', 'stacks', `order-platform-${stage}`);
        const synthesized = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as SynthesizedStack;
        const override = JSON.parse(readFileSync(writeProviderOverride(stackDir), 'utf8')) as unknown;

        // act
        const run = runStep(
          (stackStep as string).replace('order-platform-dev', `order-platform-${stage}`),
          checkout,
          env,
        );

        // assess
        expect(failed(run)).toBe('');
        expect(override).toEqual({ provider: { aws: offlineProviderSettings } });
        const resources = Object.values(synthesized.resource).reduce((sum, byId) => sum + Object.keys(byId).length, 0);
        expect(planCounts(run.output)).toEqual({ add: resources, change: 0, destroy: 0 });
        // source_code_hash is the hash of the zip `npm run bundle` wrote: the path resolves from the stack directory.
        const zip = readFileSync(join(checkout, 'dist', 'functions', 'validate-order.zip'));
        expect(run.output).toMatch(
          new RegExp(
            `source_code_hash\\s+= "${createHash('sha256').update(zip).digest('base64').replace(/[+/]/g, '\\$&')}"`,
          ),
        );
        // The deployed definition is the repository's ASL file, ARN placeholders aside.
        const asl = JSON.parse(readFileSync(join(checkout, stateMachines[0].definitionFile), 'utf8')) as {
          States: Record<string, unknown>;
        };
        const machine = Object.values(synthesized.resource.aws_sfn_state_machine)[0] as { definition: string };
        const deployed = JSON.parse(machine.definition.replace(/\$\{[^}]+\}/g, 'arn')) as {
          States: Record<string, unknown>;
        };
        expect(Object.keys(deployed.States)).toEqual(Object.keys(asl.States));
        process.stdout.write(
          `README deploy steps: order-platform-${stage}: Plan: ${resources} to add (${Object.keys(synthesized.resource).length} resource types, ${providerOverrideFile} with the skip flags only)\n`,
        );
      },
      600_000,
    );

    it('plans the same stack through the one deploy command, npm run deploy -- --stage dev --plan', () => {
      // prepare: the provider override is still beside the dev stack (synth rewrites cdk.tf.json only)
      const stackDir = join(checkout, 'cdktf.out', 'stacks', 'order-platform-dev');
      writeProviderOverride(stackDir);
      const resources = Object.values(
        (JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as SynthesizedStack).resource,
      ).reduce((sum, byId) => sum + Object.keys(byId).length, 0);

      // act
      const run = runStep('npm run deploy -- --stage dev --plan', checkout, env);

      // assess
      expect(failed(run)).toBe('');
      expect(planCounts(run.output)).toEqual({ add: resources, change: 0, destroy: 0 });
      expect(run.output).toMatch(
        /^deploy --plan dev: planned order-platform-dev in \d+ s; nothing was changed in AWS$/m,
      );
    }, 600_000);
  },
);
