#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs the whole test suite against real servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
# Release builds must also compile for x86-64 CPUs without AVX-512 (Haswell: AVX2 + FMA); the
# kernels for each CPU tier are picked at run time, so the same sources serve every CPU.
if [ "$(uname -m)" = x86_64 ] && [ $# -eq 0 ]; then
  swift build -c release -Xswiftc -target-cpu -Xswiftc haswell --product pantry --build-path .build/haswell
fi
bash scripts/services.sh up
trap 'bash scripts/services.sh down' EXIT
source .pantry/services.env
if [ $# -gt 0 ]; then
  swift test --skip-build "$@"
else
  # The inference, vector-index, recommender and embedding-job tests are CPU-bound and would starve the server
  # tests' timeouts on a small machine, so the two groups run one after the other.
  swift test --skip-build --skip InferenceTests --skip VectorIndexTests --skip RecommenderTests --skip TextEmbeddingsTests --skip RerankingTests --skip LLMRoutesTests
  swift test --skip-build --filter "InferenceTests|VectorIndexTests|RecommenderTests|TextEmbeddingsTests|RerankingTests|LLMRoutesTests"
  # Once more per other kernel tier this CPU supports (the run above used the best one).
  for tier in $(.build/debug/pantry llm tiers --supported | tail -n +2); do
    echo "== inference and vector-index tests with PANTRY_CPU_TIER=$tier"
    PANTRY_CPU_TIER=$tier swift test --skip-build --filter "InferenceTests|VectorIndexTests"
  done
fi
