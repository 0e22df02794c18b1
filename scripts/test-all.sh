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
if ! npx playwright test; then
  # What the test consoles did around the failure (their logs hold no key material: server/ops/logger.ts censors it).
  for f in .reports/e2e-server-*.log; do
    [ -f "$f" ] || continue
    step "last warnings and errors of $f"
    grep -E '"level":"(warn|error|fatal)"' "$f" | tail -n 40 || true
    step "last 60 lines of $f"
    tail -n 60 "$f" | cut -c1-400
  done
  # The page each failed test was looking at (Playwright's snapshot of it: what a person would have read on screen).
  for f in test-results/*/error-context.md; do
    [ -f "$f" ] || continue
    step "page at failure: $f"
    head -n 200 "$f" | cut -c1-300
  done
  exit 1
fi

echo
node scripts/test-summary.mjs .reports/vitest.json .reports/playwright.json
