#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs the whole test suite against real servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
bash scripts/services.sh up
trap 'bash scripts/services.sh down' EXIT
source .pantry/services.env
if [ $# -gt 0 ]; then
  swift test --skip-build "$@"
else
  # The inference and vector-index tests are CPU-bound and would starve the server tests'
  # timeouts on a small machine, so the two groups run one after the other.
  swift test --skip-build --skip InferenceTests --skip VectorIndexTests
  swift test --skip-build --filter "InferenceTests|VectorIndexTests"
fi
