#!/usr/bin/env bash
# Installs dependencies when they are missing or older than package-lock.json,
# so the README's two commands work on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ ! -d generated/prisma ]; then
  echo "Installing dependencies (npm ci)…"
  npm ci --no-audit --no-fund
fi
