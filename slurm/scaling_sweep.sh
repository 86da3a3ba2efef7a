#!/usr/bin/env bash
# Zyphyr scaling sweep: submits one build job (slurm/build_index.sbatch: build,
# verify, distributed bench) per rank count of RANKS, each in an allocation of
# its own size, one after another by default (SERIAL), and one collecting job (slurm/scaling_collect.sbatch) that runs
# after all of them, succeeded or not, and gathers their figures into one
# table and plot. Run it on a login node, from the Zyphyr checkout:
#
#   bash slurm/scaling_sweep.sh                                   (defaults below)
#   RANKS="1 2 4 8 16" THREADS=4 DATA=/scratch/me/sift.hdf5 bash slurm/scaling_sweep.sh --partition=compute
#
# Arguments are passed to every sbatch call (partition, account, time, ...).
# The build jobs take every setting of build_index.sbatch from this
# environment (M, EF_CONSTRUCTION, PARTITION, EF_CHECK, K, NPROBE, LAUNCHER,
# MODULES, ZYPHYR, ...); their indexes are removed once measured (KEEP_INDEX=0).
#
# Output: $OUT_ROOT/zyphyr-sweep-<collecting job id>/
#   zyphyr-build-<job id>/   one per rank count (job.json, bench/, build.log)
#   summary.md, summary.tsv  one row per rank count and ef: build time,
#                            recall@k, QPS, latency, time split, speed-ups
#   summary.json, scaling.png, collect.log
# It prints the job ids, then `SWEEP_DIR=...` and `COLLECT_JOB=...` lines.
set -euo pipefail

# ---- settings ----------------------------------------------------------------
: "${ZYPHYR_HOME:=$PWD}"                  # the Zyphyr checkout (slurm/ scripts are taken from here)
: "${RANKS:=1 2 4}"                       # rank counts, one job each
: "${THREADS:=1}"                         # threads per rank (--cpus-per-task)
: "${OUT_ROOT:=$PWD}"                     # the sweep's folder goes here
: "${SHARDS_PER_RANK:=1}"                 # shards = ranks x this
: "${SERIAL:=1}"                          # 1: one rank count at a time (clean timings on shared nodes);
                                          # 0: all at once (give each its own nodes: --exclusive)
# -----------------------------------------------------------------------------

command -v sbatch >/dev/null || { echo "error: sbatch not found: run this where Slurm's commands are" >&2; exit 1; }
for f in build_index.sbatch scaling_collect.sbatch; do
  [ -f "$ZYPHYR_HOME/slurm/$f" ] || { echo "error: $ZYPHYR_HOME/slurm/$f: no such file (set ZYPHYR_HOME)" >&2; exit 1; }
done

# The collector first, held, so that the folder can carry its job id.
# Its log goes into that folder, made before the job is released.
collect=$(sbatch --parsable --hold --output="$OUT_ROOT/zyphyr-sweep-%j/collect.log" "$@" \
  --export=ALL,ZYPHYR_HOME="$ZYPHYR_HOME",OUT_ROOT="$OUT_ROOT" "$ZYPHYR_HOME/slurm/scaling_collect.sbatch" | cut -d';' -f1)
sweep="$OUT_ROOT/zyphyr-sweep-$collect"
mkdir -p "$sweep"

# Serial: every point has the same name and --dependency=singleton, so Slurm
# starts each only once the one before has ended.
order=()
if [ "$SERIAL" = 1 ]; then order=(--dependency=singleton); fi
points=()
for p in $RANKS; do
  name="zyphyr-sweep-$collect-$p"
  if [ "$SERIAL" = 1 ]; then name="zyphyr-sweep-$collect-point"; fi
  id=$(sbatch --parsable --job-name="$name" "${order[@]}" --ntasks="$p" --cpus-per-task="$THREADS" \
    --output="$sweep/zyphyr-build-%j.log" "$@" \
    --export=ALL,ZYPHYR_HOME="$ZYPHYR_HOME",OUT_ROOT="$sweep",SHARDS=$((p * SHARDS_PER_RANK)),KEEP_INDEX=0 \
    "$ZYPHYR_HOME/slurm/build_index.sbatch" | cut -d';' -f1)
  points+=("$id")
  echo "submitted $p rank(s) x $THREADS thread(s): job $id"
done

deps=$(IFS=:; echo "${points[*]}")
scontrol update JobId="$collect" Dependency="afterany:$deps"
scontrol release "$collect"
echo "collecting job $collect runs after jobs ${points[*]}"
echo "SWEEP_DIR=$sweep"
echo "COLLECT_JOB=$collect"
