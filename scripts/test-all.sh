#!/usr/bin/env bash
# `npm test`: every check of the project, in the order that fails fastest.
# Unit and integration tests run on an embedded PostgreSQL unless DATABASE_URL
# names a server (each test file then gets a fresh database of its own); the
# browser tests drive Chromium against the built console (scripts/serve.ts) on a freshly seeded demo database.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

step() { printf '\n=== %s ===\n' "$*"; }

rm -rf .reports && mkdir -p .reports
step "typecheck"
npx tsc --noEmit -p .
step "lint"
npx eslint . --max-warnings=0
step "unit and integration tests (vitest)"
bash scripts/vitest-run.sh --reporter=default --reporter=json --outputFile.json=.reports/vitest.json
step "build (next build)"
npx next build
step "browser tests (Playwright + Chromium against the built console)"
CHROMIUM_PATH="$(bash scripts/ensure-chromium.sh)"
export CHROMIUM_PATH
npx playwright test

echo
node scripts/test-summary.mjs .reports/vitest.json .reports/playwright.json
