/**
 * CDKTF entry: stage config in, one stack per stage out, `app.synth()` writes cdktf.out.
 * STAGES=dev (comma-separated) limits the stages; the backend follows TF_CLOUD_ORGANIZATION / TF_STATE_BUCKET.
 * Each stage's config is validated first (modules/stage-config.ts: a clear error naming the key); policy violations
 * fail the synth; warnings go to stderr. Progress and a closing summary go to stderr, for the human running it.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AnnotationMetadataEntryType, App } from 'cdktf';
import { functions } from './core/platform/resources';
import { chooseBackend } from './modules/backend';
import { defaultBundleDir, PlatformStack, stackName } from './modules/platform-stack';
import { annotationsOf } from './modules/policies';
import { deployableStageConfig, type StageConfig, StageConfigInvalidError } from './modules/stage-config';

const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const main = (): void => {
  const started = performance.now();
  const app = new App();
  // Every stage's problems at once, so one run tells the user everything to set.
  const configs: StageConfig[] = [];
  const problems: string[] = [];
  for (const stage of (process.env.STAGES ?? 'dev,prod').split(',')) {
    try {
      configs.push(deployableStageConfig(stage.trim(), process.env));
    } catch (error) {
      if (!(error instanceof StageConfigInvalidError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new StageConfigInvalidError(problems);
  const stacks = configs.map((config) => {
    say(`synth: ${stackName(config)} (${config.region}, backend ${chooseBackend(config, process.env).kind})`);
    return new PlatformStack(app, stackName(config), {
      config,
      backend: chooseBackend(config, process.env),
      rootDir: __dirname,
    });
  });
  app.synth();
  const warnings = stacks.flatMap((stack) => annotationsOf(stack, AnnotationMetadataEntryType.WARN));
  for (const warning of warnings) say(`warning: ${warning}`);
  // Terraform reads the zips at plan time, from the stack directory: say now, not three commands later.
  const bundleDir = join(app.outdir, 'stacks', stackName(configs[0]), defaultBundleDir);
  const missing = functions.filter((fn) => !existsSync(join(bundleDir, `${fn.name}.zip`))).map((fn) => fn.name);
  if (missing.length > 0)
    say(
      `warning: ${missing.length} of ${functions.length} function bundles are missing in ${relative(process.cwd(), bundleDir) || '.'} (${missing.join(', ')}); run \`npm run bundle\` before terraform plan`,
    );
  const outDirs = stacks.map((stack) => relative(process.cwd(), join(app.outdir, 'stacks', stack.node.id)));
  const warned = warnings.length + (missing.length > 0 ? 1 : 0);
  say(
    `synth done in ${((performance.now() - started) / 1000).toFixed(1)} s: ${outDirs.join(', ')}${warned === 0 ? '' : ` (${warned} warning${warned === 1 ? '' : 's'})`}`,
  );
};

try {
  main();
} catch (error) {
  if (!(error instanceof StageConfigInvalidError)) throw error;
  say(error.message);
  process.exitCode = 1;
}
