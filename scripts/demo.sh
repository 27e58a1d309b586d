#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs Pantry's main job end to end:
# local services, schema, feature definitions, seeded MovieLens-style history, and
# point-in-time-correct training-set exports. Services stay up afterwards; stop them with
# `.build/release/pantry dev down`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release -Xswiftc -target-cpu -Xswiftc native --product pantry
PANTRY=.build/release/pantry
step() { printf '\n== %s\n' "$*"; }

step "local PostgreSQL (pgvector) and Redis"
$PANTRY dev up
$PANTRY migrate
$PANTRY health

step "feature definitions (Config/features) -> registry"
$PANTRY plan
$PANTRY apply
$PANTRY registry list

step "seeded MovieLens-style history -> offline store"
$PANTRY demo-data --out data/demo
for view in user_stats movie_stats movie_embedding user_movie global_stats; do
  $PANTRY ingest --replace "$view"
done

step "point-in-time-correct training sets (Jobs/)"
$PANTRY job run Jobs/export_training_set.yaml
$PANTRY job run Jobs/export_movie_embeddings.yaml
echo; echo "first rows of out/ranking_v1_training_set.csv.gz:"
gzip -dc out/ranking_v1_training_set.csv.gz | head -4
