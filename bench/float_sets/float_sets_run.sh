#!/usr/bin/env bash
# Issue 21's float measurements (docs/performance.md, "Float data against the
# newest peers"): Zyphyr with float32 rows and with int8 codes re-ranked from
# memory, against hnswlib 0.8 and usearch 2.26, each engine in its own process
# (`bench --isolate`), ROUNDS rounds in rotation, on float sets that are not
# small integers (float_sets.sh), 1,000 queries each,
# then the same 256-d set with 1 and 2 search threads (issue 21 part 5;
# THREADS=0 leaves it out).
#
#   bench/float_sets/float_sets_run.sh [DIR] [ROUNDS]     (SETS="emb-256 ..." picks sets)
#
# Each set's rounds are in DIR/<set>/rounds.txt (QPS at recall 0.90 / 0.95,
# interpolated, per round, median and best); DIR/logs/<set>.txt has the
# whole output, with the load average before each step.
set -euo pipefail
dir="${1:-float-sets-run}"
rounds="${2:-3}"
zyphyr="${ZYPHYR:-$(cd "$(dirname "$0")/../.." && pwd)/build/release/zyphyr}"
. "$(dirname "$0")/float_sets.sh"
sets="${SETS:-$float_sets_all}"
peers="${PEERS:-hnswlib-0.8,usearch}"
mkdir -p "$dir/logs"
cd "$dir"
log() { echo "== $1: $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)"; }

common=(--M 16 --ef-construction 200 --k 10 --ef 10,16,24,32,48,64,96,128,192,256 --build-threads 2)
for name in $sets; do
  [ -f "$name.hdf5" ] || make_float_set "$name" 1000
  log "$name" | tee "logs/$name.txt"
  "$zyphyr" bench --data "$name.hdf5" --peers "$peers" --encoding float32,int8 "${common[@]}" --threads 1 \
    --isolate --repeat "$rounds" --report "$name" >> "logs/$name.txt" 2>&1
  cat "$name/rounds.txt"
done

# Threads: one process, Zyphyr alone, QPS on 1 thread (1 / mean latency) and on 2.
[ "${THREADS:-1}" = 0 ] && exit 0
log threads | tee logs/threads.txt
for i in 1 2 3; do
  "$zyphyr" bench --data emb-256-euclidean.hdf5 --peers none --encoding float32,int8 "${common[@]}" --threads 2 \
    --report "threads-$i" >> logs/threads.txt 2>&1
done
grep -A12 "QPS" threads-*/report.txt | head -60 || true
