#!/usr/bin/env bash
# The search endpoint under load: `pantry serve` (release build) on loopback with the trained
# MovieLens model and its text index, wrk with one thread.
#   new queries   GET /v1/search?q=<five random words>&k=10: every request is a cache miss
#                 (the query is encoded by the built-in sentence encoder, then searched)
#   cache hits    the same 20 queries over and over (answered from the semantic cache's exact level)
# At 1 and 2 connections (this machine has two cores; encoding is CPU work), three runs of 10 s
# each, medians. Then the semantic-cache replays (`pantry search --replay`) of paraphrases and
# of surface variants.
#   Benchmarks/search.sh      (= Benchmarks/run.sh search)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/prepare.sh
# The text embeddings and a model version with the text index (incremental: quick when done).
$PANTRY job run Jobs/embed_movie_text.yaml
$PANTRY train movielens | tail -1  # also writes the live profiles online: users must not be cold starts
PORT=16569
serve $PORT --llm none
curl -sf "http://127.0.0.1:$PORT/v1/search?q=toys&k=1" > /dev/null || { echo "search does not answer:"; curl -s "http://127.0.0.1:$PORT/v1/search?q=toys&k=1"; cat "$DIR/serve.log"; exit 1; }
cat > "$DIR/new.lua" <<'LUA'
local words = {"heartwarming", "animated", "film", "about", "toys", "space", "war", "love", "story", "dark", "comedy",
  "family", "friends", "music", "crime", "detective", "western", "horror", "vampire", "musical", "romantic", "city",
  "night", "adventure", "dinosaurs", "prison", "escape", "time", "travel", "spy"}
math.randomseed(os.time() + os.clock() * 1e6)
request = function()
  local q = {}
  for i = 1, 5 do q[i] = words[math.random(1, #words)] end
  return wrk.format("GET", "/v1/search?k=10&q=" .. table.concat(q, "+"))
end
LUA
cat > "$DIR/hits.lua" <<'LUA'
local queries = {"animated+toys", "space+war", "romantic+comedy", "horror+vampire", "western", "detective+mystery",
  "musical", "crime+thriller", "family+comedy", "war+drama", "science+fiction", "prison+escape", "time+travel",
  "spy+thriller", "dinosaurs", "boxing", "documentary", "high+school", "love+story", "film+noir"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/v1/search?k=10&q=" .. queries[i % #queries + 1])
end
LUA
source Benchmarks/wrk.sh
echo "load before: $(uptime | sed 's/.*load average: //')"
for connections in 1 2; do
  wrk -t1 -c"$connections" -d2s -s "$DIR/hits.lua" "http://127.0.0.1:$PORT" > /dev/null  # warm-up, fills the cache
  : > "$DIR/new.txt"; : > "$DIR/hits.txt"
  for _ in 1 2 3; do
    run new "$connections" >> "$DIR/new.txt"
    run hits "$connections" >> "$DIR/hits.txt"
  done
  read -r n50 np50 np99 < <(median < "$DIR/new.txt")
  read -r h50 hp50 hp99 < <(median < "$DIR/hits.txt")
  echo "search, new queries (encoded), $connections connection(s): $n50 requests/s  p50 $np50  p99 $np99   (runs: $(cut -d' ' -f1 "$DIR/new.txt" | paste -sd' '))"
  echo "search, cache hits,             $connections connection(s): $h50 requests/s  p50 $hp50  p99 $hp99"
done
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E "^pantry_search" || true
echo
echo "semantic cache on paraphrases (Benchmarks/search_paraphrases.txt):"
$PANTRY search --replay Benchmarks/search_paraphrases.txt
echo
echo "semantic cache on surface variants (Benchmarks/search_variants.txt):"
$PANTRY search --replay Benchmarks/search_variants.txt
