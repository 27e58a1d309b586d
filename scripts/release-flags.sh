#!/usr/bin/env bash
# Prints the `swift build` flags of a release build for this machine.
#
# By default the Swift code is tuned for this CPU (-target-cpu native); PANTRY_PORTABLE=1 builds
# a binary for any x86-64 CPU (no -target-cpu at all), to run elsewhere than where it was built.
# Either way the hot kernels (inference: portable/avx2/avxvnni/avx512vnni, vector index:
# portable/avx2/avx512) are chosen at run time by CPU detection, and PANTRY_CPU_TIER forces one.
set -euo pipefail
flags=(-c release)
if [ "${PANTRY_PORTABLE:-0}" != 1 ]; then
  flags+=(-Xswiftc -target-cpu -Xswiftc native)
fi
echo "${flags[@]}"
