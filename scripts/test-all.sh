#!/usr/bin/env bash
# `npm test`: every test of the project, in order of cost. Each stage fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck"
npx tsc --noEmit -p tsconfig.json
echo "== jest (unit, property, integration against DynamoDB Local and the local cloud)"
npx jest --ci
