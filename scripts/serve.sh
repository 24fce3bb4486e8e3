#!/usr/bin/env bash
# `npm run server -- [flags]`: on a fresh machine with only Node 20 and npm, installs pnpm and
# the dependencies if needed, then starts the lock server on Node (memory store by default).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
if [ "$(pnpm --version 2>/dev/null || true)" != "12.21.0" ]; then
  npm install --global --no-audit --no-fund pnpm@12.21.0 >&2
fi
[ -d node_modules ] || pnpm install --frozen-lockfile >&2
exec pnpm --silent --filter @lockgate/server start "$@"
