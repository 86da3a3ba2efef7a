#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang into build/fuzz, writes the
# seed corpora and runs each fuzzer for ZYPHYR_FUZZ_SECONDS (default 60):
#   shard_fuzzer         on build/fuzz/corpus/shard
#   mutation_log_fuzzer  on build/fuzz/corpus/log
# The corpora keep what the fuzzers add, so later runs start from there.
# Exits non-zero when a fuzzer finds a crash; the input that caused it is in
# build/fuzz/artifacts/ (reproduce: build/fuzz/fuzz/<fuzzer> <that file>).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${ZYPHYR_FUZZ_SECONDS:-60}"
jobs="${ZYPHYR_JOBS:-2}"
build=build/fuzz
corpus="$build/corpus"
artifacts="$build/artifacts"

# -O1 with line tables only, as libFuzzer's documentation suggests (and as the
# sanitizer flavours of scripts/build.sh compile).
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
  -DZYPHYR_FUZZ=ON -DZYPHYR_BUILD_TESTS=OFF -DZYPHYR_BUILD_BENCH=OFF -DZYPHYR_WERROR=OFF
cmake --build "$build" -j "$jobs" --target shard_fuzzer mutation_log_fuzzer make_seed_corpus

mkdir -p "$corpus/shard" "$corpus/log" "$artifacts"
"$build/fuzz/make_seed_corpus" "$corpus"

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
run_fuzzer() {
  local name="$1" dir="$2" max_len="$3"
  echo "--- $name: $seconds s on $dir ---"
  if ! "$build/fuzz/$name" "$dir" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -max_len="$max_len" -artifact_prefix="$artifacts/$name-" -print_final_stats=1; then
    echo "fuzz.sh: $name failed; reproducers:" >&2
    ls -l "$artifacts"/"$name"-* >&2 || true
    status=1
  fi
}
# Shard seeds are 20-40 KiB (sections are page-aligned); logs a few hundred bytes.
run_fuzzer shard_fuzzer "$corpus/shard" 65536
run_fuzzer mutation_log_fuzzer "$corpus/log" 4096
exit "$status"
