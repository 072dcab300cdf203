/**
 * Why: the closing lines of `npm test` (scripts/test-all.sh). Each stage may have crashed before it wrote its
 * results; a missing result is reported as a failure of that stage, never read as "0 failed". Skipped tests are
 * counted, and with CI=true any skip fails the run.
 */
const { existsSync, readFileSync } = require('node:fs');

const problems = [];
const readJson = (file, stage) => {
  if (!existsSync(file)) {
    problems.push(`${stage} wrote no results (${file}): it crashed before the end of its run`);
    return undefined;
  }
  return JSON.parse(readFileSync(file, 'utf8'));
};

const jest = readJson('test-artifacts/jest-summary.json', 'jest');
const vitest = readJson('test-artifacts/vitest-results.json', 'vitest');
const e2eText = existsSync('test-artifacts/e2e-output.txt')
  ? readFileSync('test-artifacts/e2e-output.txt', 'utf8')
  : '';
const e2eLine = /^(\d+) passed, (\d+) failed$/m.exec(e2eText);
if (!e2eLine) problems.push('the e2e runner printed no closing line');

const stages = [
  {
    name: 'jest',
    passed: jest?.numPassedTests ?? 0,
    failed: (jest?.numFailedTests ?? 0) + (jest?.numRuntimeErrorTestSuites ?? 0),
    skipped: jest?.numSkippedTests ?? 0,
    status: Number(process.env.JEST_STATUS ?? 0),
  },
  {
    name: 'vitest',
    passed: vitest?.numPassedTests ?? 0,
    failed: vitest?.numFailedTests ?? 0,
    skipped: (vitest?.numPendingTests ?? 0) + (vitest?.numTodoTests ?? 0),
    status: Number(process.env.VITEST_STATUS ?? 0),
  },
  {
    name: 'e2e',
    passed: Number(e2eLine?.[1] ?? 0),
    failed: Number(e2eLine?.[2] ?? 0),
    skipped: 0,
    status: Number(process.env.E2E_STATUS ?? 0),
  },
];

for (const stage of stages) {
  if (stage.status !== 0 && stage.failed === 0)
    problems.push(`${stage.name} exited ${stage.status} with no failed test counted`);
}
for (const name of jest?.failedTests ?? []) console.log(`failed: ${name}`);
for (const error of jest?.suiteErrors ?? []) console.log(`suite did not run: ${error}`);
for (const name of jest?.skippedTests ?? []) console.log(`skipped: ${name}`);

const passed = stages.reduce((sum, s) => sum + s.passed, 0);
const failed = stages.reduce((sum, s) => sum + s.failed, 0);
const skipped = stages.reduce((sum, s) => sum + s.skipped, 0);
const inCi = process.env.CI === 'true';
if (inCi && skipped > 0)
  problems.push(`CI=true and ${skipped} test(s) were skipped: a test that cannot run in CI fails the run`);

for (const problem of problems) console.log(`problem: ${problem}`);
console.log(stages.map((s) => `${s.name} ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`).join('; '));
console.log(`total: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed === 0 && problems.length === 0 ? 0 : 1;
