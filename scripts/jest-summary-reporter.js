/**
 * Why: `jest --json --outputFile` serialises jest's whole result, and a failed test whose error holds a cycle
 * (an SDK error with its request, a socket) makes it crash with "Converting circular structure to JSON": the
 * summary of exactly the failing run was lost. This reporter writes only the counts and the names of the failed
 * tests, plain data that always serialises, for scripts/test-all.sh to sum up.
 */
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');

class JestSummaryReporter {
  constructor(_globalConfig, options = {}) {
    this.outputFile = options.outputFile ?? 'test-artifacts/jest-summary.json';
  }

  onRunComplete(_contexts, results) {
    const failedTests = [];
    const suiteErrors = [];
    const skippedTests = [];
    for (const suite of results.testResults) {
      if (suite.testExecError)
        suiteErrors.push(`${suite.testFilePath}: ${String(suite.testExecError.message ?? suite.testExecError)}`);
      for (const test of suite.testResults) {
        const name = `${suite.testFilePath} > ${test.fullName}`;
        if (test.status === 'failed') failedTests.push(name);
        if (
          test.status === 'pending' ||
          test.status === 'skipped' ||
          test.status === 'todo' ||
          test.status === 'disabled'
        )
          skippedTests.push(name);
      }
    }
    const summary = {
      numPassedTests: results.numPassedTests,
      numFailedTests: results.numFailedTests,
      numSkippedTests: results.numPendingTests + results.numTodoTests,
      numFailedTestSuites: results.numFailedTestSuites,
      numRuntimeErrorTestSuites: results.numRuntimeErrorTestSuites,
      failedTests,
      skippedTests,
      suiteErrors,
    };
    mkdirSync(dirname(this.outputFile), { recursive: true });
    writeFileSync(this.outputFile, `${JSON.stringify(summary, null, 2)}\n`);
  }
}

module.exports = JestSummaryReporter;
