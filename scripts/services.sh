#!/usr/bin/env bash
# Starts (up) or stops (down) the local services the tests need: PostgreSQL 16 + pgvector,
# Debian's PostgreSQL 15 (no pgvector, for the fallback schema) and Redis, all on 127.0.0.1,
# and writes their URLs to .pantry/services.env for the test run.
set -euo pipefail
cd "$(dirname "$0")/.."
PANTRY="${PANTRY_BIN:-.build/debug/pantry}"
case "${1:-up}" in
  up)
    "$PANTRY" dev up --postgres-flavor pgvector --postgres-port 55432 --redis-port 56379 >/dev/null
    "$PANTRY" dev up --postgres-flavor debian15 --postgres-port 55433 --redis-port 56379 >/dev/null
    cat > .pantry/services.env <<ENV
export PANTRY_POSTGRES_URL='postgres://pantry:pantry@127.0.0.1:55432/pantry'
export PANTRY_POSTGRES15_URL='postgres://pantry:pantry@127.0.0.1:55433/pantry'
export PANTRY_REDIS_URL='redis://:pantry@127.0.0.1:56379/0'
ENV
    "$PANTRY" dev status --postgres-flavor pgvector --postgres-port 55432
    "$PANTRY" dev status --postgres-flavor debian15 --postgres-port 55433 | head -1
    ;;
  down)
    "$PANTRY" dev down --postgres-flavor debian15 --postgres-port 55433 --redis-port 56379 >/dev/null || true
    "$PANTRY" dev down --postgres-flavor pgvector --postgres-port 55432 --redis-port 56379 >/dev/null || true
    ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
