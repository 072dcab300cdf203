#!/usr/bin/env bash
# `npm test`: every test of the project, in order of cost. Each stage fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck"
npx tsc --noEmit -p tsconfig.json
echo "== typecheck of the dashboard (vue-tsc; its API types come from ui/src/services/api-schema.d.ts)"
npm run --silent ui:typecheck
echo "== jest (unit, property, integration against DynamoDB Local and the local cloud)"
npx jest --ci
echo "== dashboard component tests (vitest)"
npm run --silent test:ui
echo "== dashboard end to end (headless chromium against npm start)"
npm run --silent test:e2e
