#!/bin/sh
# One deploy per environment at a time, from any CI runner. LOCKGATE_STORE says where the locks
# live, e.g. etcd://10.0.0.5:2379/ci-locks/ or kubernetes://ci/configmaps/deploy-locks.
set -eu
environment="$1"

# Waits up to 15 minutes, showing who holds the lock; exits 1 if it is still busy by then.
# If the lease is lost mid-deploy, ./deploy.sh and everything it started get TERM, then KILL.
exec lockgate run "deploy/$environment" --timeout 900 \
  --value "{\"job\":\"${CI_JOB_ID:-local}\",\"commit\":\"${CI_COMMIT_SHA:-dev}\"}" \
  -- ./deploy.sh "$environment"
