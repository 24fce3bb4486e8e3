#!/bin/sh
# A pipeline whose steps are separate commands: acquire, keep the lease alive in the
# background while the steps run, then release. `lockgate release` exits 75 if the lease was
# lost on the way (another job may have run meanwhile).
set -eu
LOCK=$(lockgate acquire "deploy/$1" --timeout 900 --ttl 60)
lockgate hold "$LOCK" --quiet &
holder=$!

./migrate.sh "$1"
./deploy.sh "$1"

kill "$holder"
wait "$holder" || true
lockgate release "$LOCK"
