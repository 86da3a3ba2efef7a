#!/usr/bin/env bash
# Strong and weak scaling of the distributed engine (mpirun -np P zyphyr
# build / bench --index), on Fashion-MNIST and a synthetic 1,000,000 x 128 set.
#
#   bash bench/mpi/scaling.sh [OUT_DIR]          (default reports/scaling)
#
# strong  the whole dataset, P ranks, P shards (--partition $PARTITION, range
#         by default); with kmeans, routed mode (--nprobe $NPROBE) is measured
#         beside broadcast.
# weak    ROWS_PER_RANK rows per rank: the first P * ROWS_PER_RANK rows of the
#         dataset (zyphyr dataset subset, ground truth recomputed).
# Each rank uses THREADS threads, so P * THREADS > cores means oversubscribed
# (the bench report says so). Every build time and bench report lands in
# OUT_DIR; OUT_DIR/summary.md gathers them into one table.
#
# Environment: RANKS ("1 2 4"), THREADS (1), EF ("16,32,64,128"), K (10),
# FMNIST / SYN (dataset files; made when missing), FMNIST_ROWS_PER_RANK
# (15000), SYN_ROWS_PER_RANK (250000), M (16), EFC (200 F-MNIST, 100 synthetic),
# SETS ("fmnist syn"), ZYPHYR (build/release/zyphyr), MPIRUN (mpirun),
# PARTITION (range), NPROBE (1,2; with kmeans only).
set -euo pipefail
cd "$(dirname "$0")/../.."

out="${1:-reports/scaling}"
ranks="${RANKS:-1 2 4}"
threads="${THREADS:-1}"
ef="${EF:-16,32,64,128}"
k="${K:-10}"
zyphyr="${ZYPHYR:-build/release/zyphyr}"
read -r -a mpirun <<<"${MPIRUN:-mpirun}"
fmnist="${FMNIST:-data/fashion-mnist-784-euclidean.hdf5}"
syn="${SYN:-data/gauss-1m-128-euclidean.hdf5}"
sets="${SETS:-fmnist syn}"
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OMPI_MCA_rmaps_base_oversubscribe=1

mkdir -p "$out/idx" "$out/data" data
builds="$out/builds.tsv"
printf 'set\tscaling\tranks\trows\tbuild_s\n' >"$builds"

if [[ " $sets " == *" fmnist "* ]] && [ ! -f "$fmnist" ]; then "$zyphyr" dataset fashion-mnist --out "$fmnist"; fi
if [[ " $sets " == *" syn "* ]] && [ ! -f "$syn" ]; then
  "$zyphyr" dataset synthetic --n 1000000 --dim 128 --queries 10000 --clusters 100 --seed 42 --out "$syn"
fi

# run NAME SCALING P DATA EFC PARTITION: build on P ranks, then the distributed bench.
run() {
  local name=$1 scaling=$2 p=$3 data=$4 efc=$5 partition=$6
  local routed=()
  if [ "$partition" = kmeans ]; then routed=(--nprobe "${NPROBE:-1,2}"); fi
  local idx="$out/idx/$name-$scaling-$p"
  rm -rf "$idx"
  local line
  line=$("${mpirun[@]}" -np "$p" "$zyphyr" build --data "$data" --index "$idx" --shards "$p" \
    --partition "$partition" --M "${M:-16}" --ef-construction "$efc" --threads "$threads" | tail -1)
  echo "$line"
  local rows seconds
  rows=$(sed -E 's/^built [^:]*: ([0-9]+) x .*/\1/' <<<"$line")
  seconds=$(sed -E 's/.*, ([0-9.]+) s$/\1/' <<<"$line")
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$scaling" "$p" "$rows" "$seconds" >>"$builds"
  "${mpirun[@]}" -np "$p" "$zyphyr" bench --index "$idx" --data "$data" --k "$k" --ef "$ef" --threads "$threads" \
    "${routed[@]}" --report "$out/$name-$scaling-$p"
  rm -rf "$idx"
}

for set in $sets; do
  case $set in
    fmnist) data=$fmnist; per_rank=${FMNIST_ROWS_PER_RANK:-15000}; efc=${EFC:-200} ;;
    syn) data=$syn; per_rank=${SYN_ROWS_PER_RANK:-250000}; efc=${EFC:-100} ;;
    *) echo "scaling.sh: unknown set '$set' (expected fmnist or syn)" >&2; exit 2 ;;
  esac
  for p in $ranks; do run "$set" strong "$p" "$data" "$efc" "${PARTITION:-range}"; done
  for p in $ranks; do
    sub="$out/data/$set-weak-$p.hdf5"
    [ -f "$sub" ] || "$zyphyr" dataset subset --data "$data" --rows $((p * per_rank)) --queries 1000 --out "$sub"
    run "$set" weak "$p" "$sub" "$efc" range
  done
done

python3 bench/mpi/summarize.py "$out" >"$out/summary.md"
cat "$out/summary.md"
