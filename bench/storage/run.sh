#!/usr/bin/env bash
# Storage benchmark (issue "Shard files"): for a ~100 MB and a ~2 GB index,
# open time and resident memory right after opening, Zyphyr's shard files
# (mapped, searched in place) against hnswlib's loadIndex (read into memory),
# cold (page cache dropped) and warm; then a search over the large index with
# the process's memory limited (cgroup v1) to a third of its size, compared
# with the same search unlimited.
#
#   bash bench/storage/run.sh [OUT_DIR]      (default reports/storage)
#
# Needs a release build (scripts/build.sh release). Datasets are generated
# into data/ once (synthetic Gaussian mixtures, 128-d). Takes about 15-25
# minutes on 2 cores, most of it building the 3.6M-row indexes.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-reports/storage}"
Z=build/release/zyphyr
SB=build/release/bench/zyphyr_storage_bench
[[ -x "$Z" && -x "$SB" ]] || { echo "error: build first: bash scripts/build.sh release" >&2; exit 2; }
mkdir -p "$OUT" data
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"

# name rows M efC
SETS=("small 200000 16 100" "large 3600000 8 64")

for set in "${SETS[@]}"; do
  read -r name rows M efc <<<"$set"
  data="data/storage-$name-128.hdf5"
  [[ -f "$data" ]] || "$Z" dataset synthetic --n "$rows" --dim 128 --queries 1000 --clusters 64 --k 10 --seed 7 --out "$data"
  idx="$OUT/idx-$name"
  hn="$OUT/hnswlib-$name.bin"
  if [[ ! -d "$idx" ]]; then "$Z" build --data "$data" --index "$idx" --M "$M" --ef-construction "$efc"; fi
  if [[ ! -f "$hn" ]]; then "$SB" hnswlib-save --data "$data" --out "$hn" --M "$M" --ef-construction "$efc" | tee -a "$RESULTS"; fi
  for mode in --cold ""; do
    "$SB" open --index "$idx" $mode | tee -a "$RESULTS"
    "$SB" hnswlib-open --file "$hn" --data "$data" $mode | tee -a "$RESULTS"
  done
  "$SB" open --index "$idx" --queries "$data" --k 10 --ef 64 | tee -a "$RESULTS"
  "$SB" hnswlib-open --file "$hn" --data "$data" --queries "$data" --k 10 --ef 64 | tee -a "$RESULTS"
done

# The large index searched under a memory limit of a third of its size.
CG=/sys/fs/cgroup/memory
large_bytes=$(du -sb "$OUT/idx-large" | cut -f1)
limit=$((large_bytes / 3))
if [[ -w "$CG" ]] && mkdir -p "$CG/zyphyr-bench" 2>/dev/null && echo "$limit" > "$CG/zyphyr-bench/memory.limit_in_bytes"; then
  echo "memory limit: $limit bytes (index $large_bytes bytes)"
  for run in unlimited limited; do
    if [[ $run == limited ]]; then
      bash -c "echo \$\$ > $CG/zyphyr-bench/cgroup.procs && exec $SB open --cold --index $OUT/idx-large --queries data/storage-large-128.hdf5 --k 10 --ef 64" \
        | sed "s/^{/{\"memory_limit_bytes\":$limit,/" | tee -a "$RESULTS"
      echo "hnswlib's loadIndex under the same limit:"
      if bash -c "echo \$\$ > $CG/zyphyr-bench/cgroup.procs && exec $SB hnswlib-open --file $OUT/hnswlib-large.bin --data data/storage-large-128.hdf5" >/dev/null 2>&1; then
        echo '{"engine":"hnswlib","memory_limit_bytes":'"$limit"',"limited_load":"completed"}' | tee -a "$RESULTS"
      else
        echo '{"engine":"hnswlib","memory_limit_bytes":'"$limit"',"limited_load":"killed (exit '$?')"}' | tee -a "$RESULTS"
      fi
      echo "peak memory charged to the cgroup: $(cat $CG/zyphyr-bench/memory.max_usage_in_bytes) bytes"
    else
      "$SB" open --cold --index "$OUT/idx-large" --queries data/storage-large-128.hdf5 --k 10 --ef 64 | tee -a "$RESULTS"
    fi
  done
  rmdir "$CG/zyphyr-bench" 2>/dev/null || true
else
  echo "skipped: no writable cgroup v1 memory controller at $CG (the memory-limited search needs one)"
fi
echo "results: $RESULTS"
