# Shared by the endpoint benchmarks (source it): `run SCRIPT CONNECTIONS` runs wrk with one
# thread for 10 s against $PORT with $DIR/SCRIPT.lua and prints "requests/s p50 p99" (warning
# on non-2xx answers); `median` picks the middle of three such lines by requests/s.
run() {
  local out
  out=$(wrk -t1 -c"$2" -d10s --latency -s "$DIR/$1.lua" "http://127.0.0.1:$PORT" 2>&1)
  if grep -q "Non-2xx" <<< "$out"; then echo "NON-2XX responses in $1" >&2; fi
  awk '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print r, p50, p99}' <<< "$out"
}
median() { sort -n -k1 | sed -n 2p; }
