#!/usr/bin/env bash
# The recommender on real MovieLens-100k, beside the `implicit` library (0.7.2, into the venv at
# .pantry/bench-venv): ALS fit time on one thread with the same hyperparameters and split, the
# test NDCG@10 of both, and Pantry's train + index build end to end. Repeats Pantry's runs three
# times; quote the medians.
#   Benchmarks/recommender.sh      (= Benchmarks/run.sh recommender); ends with the endpoint under wrk
#   (Benchmarks/recommender_endpoint.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=.pantry
VENV="$STATE/bench-venv"
bash scripts/setup.sh >/dev/null
if ! "$VENV/bin/python" -c "import implicit, scipy, threadpoolctl" 2>/dev/null; then
  echo "recommender bench: installing implicit 0.7.2 into $VENV"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q numpy scipy threadpoolctl implicit==0.7.2
fi
swift build $(bash scripts/release-flags.sh) --product pantry
PANTRY=.build/release/pantry
bash scripts/services.sh up >/dev/null
source .pantry/services.env
$PANTRY migrate >/dev/null && $PANTRY apply >/dev/null
$PANTRY datasets movielens-100k
for view in ratings movie_info user_info; do $PANTRY ingest --replace "$view" >/dev/null; done
# One thread for OpenBLAS too, as implicit gets.
for run in 1 2 3; do
  echo "== pantry run $run"
  OPENBLAS_NUM_THREADS=1 $PANTRY evaluate movielens --target test --report out/evaluation.md \
    | grep -E "^\| (als_user_factors|ease_unweighted|hybrid) |Final fit"
  OPENBLAS_NUM_THREADS=1 $PANTRY train movielens --no-materialize | grep -E "version|trained in"
done
read -r factors iterations regularization alpha < <(awk '
  /^collaborative:/ {c=1} c && /factors:/ {f=$2} c && /iterations:/ {i=$2} c && /regularization:/ {r=$2} c && /alpha:/ {a=$2}
  /^ease:/ {c=0} END {print f, i, r, a}' Config/recommenders/movielens.yaml)
echo "== implicit (same split, factors $factors, iterations $iterations, λ $regularization, confidence 1 + $alpha)"
"$VENV/bin/python" Benchmarks/recommender_implicit.py "$STATE/datasets/ml-100k" "$factors" "$iterations" "$regularization" "$alpha" 3
bash Benchmarks/recommender_endpoint.sh
