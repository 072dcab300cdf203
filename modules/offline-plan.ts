/**
 * Offline `terraform init / validate / plan` of a synthesised stage, against the provider mirror these machines
 * hold (no registry, no AWS account). Used by modules/plan.int.test.ts and scripts/infra-report.ts.
 *
 * The mirror is TF_PROVIDER_MIRROR, or the parent of the first `registry.terraform.io` directory found within
 * four levels of `/` (what `find / -maxdepth 4 -type d -name registry.terraform.io` finds).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import { functions as describedFunctions, stateMachines } from '../core/platform/resources';
import { bundleFunctions, BundleReport, zipFiles } from '../scripts/bundle';
import { PlatformStack, stackName } from './platform-stack';
import { StageConfig } from './stage-config';
import { fixtureDefinitions } from './test-fixtures';

const skippedRoots = new Set(['/proc', '/sys', '/dev', '/run', '/tmp', '/var/lib/docker']);

/** The provider mirror directory, or undefined when this machine has none. */
export const findProviderMirror = (env: NodeJS.ProcessEnv = process.env): string | undefined => {
  const configured = env.TF_PROVIDER_MIRROR;
  if (configured !== undefined && configured !== '') return existsSync(join(configured, 'registry.terraform.io')) ? configured : undefined;
  let level = ['/'];
  for (let depth = 0; depth < 4; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let children: string[];
      try {
        children = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'node_modules' && !d.name.startsWith('.')).map((d) => d.name);
      } catch {
        continue;
      }
      if (children.includes('registry.terraform.io') && existsSync(join(dir, 'registry.terraform.io', 'hashicorp', 'aws'))) return dir;
      next.push(...children.map((c) => join(dir, c)).filter((p) => !skippedRoots.has(p)));
    }
    level = next;
  }
  return undefined;
};

/** The terraform binary's version, or undefined when terraform is not on PATH. */
export const terraformVersion = (): string | undefined => {
  try {
    return (JSON.parse(execFileSync('terraform', ['version', '-json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, CHECKPOINT_DISABLE: '1' } })) as { terraform_version: string }).terraform_version;
  } catch {
    return undefined;
  }
};

/** Why the offline plan cannot run here, or undefined when it can. */
export const offlinePlanUnavailable = (): string | undefined => {
  if (terraformVersion() === undefined) return 'terraform is not on PATH';
  if (findProviderMirror() === undefined) return 'no provider mirror (set TF_PROVIDER_MIRROR or install one with registry.terraform.io/hashicorp/aws)';
  return undefined;
};

export interface PreparedStage {
  readonly stackDir: string;
  readonly resourceCount: number;
  readonly synthMs: number;
  readonly bundles: BundleReport;
  /** Functions whose entry did not exist: their zip in the work dir is a placeholder that throws. */
  readonly placeholders: readonly string[];
  /** True when the real ASL file was used, false when the test fixture stood in for it. */
  readonly realDefinition: boolean;
}

/**
 * Bundles every existing function into `<workDir>/dist`, writes a clearly-named placeholder zip for each missing
 * one (only there), and synthesises the stage into `<workDir>/cdktf.out` with the AWS skip flags for an offline plan.
 */
export const prepareStage = async (rootDir: string, workDir: string, config: StageConfig): Promise<PreparedStage> => {
  const distDir = join(workDir, 'dist');
  const bundles = await bundleFunctions({ rootDir, outDir: distDir });
  for (const missing of bundles.missing) {
    const code = `exports.handler = async () => { throw new Error(${JSON.stringify(`placeholder: ${missing.entry} did not exist when this bundle was made`)}); };\n`;
    writeFileSync(join(distDir, `${missing.name}.zip`), zipFiles([{ name: 'index.js', data: Buffer.from(code) }, { name: 'PLACEHOLDER-ENTRY-MISSING.txt', data: Buffer.from(missing.entry) }]));
  }
  const realDefinition = stateMachines.every((sm) => existsSync(join(rootDir, sm.definitionFile)));
  const started = performance.now();
  const app = new App({ outdir: join(workDir, 'cdktf.out') });
  const stack = new PlatformStack(app, stackName(config), {
    config,
    backend: { kind: 'local', path: join(workDir, 'terraform.tfstate') },
    rootDir,
    bundleDir: distDir,
    planWithoutAws: true,
    ...(realDefinition ? {} : { definitions: fixtureDefinitions() }),
  });
  app.synth();
  const synthMs = performance.now() - started;
  const stackDir = join(workDir, 'cdktf.out', 'stacks', stack.node.id);
  const json = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as { resource: Record<string, Record<string, unknown>> };
  const resourceCount = Object.values(json.resource).reduce((sum, byId) => sum + Object.keys(byId).length, 0);
  return { stackDir, resourceCount, synthMs, bundles, placeholders: bundles.missing.map((m) => m.name), realDefinition };
};

export interface TerraformRun {
  readonly command: string;
  readonly ok: boolean;
  readonly output: string;
  readonly ms: number;
}

export interface OfflinePlan {
  readonly runs: readonly TerraformRun[];
  /** N of "Plan: N to add", when the plan ran. */
  readonly toAdd?: number;
}

/** init, validate and plan in the stack directory with fake credentials and a filesystem-mirror CLI config. */
export const planOffline = (stackDir: string, mirror: string): OfflinePlan => {
  const cliConfig = join(stackDir, 'offline.tfrc');
  writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/*/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n}\n`,
  );
  mkdirSync(join(stackDir, '.terraform'), { recursive: true });
  const env = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    AWS_ACCESS_KEY_ID: 'AKIAOFFLINEPLANFAKE',
    AWS_SECRET_ACCESS_KEY: 'offline-plan-fake-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  delete (env as Record<string, string | undefined>).AWS_PROFILE;
  const runs: TerraformRun[] = [];
  for (const args of [['init', '-input=false', '-no-color'], ['validate', '-no-color'], ['plan', '-input=false', '-no-color', '-lock=false', '-refresh=false']]) {
    const started = performance.now();
    const result = spawnSync('terraform', args, { cwd: stackDir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const run = { command: `terraform ${args[0]}`, ok: result.status === 0, output: `${result.stdout}${result.stderr}`, ms: performance.now() - started };
    runs.push(run);
    if (!run.ok) return { runs };
  }
  const match = /Plan: (\d+) to add/.exec(runs[2].output);
  return { runs, ...(match === null ? {} : { toAdd: Number(match[1]) }) };
};

/** Every function of the description, for reports. */
export const describedFunctionNames = (): string[] => describedFunctions.map((f) => f.name);
