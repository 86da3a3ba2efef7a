#!/usr/bin/env bash
# The BIGANN-shaped measurement of docs/billion-scale.md, end to end on one
# machine: a synthetic uint8 set written as big-ann files, exact ground truth
# on 1 and 2 ranks (compared byte for byte), `zyphyr build` on 2 ranks with
# and without int8 codes (peak memory per rank), and recall@10 / QPS at ef
# 16-256 from `zyphyr bench --index` on 2 ranks; then the float32-against-
# uint8 comparison on the first FLOAT_ROWS rows.
#
#   bench/bigann/bigann_run.sh [DIR]       (ROWS=10000000 QUERIES=10000 by default)
#
# Every step's output goes to DIR/logs/<step>.txt; `/usr/bin/time` prints each
# process's wall and CPU seconds and peak resident memory.
set -euo pipefail
dir="${1:-bigann-run}"
rows="${ROWS:-10000000}"
queries="${QUERIES:-10000}"
float_rows="${FLOAT_ROWS:-1000000}"
M="${M:-16}"
efc="${EFC:-100}"
zyphyr="${ZYPHYR:-$(cd "$(dirname "$0")/../.." && pwd)/build/release/zyphyr}"
mpirun=(mpirun --oversubscribe -np 2)
[ "$(id -u)" -eq 0 ] && mpirun+=(--allow-run-as-root)
timed=(/usr/bin/time -f "time: %e s wall, %U s user, %S s sys, peak %M KB")
mkdir -p "$dir/logs"
cd "$dir"
log() { echo "== $1: $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)"; }
step() { local name="$1"; shift; log "$name"; "$@" > "logs/$name.txt" 2>&1; tail -n 3 "logs/$name.txt"; }

[ -f base.u8bin ] || step synthetic "${timed[@]}" "$zyphyr" dataset synthetic --n "$rows" --dim 128 \
  --queries "$queries" --clusters 256 --intrinsic-dim 24 --seed 20 --out base.u8bin --queries-out query.u8bin
step gt-1rank "${timed[@]}" "$zyphyr" dataset groundtruth --data base.u8bin --queries query.u8bin --metric l2 \
  --k 100 --out gt-1rank.ibin --force
step gt-2ranks "${mpirun[@]}" "${timed[@]}" "$zyphyr" dataset groundtruth --data base.u8bin --queries query.u8bin \
  --metric l2 --k 100 --threads 1 --out gt.ibin --force
cmp gt-1rank.ibin gt.ibin && echo "ground truth: 1 and 2 ranks identical" | tee logs/gt-compare.txt
for enc in float32 int8; do
  rm -rf "idx-u8-$enc"
  step "build-u8-$enc" "${mpirun[@]}" "${timed[@]}" "$zyphyr" build --data base.u8bin --metric l2 --encoding "$enc" \
    --M "$M" --ef-construction "$efc" --threads 1 --index "idx-u8-$enc"
  step "bench-u8-$enc" "${mpirun[@]}" "$zyphyr" bench --index "idx-u8-$enc" --data base.u8bin --queries query.u8bin \
    --groundtruth gt.ibin --ef 16,32,64,128,256 --threads 1 --latency-queries 1000 --report "report-u8-$enc"
done
# float32 rows against uint8 rows, on the first FLOAT_ROWS rows (bytes per vector do not depend on the rows).
step "gt-prefix" "$zyphyr" dataset groundtruth --data base.u8bin --queries query.u8bin --metric l2 --k 100 \
  --rows "$float_rows" --out gt-prefix.ibin --force
for type in uint8 float32; do
  rm -rf "idx-prefix-$type"
  step "build-prefix-$type" "${mpirun[@]}" "${timed[@]}" "$zyphyr" build --data base.u8bin --metric l2 --rows "$float_rows" \
    --element-type "$type" --M "$M" --ef-construction "$efc" --threads 1 --index "idx-prefix-$type"
  step "bench-prefix-$type" "${mpirun[@]}" "$zyphyr" bench --index "idx-prefix-$type" --data base.u8bin \
    --queries query.u8bin --groundtruth gt-prefix.ibin --ef 16,32,64,128,256 --threads 1 --latency-queries 1000 \
    --report "report-prefix-$type"
done
log done
