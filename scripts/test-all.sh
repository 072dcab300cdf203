#!/usr/bin/env bash
# `npm test`: every test of the project, in order of cost. The style check and the typechecks stop the run at once; the test stages
# all run and each failure fails the run. The last line sums them up: `total: N passed, N failed, N skipped`.
# With CI=true a skipped test fails the run too: a test that cannot run on the CI machine must not vanish silently.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -rf test-artifacts
mkdir -p test-artifacts
echo "== style (Biome: formatting and lint of the whole tree; \`npm run format\` fixes the formatting)"
npx biome ci --colors=off . || exit 1
echo "== typecheck"
npx tsc --noEmit -p tsconfig.json || exit 1
echo "== typecheck of the dashboard (vue-tsc; its API types come from ui/src/services/api-schema.d.ts)"
npm run --silent ui:typecheck || exit 1
echo "== jest (unit, property, integration against DynamoDB Local and the local cloud)"
# The summary comes from our own reporter, not `--json`: jest's JSON of a failed run can hold a cycle and crash.
npx jest --ci --reporters=default --reporters="$PWD/scripts/jest-summary-reporter.js"
jest_status=$?
echo "== dashboard component tests (vitest)"
npm run --silent test:ui -- --reporter=default --reporter=json --outputFile.json="$PWD/test-artifacts/vitest-results.json"
vitest_status=$?
echo "== dashboard end to end (headless chromium against npm start)"
npm run --silent test:e2e | tee test-artifacts/e2e-output.txt
e2e_status=$?
JEST_STATUS=$jest_status VITEST_STATUS=$vitest_status E2E_STATUS=$e2e_status node scripts/test-summary.js
