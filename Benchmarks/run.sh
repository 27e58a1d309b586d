#!/usr/bin/env bash
# Runs Pantry's benchmarks side by side with the reference tools, on the local dev services.
#   Benchmarks/run.sh [copy|export|online|redis]   (online needs export's data)
#   Benchmarks/run.sh vector [SET...]              (the vector index beside hnswlib: Benchmarks/vector.sh)
#   Benchmarks/run.sh recommender                  (MovieLens-100k beside implicit: Benchmarks/recommender.sh)
#   Benchmarks/run.sh embed                        (the sentence encoder beside a numpy reference: Benchmarks/embed.sh)
#   Benchmarks/run.sh search                       (the search endpoint and the semantic cache: Benchmarks/search.sh)
#   Benchmarks/run.sh rerank                       (the LLM stage of the recommendation endpoint: Benchmarks/rerank.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = vector ]; then shift; exec bash Benchmarks/vector.sh "$@"; fi
if [ "${1:-}" = recommender ]; then exec bash Benchmarks/recommender.sh; fi
if [ "${1:-}" = embed ]; then exec bash Benchmarks/embed.sh; fi
if [ "${1:-}" = search ]; then exec bash Benchmarks/search.sh; fi
if [ "${1:-}" = rerank ]; then exec bash Benchmarks/rerank.sh; fi
bash scripts/setup.sh >/dev/null
for product in pantry pantry-bench; do
  swift build $(bash scripts/release-flags.sh) --product "$product"
done
PANTRY_BIN=.build/release/pantry bash scripts/services.sh up >/dev/null
source .pantry/services.env
.build/release/pantry-bench "$@"
