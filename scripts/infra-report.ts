/**
 * Infrastructure report: synth time of each stage, the offline plan's resource count, and each Lambda bundle's
 * size and cold require time, without and with --enable-source-maps (a fresh `node` per measurement, outside the repository so nothing resolves from
 * node_modules). Writes JSON to stdout; `npm run infra:report`.
 *
 *   STAGES=dev npm run infra:report      # limit the stages (default dev,prod); only dev is planned
 *   REQUIRE_RUNS=5 npm run infra:report  # cold require samples per bundle (median reported; default 3)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unzipFiles } from './bundle';
import { findProviderMirror, offlinePlanUnavailable, planOffline, prepareStage } from '../modules/offline-plan';
import { stageConfig } from '../modules/stage-config';

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/** Milliseconds a fresh node process spends in `require(file)`; undefined with the error when it throws. */
const coldRequireMs = (file: string, cwd: string, nodeFlags: readonly string[] = []): { ms?: number; error?: string } => {
  const probe = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`;
  const result = spawnSync(process.execPath, [...nodeFlags, '-e', probe], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1' } });
  if (result.status !== 0) return { error: result.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit ${String(result.status)}` };
  return { ms: Number(result.stdout) };
};

const main = async (): Promise<void> => {
  const rootDir = resolve(__dirname, '..');
  const runs = Number(process.env.REQUIRE_RUNS ?? '3');
  const workRoot = mkdtempSync(join(tmpdir(), 'infra-report-'));
  try {
    const stages = (process.env.STAGES ?? 'dev,prod').split(',').map((s) => stageConfig(s.trim()));
    const synth: Record<string, { ms: number; resources: number; realDefinition: boolean }> = {};
    let plan: Record<string, unknown> = { skipped: 'no stage planned' };
    let bundles: Record<string, unknown>[] = [];
    let missing: readonly { name: string; entry: string }[] = [];
    for (const config of stages) {
      const workDir = join(workRoot, config.stage);
      mkdirSync(workDir);
      const prepared = await prepareStage(rootDir, workDir, config);
      synth[config.stage] = { ms: Math.round(prepared.synthMs), resources: prepared.resourceCount, realDefinition: prepared.realDefinition };
      if (config.stage !== stages[0].stage) continue;
      missing = prepared.bundles.missing;
      const unpackRoot = join(workDir, 'unpacked');
      bundles = prepared.bundles.built.map((bundle) => {
        const dir = join(unpackRoot, bundle.name);
        mkdirSync(dir, { recursive: true });
        for (const file of unzipFiles(readFileSync(bundle.zipPath))) writeFileSync(join(dir, file.name), file.data);
        const samples = Array.from({ length: runs }, () => coldRequireMs(join(dir, 'index.js'), dir));
        // The functions run with NODE_OPTIONS=--enable-source-maps, which parses the map at load: measured apart.
        const mapped = Array.from({ length: runs }, () => coldRequireMs(join(dir, 'index.js'), dir, ['--enable-source-maps']));
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
      const unavailable = offlinePlanUnavailable();
      if (unavailable === undefined) {
        const result = planOffline(prepared.stackDir, findProviderMirror() as string);
        const failed = result.runs.find((r) => !r.ok);
        plan = {
          stage: config.stage,
          toAdd: result.toAdd,
          synthesisedResources: prepared.resourceCount,
          ms: Object.fromEntries(result.runs.map((r) => [r.command, Math.round(r.ms)])),
          ...(failed === undefined ? {} : { failed: failed.command, output: failed.output.slice(-4000) }),
        };
      } else {
        plan = { skipped: unavailable };
      }
    }
    process.stdout.write(`${JSON.stringify({ synth, plan, bundles, missingEntries: missing }, null, 2)}\n`);
  } finally {
    rmSync(workRoot, { recursive: true, force: true });
  }
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
  process.exitCode = 1;
});
