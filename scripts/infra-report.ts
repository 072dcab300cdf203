/**
 * Infrastructure report: for each stage, the synthesised resources by type and the idle monthly cost from list
 * prices (scripts/idle-cost.ts, docs/costs.md); then each Lambda bundle's size and cold require time, without and
 * with --enable-source-maps (a fresh `node` per measurement, outside the repository so nothing resolves from
 * node_modules). Human text by default, JSON with --json. `npm run infra:report`.
 *
 *   STAGES=dev npm run infra:report      # limit the stages (default dev,prod)
 *   REQUIRE_RUNS=5 npm run infra:report  # cold require samples per bundle (median reported; default 3)
 *
 * It synthesises the stages as configured (environment overrides included); a stage whose account settings are
 * still placeholders is reported with its problems, and prod without a certificate is costed with a stand-in ARN.
 * The offline `terraform plan` is the README deploy test's job (modules/readme-deploy.int.test.ts), not this report's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'cdktf';
import { bundleFunctions, unpackZip } from './bundle';
import { type CostLine, idleCostLines, idleMonthlyUsd } from './idle-cost';
import { PlatformStack, stackName } from '../modules/platform-stack';
import { type StageConfig, stageConfig, stageConfigProblems, withEnvironment } from '../modules/stage-config';

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Milliseconds a fresh node process spends in `require(file)`; undefined with the error when it throws. */
const coldRequireMs = (
  file: string,
  cwd: string,
  nodeFlags: readonly string[] = [],
): { ms?: number; error?: string } => {
  const probe = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
  const result = spawnSync(process.execPath, [...nodeFlags, '-e', probe], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1' },
  });
  if (result.status !== 0)
    return { error: result.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit ${String(result.status)}` };
  return { ms: Number(result.stdout) };
};

/** A certificate ARN used only to cost prod when none is configured (never deployed: synth refuses it). */
const standInCertificate = (config: StageConfig) =>
  `arn:aws:acm:${config.region}:000000000000:certificate/00000000-0000-0000-0000-000000000000`;

interface StageReport {
  readonly stage: string;
  readonly synthMs: number;
  readonly resources: number;
  readonly byType: Record<string, number>;
  readonly idleMonthlyUsd: number;
  readonly costLines: readonly CostLine[];
  readonly configProblems: readonly string[];
}

const reportStage = (rootDir: string, workDir: string, configured: StageConfig): StageReport => {
  const configProblems = stageConfigProblems(configured);
  const config =
    configured.stage === 'prod' && configured.certificateArn === undefined
      ? { ...configured, certificateArn: standInCertificate(configured) }
      : configured;
  const started = performance.now();
  const app = new App({ outdir: join(workDir, configured.stage) });
  const stack = new PlatformStack(app, stackName(config), {
    config,
    backend: { kind: 'local', path: 'report.tfstate' },
    rootDir,
  });
  app.synth();
  const synthMs = Math.round(performance.now() - started);
  const json = JSON.parse(readFileSync(join(app.outdir, 'stacks', stack.node.id, 'cdk.tf.json'), 'utf8')) as {
    resource: Record<string, Record<string, Record<string, unknown>>>;
  };
  const byType: Record<string, number> = Object.fromEntries(
    Object.entries(json.resource)
      .map(([type, byId]): [string, number] => [type, Object.keys(byId).length])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  const costLines = idleCostLines(json.resource);
  return {
    stage: configured.stage,
    synthMs,
    resources: Object.values(byType).reduce((sum, n) => sum + n, 0),
    byType,
    idleMonthlyUsd: idleMonthlyUsd(costLines),
    costLines,
    configProblems,
  };
};

const main = async (): Promise<void> => {
  const rootDir = resolve(__dirname, '..');
  const runs = Number(process.env.REQUIRE_RUNS ?? '3');
  const asJson = process.argv.includes('--json');
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const workRoot = mkdtempSync(join(tmpdir(), 'infra-report-'));
  try {
    const stages: StageReport[] = [];
    for (const name of (process.env.STAGES ?? 'dev,prod').split(',').map((s) => s.trim())) {
      say(`synth ${name} ...`);
      stages.push(reportStage(rootDir, workRoot, withEnvironment(stageConfig(name), process.env)));
    }
    say('bundling the functions ...');
    const report = await bundleFunctions({ rootDir, outDir: join(workRoot, 'dist') });
    const bundles = report.built.map((bundle) => {
      const dir = join(workRoot, 'unpacked', bundle.name);
      unpackZip(readFileSync(bundle.zipPath), dir);
      const samples = Array.from({ length: runs }, () => coldRequireMs(join(dir, 'index.js'), dir));
      // The functions run with NODE_OPTIONS=--enable-source-maps, which parses the map at load: measured apart.
      const mapped = Array.from({ length: runs }, () =>
        coldRequireMs(join(dir, 'index.js'), dir, ['--enable-source-maps']),
      );
      const failed = [...samples, ...mapped].find((s) => s.error !== undefined);
      return {
        name: bundle.name,
        zipKiB: Math.round(bundle.zipBytes / 102.4) / 10,
        codeKiB: Math.round(bundle.codeBytes / 102.4) / 10,
        ...(failed === undefined
          ? {
              coldRequireMs: Math.round(median(samples.map((s) => s.ms as number)) * 10) / 10,
              coldRequireWithSourceMapsMs: Math.round(median(mapped.map((s) => s.ms as number)) * 10) / 10,
            }
          : { requireError: failed.error }),
      };
    });
    if (asJson) {
      process.stdout.write(`${JSON.stringify({ stages, bundles, missingEntries: report.missing }, null, 2)}\n`);
      return;
    }
    const out: string[] = [];
    for (const stage of stages) {
      out.push(
        `== ${stackName({ stage: stage.stage } as StageConfig)}: ${stage.resources} resources (synth ${stage.synthMs} ms), idle about $${stage.idleMonthlyUsd.toFixed(2)}/month`,
      );
      for (const problem of stage.configProblems) out.push(`   not deployable yet: ${problem}`);
      out.push(
        `   ${Object.entries(stage.byType)
          .map(([type, n]) => `${type.replace(/^aws_/, '')} ${n}`)
          .join(', ')}`,
      );
      for (const line of stage.costLines)
        out.push(
          `   $${line.monthlyUsd.toFixed(2).padStart(7)}  ${line.item}${line.quantity === 1 ? '' : ` (${line.quantity})`}${line.estimate === true ? ' [estimate]' : ''}`,
        );
    }
    out.push('== bundles (zip KiB, cold require ms, with source maps ms)');
    for (const b of bundles)
      out.push(
        `   ${b.name.padEnd(22)} ${String(b.zipKiB).padStart(7)}  ${'requireError' in b ? `require failed: ${String(b.requireError)}` : `${String(b.coldRequireMs).padStart(6)}  ${String(b.coldRequireWithSourceMapsMs).padStart(6)}`}`,
      );
    for (const m of report.missing) out.push(`   ${m.name}: entry ${m.entry} missing`);
    process.stdout.write(`${out.join('\n')}\n`);
    say(
      `infra:report: ${stages.map((s) => `${s.stage} ${s.resources} resources ~$${s.idleMonthlyUsd.toFixed(0)}/month idle`).join('; ')}; ${bundles.length} bundles`,
    );
  } finally {
    rmSync(workRoot, { recursive: true, force: true });
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
  process.exitCode = 1;
});
