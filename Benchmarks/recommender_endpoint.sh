#!/usr/bin/env bash
# The recommendation endpoint under load, as the online benchmark drives the feature lookup:
# `pantry serve` (release build) on loopback with the trained MovieLens model, wrk with one
# thread at 1 and 16 connections, GET /v1/recommendations/{user}?k=10 for random users (live
# profile read from Redis, user factors read online, two HNSW searches, EASE + blend ranking).
# Beside it, the same server's plain online lookup of one feature (the floor of a request that
# touches Redis). Three alternating runs of 10 s; medians.
#   Benchmarks/recommender_endpoint.sh   (after Benchmarks/recommender.sh, or `pantry train movielens`)
set -euo pipefail
cd "$(dirname "$0")/.."
PANTRY=.build/release/pantry
source .pantry/services.env
PORT=16568
DIR=$(mktemp -d)
trap 'kill $SERVE_PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
PANTRY_LOG_LEVEL=warning $PANTRY serve --port $PORT > "$DIR/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null http://127.0.0.1:$PORT/health && break; sleep 0.1; done
cat > "$DIR/recommend.lua" <<'LUA'
math.randomseed(42)
request = function()
  return wrk.format("GET", "/v1/recommendations/" .. math.random(1, 943) .. "?k=10")
end
LUA
cat > "$DIR/lookup.lua" <<'LUA'
math.randomseed(42)
request = function()
  local body = '{"entities": {"user_id": [' .. math.random(1, 943) .. ']}, "features": ["user_als:factors"]}'
  return wrk.format("POST", "/v1/features/online", {["Content-Type"] = "application/json"}, body)
end
LUA
curl -sf "http://127.0.0.1:$PORT/v1/recommendations/1?k=3" > /dev/null || { echo "no trained model served: run pantry train movielens"; cat "$DIR/serve.log"; exit 1; }
source Benchmarks/wrk.sh
for connections in 1 16; do
  wrk -t1 -c"$connections" -d2s -s "$DIR/recommend.lua" "http://127.0.0.1:$PORT" > /dev/null  # warm-up
  : > "$DIR/rec.txt"; : > "$DIR/look.txt"
  for _ in 1 2 3; do
    run recommend "$connections" >> "$DIR/rec.txt"
    run lookup "$connections" >> "$DIR/look.txt"
  done
  read -r r50 p50 p99 < <(median < "$DIR/rec.txt")
  read -r l50 lp50 lp99 < <(median < "$DIR/look.txt")
  echo "recommendations, $connections connection(s): $r50 requests/s  p50 $p50  p99 $p99   (runs: $(cut -d' ' -f1 "$DIR/rec.txt" | paste -sd' '))"
  echo "  beside it, one-feature online lookup: $l50 requests/s  p50 $lp50  p99 $lp99"
done
