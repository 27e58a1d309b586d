#!/usr/bin/env bash
# The vector index beside hnswlib on the seeded benchmark sets (one thread, M 16,
# efConstruction 200, k 10). Sets are generated on first use into .pantry/vector-data, with
# their exact ground truth; hnswlib 0.8 goes into a venv at .pantry/bench-venv.
#   Benchmarks/vector.sh [SET...]   SET: gmm-100k-384 (cosine), gmm-1m-128 (l2), gmm-10k-32 (l2)
#   default: gmm-100k-384 gmm-1m-128. Extra options for `pantry index bench` via INDEX_BENCH_ARGS.
# For gmm-100k-384 pgvector's HNSW runs too, in the dev PostgreSQL (scripts/services.sh up);
# PGVECTOR=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=.pantry
VENV="$STATE/bench-venv"
if ! "$VENV/bin/python" -c "import hnswlib, numpy" 2>/dev/null; then
  echo "vector bench: installing numpy and hnswlib 0.8.0 into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q numpy hnswlib==0.8.0
fi
swift build $(bash scripts/release-flags.sh) --product pantry
PANTRY=.build/release/pantry
DATA="$STATE/vector-data"
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(gmm-100k-384 gmm-1m-128)
for set in "${sets[@]}"; do
  metric=l2
  [ "$set" = gmm-100k-384 ] && metric=cosine
  [ -f "$DATA/$set.base.fvecs" ] || "$PANTRY" index generate "$set" --out "$DATA"
  truth="$DATA/$set.$metric.truth.ivecs"
  if [ -f "$truth" ]; then truth_args=(--truth "$truth"); else truth_args=(--write-truth "$truth"); fi
  pg_args=()
  if [ "$set" = gmm-100k-384 ] && [ "${PGVECTOR:-1}" = 1 ]; then
    bash scripts/services.sh up >/dev/null
    source .pantry/services.env
    pg_args=(--pgvector "$PANTRY_POSTGRES_URL")
  fi
  echo "== $set ($metric)"
  PANTRY_BENCH_PYTHON="$VENV/bin/python" "$PANTRY" index bench --base "$DATA/$set.base.fvecs" \
    --queries "$DATA/$set.query.fvecs" --metric "$metric" "${truth_args[@]}" "${pg_args[@]}" ${INDEX_BENCH_ARGS:-}
done
