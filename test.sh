#!/usr/bin/env bash
# Runs every check and test of the repository: lint and format, type checks, package
# publishing rules, then each package's tests (turbo builds whatever they need first).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/env.sh
find packages plugins-js plugins-rust tests apps -path '*/node_modules' -prune -o -name test-results -type d -print0 \
  | xargs -0 rm -rf
pnpm exec biome check .
pnpm exec turbo run typecheck publint test --output-logs=full --concurrency=2 --continue=never
node scripts/check-build-cache.mjs
node scripts/test-summary.mjs
