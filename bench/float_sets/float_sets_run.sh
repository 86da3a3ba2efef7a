#!/usr/bin/env bash
# Issue 21's float measurements (docs/performance.md, "Float data against the
# newest peers"): Zyphyr with float32 rows and with int8 codes re-ranked from
# memory, against hnswlib 0.8 and usearch 2.26, each engine in its own process
# (`bench --isolate`), ROUNDS rounds in rotation, on float sets that are not
# small integers:
#   emb-256-euclidean       100,000 x 256, 64 clusters each spanning a random
#                           32-dimensional subspace plus noise (embedding-like)
#   glove-like-100-angular  200,000 x 100, 16 isotropic clusters, cosine
#                           (GloVe's shape and metric, and about its difficulty:
#                           recall 0.95 needs ef near 100)
#   clustered-100-angular   200,000 x 100, 256 clusters in 24-dimensional
#                           subspaces, cosine (an easy set: 0.94 at ef 10)
#   gist-like-960-euclidean  50,000 x 960, 32 clusters in 64-dimensional
#                           subspaces (GIST's dimension)
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
sets="${SETS:-emb-256-euclidean glove-like-100-angular gist-like-960-euclidean clustered-100-angular}"
zyphyr="${ZYPHYR:-$(cd "$(dirname "$0")/../.." && pwd)/build/release/zyphyr}"
peers="${PEERS:-hnswlib-0.8,usearch}"
mkdir -p "$dir/logs"
cd "$dir"
log() { echo "== $1: $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)"; }

make_set() {
  case "$1" in
    emb-256-euclidean) set -- --n 100000 --dim 256 --queries 1000 --clusters 64 --intrinsic-dim 32 --seed 7 ;;
    glove-like-100-angular) set -- --n 200000 --dim 100 --queries 1000 --clusters 16 --metric cosine --seed 11 ;;
    clustered-100-angular) set -- --n 200000 --dim 100 --queries 1000 --clusters 256 --intrinsic-dim 24 --metric cosine --seed 11 ;;
    gist-like-960-euclidean) set -- --n 50000 --dim 960 --queries 1000 --clusters 32 --intrinsic-dim 64 --seed 13 ;;
    *) echo "unknown set $1" >&2; exit 2 ;;
  esac
  "$zyphyr" dataset synthetic "$@" --out "$name.hdf5"
}

common=(--M 16 --ef-construction 200 --k 10 --ef 10,16,24,32,48,64,96,128,192,256 --build-threads 2)
for name in $sets; do
  [ -f "$name.hdf5" ] || make_set "$name"
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
