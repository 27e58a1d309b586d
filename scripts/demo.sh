#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs Pantry's main job end to end:
# local services, schema, feature definitions, seeded MovieLens-style history,
# point-in-time-correct training-set exports, online features, and the recommender on the real
# MovieLens-100k (evaluation, training, the recommendation endpoint and a pushed like). Services
# stay up afterwards; stop them with `.build/release/pantry dev down`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build $(bash scripts/release-flags.sh) --product pantry
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
gzip -dc out/ranking_v1_training_set.csv.gz | sed -n '1,4p'

step "online store: materialize to Redis, check training/serving skew"
# The history was just replaced: drop what earlier runs put online (newer events would win).
$PANTRY clear-online
$PANTRY materialize-incremental
$PANTRY check-skew --view user_stats --sample 500 --at 2026-01-01T00:00:00Z
$PANTRY check-skew --view user_movie --sample 500 --at 2026-01-01T00:00:00Z

step "online feature API (pantry serve on 127.0.0.1:6566)"
$PANTRY serve --port 6566 > .pantry/serve.log 2>&1 &
SERVE_PID=$!
trap 'kill $SERVE_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf -o /dev/null http://127.0.0.1:6566/health && break; sleep 0.2; done
curl -s http://127.0.0.1:6566/health; echo
echo "as of 2025-12-31 (the demo history ends in 2025, so 'now' reads are OUTSIDE_MAX_AGE):"
curl -s -X POST http://127.0.0.1:6566/v1/features/online -H 'Content-Type: application/json' -d '{
  "entities": {"user_id": [1500, 1], "movie_id": [509, 2]},
  "features": ["user_stats:rating_mean", "user_stats:favourite_genres", "movie_stats:popularity", "user_movie:rating"],
  "as_of": "2025-12-31T00:00:00Z"}'; echo
echo "now:"
curl -s -X POST http://127.0.0.1:6566/v1/features/online -H 'Content-Type: application/json' -d '{
  "entities": {"user_id": [1500]}, "features": ["user_stats:rating_mean", "global_stats:mean_rating"]}'; echo
kill $SERVE_PID; wait $SERVE_PID 2>/dev/null || true

step "recommender: real MovieLens-100k through the feature store (Config/recommenders/movielens.yaml)"
$PANTRY datasets movielens-100k
for view in ratings movie_info user_info; do
  $PANTRY ingest --replace "$view"
done
# Sentence embeddings of each movie's "title. genres" (built-in all-MiniLM-L6-v2) -> movie_text,
# vector(384); a second run encodes nothing (only changed texts are encoded again).
$PANTRY job run Jobs/embed_movie_text.yaml
$PANTRY job run Jobs/embed_movie_text.yaml
# Hyperparameters chosen on validation only; test reported once (report in out/evaluation.md).
$PANTRY evaluate movielens --target test --write-recs out/movielens_recs.csv | sed -n '/^| model/,/^$/p'
# Factors back into the offline store as vector(64), the item index, a model version, online.
$PANTRY train movielens | grep -v "ALS iteration"
$PANTRY similar 1 --k 5          # more like Toy Story: ALS and content neighbours, mean cosine
$PANTRY recommend 42 --k 5 --genre Comedy   # a user's comedies: profile of recent likes, seen items left out inside the search
$PANTRY search "a heartwarming animated film about toys" --k 5   # natural-language search over the movie texts

step "recommendation endpoint (pantry serve on 127.0.0.1:6566): a pushed like changes the next answer"
$PANTRY serve --port 6566 > .pantry/serve.log 2>&1 &
SERVE_PID=$!
trap 'kill $SERVE_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf -o /dev/null http://127.0.0.1:6566/health && break; sleep 0.2; done
show() {  # a recommendation response, one line per item
  python3 -c 'import json, sys
d = json.load(sys.stdin)
if "error" in d: sys.exit("error: " + d["error"]["message"])
print("  model v%s%s" % (d["model_version"], ", cold start" if d.get("cold_start") else ""))
for i in d["items"]:
    print("  %5d  %7.3f  %-34s %s  [%s]" % (i["item"], i["score"], i["title"][:34], i.get("year"), "+".join(i["sources"])))'
}
echo "GET /v1/recommendations/42?k=5"
curl -s "http://127.0.0.1:6566/v1/recommendations/42?k=5" | show
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "user 42 likes three animated films now (POST /v1/push to the ratings view, kind \"like\"):"
curl -s -X POST http://127.0.0.1:6566/v1/push -H 'Content-Type: application/json' -d '{"view": "ratings", "rows": [
  {"user_id": 42, "movie_id": 1, "kind": "like", "event_ts": "'"$NOW"'"},
  {"user_id": 42, "movie_id": 95, "kind": "like", "event_ts": "'"$NOW"'"},
  {"user_id": 42, "movie_id": 588, "kind": "like", "event_ts": "'"$NOW"'"}]}'; echo
echo "GET /v1/recommendations/42?k=5 (no retraining: the live profile follows the likes)"
curl -s "http://127.0.0.1:6566/v1/recommendations/42?k=5" | show
echo "GET /v1/items/1/similar?k=3"
curl -s "http://127.0.0.1:6566/v1/items/1/similar?k=3" | show
echo "POST /v1/recommendations (an anonymous session that just watched Star Wars and Return of the Jedi)"
curl -s -X POST http://127.0.0.1:6566/v1/recommendations -H 'Content-Type: application/json' -d '{"context": [50, 181], "k": 3}' | show
echo "GET /v1/search?q=space+battles+with+aliens&k=3 (the query encoded by the built-in sentence encoder)"
curl -s "http://127.0.0.1:6566/v1/search?q=space+battles+with+aliens&k=3" | show
echo "the same for user 42, personalised by their profile, then the same query again (a cache hit):"
curl -s "http://127.0.0.1:6566/v1/search?q=space+battles+with+aliens&k=3&user=42" | show
curl -s -o /dev/null -w "  repeated query answered in %{time_total} s: " "http://127.0.0.1:6566/v1/search?q=space+battles+with+aliens&k=3"
curl -s "http://127.0.0.1:6566/v1/search?q=space+battles+with+aliens&k=3" | python3 -c 'import json, sys; print("cache", json.load(sys.stdin)["cache"])'

step "the LLM stage: recommendations reranked and explained by the built-in SmolLM2 (checked facts only)"
explained() {  # a reranked, explained answer: rank before → after, title, explanation
  python3 -c 'import json, sys
d = json.load(sys.stdin)
if "error" in d: sys.exit("error: " + d["error"]["message"])
print("  reranked: %s (%s candidates), explained: %s, degraded_reason: %s, explanations from the cache: %s" % (
    d.get("reranked"), d.get("rerank_candidates"), d.get("explained"), d.get("degraded_reason"), d.get("explanations_cached")))
for n, i in enumerate(d["items"], 1):
    print("  %2d (was %2s)  %s (%s)" % (n, i.get("retrieval_rank", "-"), i["title"], i.get("year")))
    e = i.get("explanation")
    if e: print("      %s  [%s]" % (e["text"], e["source"]))'
}
for user in 42 7 301; do
  echo "GET /v1/recommendations/$user?k=5&rerank=true&explain=3&deadline_ms=5000"
  curl -s "http://127.0.0.1:6566/v1/recommendations/$user?k=5&rerank=true&explain=3&deadline_ms=5000" | explained
done
echo "the same for user 42 again (prefix and explanations cached), then with a 30 ms budget (degraded, not late):"
curl -s -o /dev/null -w "  answered in %{time_total} s\n" "http://127.0.0.1:6566/v1/recommendations/42?k=5&rerank=true&explain=3&deadline_ms=5000"
curl -s "http://127.0.0.1:6566/v1/recommendations/42?k=5&rerank=true&explain=3&deadline_ms=30" | explained
kill $SERVE_PID; wait $SERVE_PID 2>/dev/null || true
cat <<'TRY'

Try next: start the server with `.build/release/pantry serve` (port 6566), then
  curl 'http://127.0.0.1:6566/v1/recommendations/7?k=10&genre=Thriller&year_min=1990'
  curl 'http://127.0.0.1:6566/v1/items/popular?k=5'     curl 'http://127.0.0.1:6566/v1/items/latest?k=5'
  curl 'http://127.0.0.1:6566/v1/search?q=a+detective+mystery+in+the+fog&k=5&genre=Film-Noir'
  curl 'http://127.0.0.1:6566/v1/search?q=funny+animals&user=7&personalization=0.5'
  curl -s -X POST http://127.0.0.1:6566/v1/recommendations -d '{"user": 42, "context": [50], "k": 5}'
  curl 'http://127.0.0.1:6566/v1/recommendations/42?k=10&rerank=true&explain=true&deadline_ms=500'
  curl -s -X POST http://127.0.0.1:6566/v1/recommendations -d '{"context": [50, 181], "k": 5, "explain": 2}'
  curl -s http://127.0.0.1:6566/metrics | grep -E 'pantry_llm|explanation_cache'
  .build/release/pantry rerank --evaluate    # NDCG with and without the LLM rerank (validation and test)
  curl http://127.0.0.1:6566/openapi.yaml              curl -s http://127.0.0.1:6566/metrics | grep -E 'recommend|search'
  out/evaluation.md and out/evaluation.svg: metrics per model and the index's recall–speed curve
TRY
