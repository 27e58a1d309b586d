#!/usr/bin/env bash
# Sentence embeddings: Pantry's encoder (`pantry llm embed`, batches of 64) beside a numpy
# reference of the same model (Benchmarks/embed_reference.py: numpy's BLAS, Hugging Face
# tokenizers), both on two threads, on short (~11 word pieces) and long (~122) lines.
# Sentences/s of encoding (Pantry's load time, measured on an empty input, is subtracted; the
# reference times encoding only); three runs each, medians; and the largest difference between
# the two sets of vectors, as a cross-check.
#   Benchmarks/embed.sh      (= Benchmarks/run.sh embed)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.pantry/bench-venv
MODEL=.pantry/models/all-MiniLM-L6-v2
bash scripts/setup.sh >/dev/null
if ! "$VENV/bin/python" -c "import numpy, scipy, tokenizers" 2>/dev/null; then
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q numpy scipy tokenizers
fi
swift build $(bash scripts/release-flags.sh) --product pantry
PANTRY=.build/release/pantry
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
python3 - "$DIR" <<'PY'
import random, sys
random.seed(1)
words = "the a movie film about toys heartwarming animated story space war love city night dark comedy family friends music".split()
open(sys.argv[1] + "/short.txt", "w").write("\n".join(" ".join(random.choice(words) for _ in range(9)) for _ in range(2000)) + "\n")
open(sys.argv[1] + "/long.txt", "w").write("\n".join(" ".join(random.choice(words) for _ in range(120)) for _ in range(200)) + "\n")
PY
median() { sort -n | sed -n 2p; }
load=$( { /usr/bin/time -f %e $PANTRY llm embed --model $MODEL < /dev/null > /dev/null; } 2>&1 )
for set in short long; do
  lines=$(wc -l < "$DIR/$set.txt")
  ours=$(for _ in 1 2 3; do
    seconds=$( { /usr/bin/time -f %e $PANTRY llm embed --model $MODEL --batch 64 < "$DIR/$set.txt" > "$DIR/$set.pantry"; } 2>&1 )
    python3 -c "print(f'{$lines / max($seconds - $load, 1e-3):.1f}')"
  done | median)
  theirs=$(for _ in 1 2 3; do OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 "$VENV/bin/python" Benchmarks/embed_reference.py $MODEL "$DIR/$set.txt" 64 "$DIR/$set.npy"; done | median)
  diff=$("$VENV/bin/python" -c "
import json, numpy as np
a = np.array([json.loads(l) for l in open('$DIR/$set.pantry')]); b = np.load('$DIR/$set.npy')
print(f'{np.abs(a - b).max():.2e}')")
  echo "$set lines ($lines): pantry $ours sentences/s, numpy reference $theirs sentences/s -> $(python3 -c "print(f'{$ours / $theirs:.2f}')")x; largest difference $diff (load $load s not counted)"
done
