# Shared start of the endpoint benchmarks (source it from the repository root): sets up, builds
# the release `pantry`, starts the local services, makes $DIR (removed on exit) and defines
# `serve PORT [ARGS...]`, which starts `pantry serve` in the background ($SERVE_PID, stopped on
# exit; log in $DIR/serve.log) and waits until /health answers.
bash scripts/setup.sh >/dev/null
swift build $(bash scripts/release-flags.sh) --product pantry
PANTRY=.build/release/pantry
PANTRY_BIN=$PANTRY bash scripts/services.sh up >/dev/null
source .pantry/services.env
DIR=$(mktemp -d)
SERVE_PID=
trap 'if [ -n "$SERVE_PID" ]; then kill $SERVE_PID 2>/dev/null || true; fi; rm -rf "$DIR"' EXIT
serve() {
  local port=$1
  shift
  PANTRY_LOG_LEVEL=warning $PANTRY serve --port "$port" "$@" > "$DIR/serve.log" 2>&1 &
  SERVE_PID=$!
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/health" && return 0; sleep 0.1; done
  echo "pantry serve did not start:"; cat "$DIR/serve.log"; return 1
}
