#!/usr/bin/env bash
# The one command: on a fresh machine with only Node 20 and npm it installs the toolchain and
# the dependencies, then lints, type-checks, builds, tests and checks every package.
# `npm run verify` runs it; so does CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 DO_NOT_TRACK=1

step() { printf '\n== %s\n' "$*"; }

PNPM_VERSION=12.21.0
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  step "installing pnpm $PNPM_VERSION"
  npm install --global --no-audit --no-fund "pnpm@$PNPM_VERSION"
fi

# Real services the tests start themselves: etcd, redis-server, PostgreSQL and PgBouncer for
# their stores (and the benchmarks' peers), Chromium for the HTTP client in a browser, tmux for
# the CLI's terminal test, etcdctl as the CLI benchmark's peer. All from Debian; none starts by
# itself, and no service is left running.
missing=()
command -v etcd >/dev/null || missing+=(etcd-server)
command -v etcdctl >/dev/null || missing+=(etcd-client)
command -v tmux >/dev/null || missing+=(tmux)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]} (Debian)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

step "dependencies"
pnpm install --frozen-lockfile

step "lint and format (biome)"
pnpm lint

step "type-check and build"
pnpm turbo run typecheck build --output-logs=errors-only

step "README examples match the type-checked files under examples/"
pnpm exec tsx scripts/check-readme-examples.ts

step "tests"
mkdir -p .tmp
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json || status=$?

step "package checks (publint, are-the-types-wrong)"
pnpm turbo run check-package --output-logs=errors-only

step "each package packed and installed alone"
pnpm check-installs

step "benchmarks run (quick mode; numbers come from full runs by hand)"
pnpm bench:quick

# The closing line CI reads: counts from the test run above.
pnpm exec tsx scripts/print-test-summary.ts .tmp/vitest.json
exit "$status"
