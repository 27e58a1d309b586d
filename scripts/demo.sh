#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs Pantry's main job end to end.
# For now: local services, schema migrations and a health check. Services stay up
# afterwards; stop them with `.build/release/pantry dev down`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release -Xswiftc -target-cpu -Xswiftc native --product pantry
PANTRY=.build/release/pantry
$PANTRY dev up
$PANTRY migrate
$PANTRY migrate --status
$PANTRY health
