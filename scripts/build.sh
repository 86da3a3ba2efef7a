#!/usr/bin/env bash
# Configures and builds one flavour of Zyphyr into build/<flavour>.
#   scripts/build.sh [release|asan|tsan] [extra cmake args...]
# ZYPHYR_TARGETS (space-separated) builds only those targets (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."

flavour="${1:-release}"
shift || true
sanitizer_flags=("-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG")
case "$flavour" in
  release) args=(-DCMAKE_BUILD_TYPE=Release) ;;
  # The sanitizer flavours compile at -O1 with line tables only (-g1): what the
  # sanitizers' reports need (file:line in every frame), at half the compile
  # time of -O2 -g.
  asan) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "${sanitizer_flags[@]}" -DZYPHYR_SANITIZE=address -DZYPHYR_BUILD_BENCH=OFF) ;;
  tsan) args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "${sanitizer_flags[@]}" -DZYPHYR_SANITIZE=thread -DZYPHYR_BUILD_BENCH=OFF) ;;
  *) echo "build.sh: unknown flavour '$flavour' (expected release, asan or tsan)" >&2; exit 2 ;;
esac

jobs="${ZYPHYR_JOBS:-$(nproc)}"
cmake -S . -B "build/$flavour" -G Ninja -DZYPHYR_WERROR=ON "${args[@]}" "$@"
targets=()
for t in ${ZYPHYR_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "build/$flavour" -j "$jobs" "${targets[@]}"
