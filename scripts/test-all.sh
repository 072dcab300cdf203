#!/usr/bin/env bash
# `npm test`: every test of the project, in order of cost. Each stage fails the run; the last line sums them up.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-artifacts
echo "== typecheck"
npx tsc --noEmit -p tsconfig.json
echo "== typecheck of the dashboard (vue-tsc; its API types come from ui/src/services/api-schema.d.ts)"
npm run --silent ui:typecheck
echo "== jest (unit, property, integration against DynamoDB Local and the local cloud)"
npx jest --ci --json --outputFile=test-artifacts/jest-results.json
echo "== dashboard component tests (vitest)"
npm run --silent test:ui -- --reporter=default --reporter=json --outputFile.json="$PWD/test-artifacts/vitest-results.json"
echo "== dashboard end to end (headless chromium against npm start)"
npm run --silent test:e2e | tee test-artifacts/e2e-output.txt
node -e '
const fs = require("fs");
const jest = JSON.parse(fs.readFileSync("test-artifacts/jest-results.json", "utf8"));
const vitest = JSON.parse(fs.readFileSync("test-artifacts/vitest-results.json", "utf8"));
const e2e = /^(\d+) passed, (\d+) failed$/m.exec(fs.readFileSync("test-artifacts/e2e-output.txt", "utf8"));
if (!e2e) throw new Error("the e2e runner printed no closing line");
const passed = jest.numPassedTests + vitest.numPassedTests + Number(e2e[1]);
const failed = jest.numFailedTests + vitest.numFailedTests + Number(e2e[2]);
console.log(`jest ${jest.numPassedTests}, vitest ${vitest.numPassedTests}, e2e ${e2e[1]} passed`);
console.log(`total: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
'
