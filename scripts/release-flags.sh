#!/usr/bin/env bash
# Prints the `swift build` flags of a release build for this machine.
#
# By default the build is tuned for this CPU (-target-cpu native). The inference engine's
# integer kernels need AVX-512 (F, BW, VL) with VNNI; on an x86-64 CPU without them they are left
# out (PANTRY_PORTABLE_KERNELS) and the portable SIMD kernels run instead, so the build works on
# any CPU. PANTRY_PORTABLE=1 builds a binary for any x86-64 CPU (no -target-cpu at all), to run
# elsewhere than where it was built. The vector index picks its kernels at run time either way.
set -euo pipefail
flags=(-c release)
if [ "${PANTRY_PORTABLE:-0}" = 1 ]; then
  flags+=(-Xswiftc -DPANTRY_PORTABLE_KERNELS)
else
  flags+=(-Xswiftc -target-cpu -Xswiftc native)
  flags_line=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
  has() { [[ " $flags_line " == *" $1 "* ]]; }
  if [ "$(uname -m)" = x86_64 ] && ! { has avx512f && has avx512bw && has avx512vl && has avx512_vnni; }; then
    flags+=(-Xswiftc -DPANTRY_PORTABLE_KERNELS)
  fi
fi
echo "${flags[@]}"
