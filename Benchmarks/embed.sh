#!/usr/bin/env bash
# Sentence embeddings: Pantry's encoder beside a numpy reference of the same model
# (Benchmarks/embed_reference.py: numpy's BLAS, Hugging Face tokenizers), both with the same
# thread count: short (~11 word pieces) and long (~130) lines in batches of 64 on two threads,
# and single short queries on one thread (the search endpoint's case). Sentences/s of encoding
# (loading not counted), medians of three runs, and the largest difference between the two sets
# of vectors, as a cross-check. All in `pantry llm bench-embed`; this script installs the
# reference's Python packages into the bench venv and builds the release binary first.
#   Benchmarks/embed.sh      (= Benchmarks/run.sh embed)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.pantry/bench-venv
bash scripts/setup.sh >/dev/null
if ! "$VENV/bin/python" -c "import numpy, scipy, tokenizers" 2>/dev/null; then
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q numpy scipy tokenizers
fi
swift build $(bash scripts/release-flags.sh) --product pantry
echo "load before: $(uptime | sed 's/.*load average: //')"
.build/release/pantry llm bench-embed --python "$VENV/bin/python"
