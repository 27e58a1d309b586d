#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs the whole test suite against real servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
bash scripts/services.sh up
trap 'bash scripts/services.sh down' EXIT
source .pantry/services.env
swift test --skip-build "$@"
