#!/usr/bin/env bash
# The recommendation endpoint's LLM stage under load: `pantry serve` (release build) on loopback
# with the trained MovieLens model and SmolLM2-135M (2 engine threads), wrk with one thread.
#   no LLM            GET /v1/recommendations/{random user}?k=10
#   rerank            … &rerank=true          (20 candidates; random users: the likes prefix is
#                                              usually not cached)
#   rerank, warm      … &rerank=true          (20 users over and over: the prefix is cached)
#   explain           … &explain=3            (random users: explanations not cached)
#   both              … &rerank=true&explain=3
# each at 1 and 4 connections, three runs of 15 s, medians (deadline_ms=10000: nothing is cut, so
# the figures are the full work). LLM throughput: candidates scored and explanations generated
# per second (from /metrics).
# Then: the explanation cache's hit rate on a replay (300 requests of 60 users, Zipf-like), the
# faithfulness of raw generations (pantry explain --sample 200) and NDCG with and without rerank
# (pantry rerank --evaluate, on $RERANK_USERS users per split; 0 = all).
#   Benchmarks/rerank.sh      (= Benchmarks/run.sh rerank)
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/prepare.sh
$PANTRY train movielens | tail -1  # also writes the live profiles online: users must not be cold starts
PORT=16570
serve $PORT --llm-threads 2
reason=$(curl -s "http://127.0.0.1:$PORT/v1/recommendations/1?k=3&rerank=true&deadline_ms=10000" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("degraded_reason"))')
[ "$reason" = None ] || { echo "the LLM stage does not answer (degraded_reason: $reason):"; cat "$DIR/serve.log"; exit 1; }
cold=$(curl -s "http://127.0.0.1:$PORT/v1/recommendations/1?k=3" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cold_start"])')
[ "$cold" = False ] || { echo "user 1 is a cold start: no live profiles online (run bash scripts/demo.sh first)"; exit 1; }
lua() {  # lua NAME QUERY USERS: requests for random users (USERS=random) or 20 users in turn (USERS=warm)
  cat > "$DIR/$1.lua" <<LUA
math.randomseed(os.time() + os.clock() * 1e6)
local i = 0
request = function()
  i = i + 1
  local user = "$3" == "warm" and (i % 20) * 37 + 5 or math.random(1, 943)
  return wrk.format("GET", "/v1/recommendations/" .. user .. "?k=10$2")
end
LUA
}
lua plain "" random
lua rerank "&rerank=true&deadline_ms=10000" random
lua warm "&rerank=true&deadline_ms=10000" warm
lua explain "&explain=3&deadline_ms=10000" random
lua both "&rerank=true&explain=3&deadline_ms=10000" random
source Benchmarks/wrk.sh
counters() {  # candidates scored and explanations generated so far
  curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^pantry_llm_candidates_scored_total/ {c=$2} /^pantry_llm_explanations_generated_total/ {e=$2} END {print c+0, e+0}'
}
runs() {  # runs NAME CONNECTIONS → "requests/s p50 p99 candidates/s explanations/s", medians of three 15 s runs
  : > "$DIR/$1-$2.txt"
  for _ in 1 2 3; do
    local c0 e0 c1 e1 line
    read -r c0 e0 < <(counters)
    line=$(wrk -t1 -c"$2" -d15s --latency -s "$DIR/$1.lua" "http://127.0.0.1:$PORT" 2>&1)
    grep -q "Non-2xx" <<< "$line" && echo "NON-2XX responses in $1" >&2
    read -r c1 e1 < <(counters)
    awk -v c="$((c1 - c0))" -v e="$((e1 - e0))" '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {printf "%s %s %s %.1f %.2f\n", r, p50, p99, c / 15, e / 15}' <<< "$line" >> "$DIR/$1-$2.txt"
  done
  median < "$DIR/$1-$2.txt"
}
echo "load before: $(uptime | sed 's/.*load average: //')"
wrk -t1 -c1 -d3s -s "$DIR/warm.lua" "http://127.0.0.1:$PORT" > /dev/null  # warm-up: cost estimates, warm prefixes
printf "%-18s %5s %12s %10s %10s %14s %16s\n" scenario conns "requests/s" p50 p99 "candidates/s" "explanations/s"
for name in plain rerank warm explain both; do
  for connections in 1 4; do
    read -r rps p50 p99 cps eps < <(runs "$name" "$connections")
    printf "%-18s %5s %12s %10s %10s %14s %16s\n" "$name" "$connections" "$rps" "$p50" "$p99" "$cps" "$eps"
  done
done
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E "^pantry_llm_requests_total" || true
echo
echo "explanation cache on a replay (300 requests of 60 users, user n drawn with weight 1/n):"
python3 - "$PORT" <<'PY'
import json, random, sys, urllib.request
port = sys.argv[1]
def metric(name):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
    return float(next((l.split()[1] for l in text.splitlines() if l.startswith(name + " ")), 0))
rng = random.Random(14)
users = [rng.randrange(1, 944) for _ in range(60)]
weights = [1 / (n + 1) for n in range(60)]
hits0, misses0 = metric("pantry_explanation_cache_hits"), metric("pantry_explanation_cache_misses")
for _ in range(300):
    user = rng.choices(users, weights)[0]
    urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/recommendations/{user}?k=10&explain=3&deadline_ms=10000").read()
hits, misses = metric("pantry_explanation_cache_hits") - hits0, metric("pantry_explanation_cache_misses") - misses0
print(f"  {int(hits)} hits, {int(misses)} misses: hit rate {hits / max(1, hits + misses):.1%}")
PY
kill $SERVE_PID; wait $SERVE_PID 2>/dev/null || true
SERVE_PID=
echo
echo "faithfulness of raw generations (pantry explain --sample 200, report in out/explanations.md):"
$PANTRY explain --sample 200 2>/dev/null | tail -10
echo
echo "NDCG with and without the LLM rerank (pantry rerank --evaluate):"
$PANTRY rerank --evaluate --users "${RERANK_USERS:-200}" 2>/dev/null | tail -12
