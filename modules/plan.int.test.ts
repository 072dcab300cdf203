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

  it('plans the prod stage with a certificate (HTTPS listener, HTTP redirect, NAT gateway) just as cleanly', async () => {
    const config = { ...stages.prod, certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000' };
    const prepared = await prepareStage(resolve(__dirname, '..'), join(workDir, 'prod'), config);
    const plan = planOffline(prepared.stackDir, findProviderMirror() as string);
    expect(plan.runs.find((r) => !r.ok)?.output ?? '').toBe('');
    expect(plan.runs[2].output).toContain('aws_lb_listener.api_https_');
    expect(plan.toAdd).toBe(prepared.resourceCount);
  }, 300_000);
});
