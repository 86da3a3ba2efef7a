#!/usr/bin/env bash
# Sets up, builds from scratch and runs the whole test suite (each stage's
# header gives the time it started):
#   1. Release build: the GoogleTest suite in one process (label suite), the
#      tests that run distance kernels again under each other ISA the host
#      supports (label isa: ZYPHYR_ISA=scalar|avx2|avx512; others report
#      skipped), the command-line, MPI and peer tests, and the Slurm jobs
#      (slurm/), submitted to a real one-node Slurm that the test starts
#      (tests/slurm/slurm_jobs_test.sh).
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build (clang): the GoogleTest
#      suite in four shards (label shards), the command-line and MPI tests.
#   (The per-test entries, label unit, are for developers' `ctest -R`.)
#   3. ThreadSanitizer build (clang): the concurrency tests.
#   4. libFuzzer: each fuzz target for ZYPHYR_FUZZ_SECONDS (default 20 here; scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "=== setup ($(date -u +%T)) ==="
bash scripts/setup.sh
rm -rf build/release build/asan build/tsan

export CTEST_OUTPUT_ON_FAILURE=1
jobs="${ZYPHYR_JOBS:-$(nproc)}"

echo "=== release build ($(date -u +%T)) ==="
bash scripts/build.sh release
ctest --test-dir build/release -j "$jobs" --timeout 900 -LE 'unit|shards'

echo "=== AddressSanitizer + UBSan build ($(date -u +%T)) ==="
bash scripts/build.sh asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan -j "$jobs" --timeout 900 -LE 'isa|slurm|suite|unit'

echo "=== ThreadSanitizer build (concurrency tests) ($(date -u +%T)) ==="
# The concurrency tests are all in zyphyr_tests; only the files defining them are compiled.
concurrency_tests='Concurrent|MultiThreaded|Structurally|Progress|ProcessKernels|BruteForce'
ZYPHYR_TARGETS=zyphyr_tests bash scripts/build.sh tsan "-DZYPHYR_TEST_REGEX=$concurrency_tests"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions="$PWD/tests/tsan.supp" \
  ctest --test-dir build/tsan -j "$jobs" --timeout 900 -R "$concurrency_tests"

echo "=== fuzzing (libFuzzer) ($(date -u +%T)) ==="
ZYPHYR_FUZZ_SECONDS="${ZYPHYR_FUZZ_SECONDS:-20}" bash scripts/fuzz.sh
echo "=== done ($(date -u +%T)) ==="
