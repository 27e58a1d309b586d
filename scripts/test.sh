#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs the whole test suite against real servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
# Release builds must also compile for x86-64 CPUs without AVX-512 (Haswell: AVX2 + FMA), with
# the portable inference kernels, as scripts/release-flags.sh chooses on such a CPU.
if [ "$(uname -m)" = x86_64 ] && [ $# -eq 0 ]; then
  swift build -c release -Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -DPANTRY_PORTABLE_KERNELS \
    --product pantry --build-path .build/haswell
fi
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
