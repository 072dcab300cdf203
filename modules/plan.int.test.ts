import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findProviderMirror, offlinePlanUnavailable, planOffline, prepareStage } from './offline-plan';
import { stages } from './stage-config';

const unavailable = offlinePlanUnavailable();
const describeWhenTerraform = unavailable === undefined ? describe : describe.skip;

if (unavailable !== undefined) process.stderr.write(`offline terraform plan test skipped: ${unavailable}\n`);

describeWhenTerraform(`offline terraform plan of the dev stage${unavailable === undefined ? '' : ` (skipped: ${unavailable})`}`, () => {
  let workDir: string;
  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'offline-plan-'));
  });
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('inits from the mirror, validates, and plans every synthesised resource with no AWS account', async () => {
    const prepared = await prepareStage(resolve(__dirname, '..'), workDir, stages.dev);
    const plan = planOffline(prepared.stackDir, findProviderMirror() as string);
    const failed = plan.runs.find((r) => !r.ok);
    expect(failed?.output ?? '').toBe('');
    expect(plan.runs.map((r) => r.command)).toEqual(['terraform init', 'terraform validate', 'terraform plan']);
    expect(plan.runs[2].output).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
    expect(plan.toAdd).toBe(prepared.resourceCount);
  }, 300_000);
});
