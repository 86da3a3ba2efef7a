#!/usr/bin/env bash
# The shipped Slurm jobs (slurm/), submitted unchanged to a real one-node
# Slurm started for this test (scripts/local_slurm.sh), as a user would:
#   1. build_index.sbatch on 2 ranks (srun --mpi=pmix, k-means partition,
#      routed bench): COMPLETED 0:0, recall in its report, result file, plot;
#   2. query_bench.sbatch on that index, ranks started by mpirun;
#   3. scaling_sweep.sh over 1 and 2 ranks: one table with both rank counts;
#   4. failures seen as failures, with their logs: a missing dataset, a
#      truncated dataset (zyphyr's own error), a sweep whose builds all fail.
# The cluster is torn down on every exit path.
#
#   tests/slurm/slurm_jobs_test.sh ZYPHYR_BINARY
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
zyphyr=$(realpath "${1:?usage: slurm_jobs_test.sh ZYPHYR_BINARY}")
work=$(mktemp -d /tmp/zyphyr-slurm-test.XXXXXX)
chmod 755 "$work" # munged wants every folder above its socket open to all
cluster="$work/cluster"

teardown() {
  bash "$repo/scripts/local_slurm.sh" down "$cluster" || true
  rm -rf "$work"
}
trap teardown EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Ports of their own, so that a Slurm already on this machine is not disturbed.
export SLURMCTLD_PORT=$((17000 + ($$ % 1000) * 2)) SLURMD_PORT=$((17001 + ($$ % 1000) * 2))
cluster_env=$(bash "$repo/scripts/local_slurm.sh" up "$cluster" 4) || fail "the local Slurm did not start"
eval "$cluster_env"
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export WAIT_TIMEOUT=240 ZYPHYR="$zyphyr" ZYPHYR_HOME="$repo"

data="$work/syn-16.hdf5"
"$zyphyr" dataset synthetic --n 3000 --dim 16 --queries 100 --clusters 8 --seed 7 --out "$data" >/dev/null

# expect_completed ID: what the jobs are judged by, read from scontrol itself.
expect_completed() {
  local record
  record=$(scontrol show job -o "$1")
  grep -q ' JobState=COMPLETED ' <<<"$record" || fail "job $1 did not complete: $record"
  grep -q ' ExitCode=0:0 ' <<<"$record" || fail "job $1 exit code: $record"
}

# recall_at_least REPORT_JSON MIN: the best recall of the bench report is >= MIN.
recall_at_least() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
best = max(r["recall"] for r in runs)
print(f"{sys.argv[1]}: best recall {best:.4f} over {len(runs)} runs")
sys.exit(0 if best >= float(sys.argv[2]) else 1)
EOF
}

# is_hdf5 FILE: FILE starts with HDF5's signature, \x89 H D F.
is_hdf5() { [ "$(head -c 4 "$1" | tail -c 3)" = HDF ]; }

cd "$work"

echo "=== 1. build job: 2 ranks by srun --mpi=pmix, k-means partition"
build=$(DATA="$data" PARTITION=kmeans EF_CHECK=16,64 NPROBE=1 M=12 EF_CONSTRUCTION=100 \
  sbatch --parsable --ntasks=2 --cpus-per-task=1 "$repo/slurm/build_index.sbatch")
bash "$repo/slurm/wait_jobs.sh" "$build" || fail "build job $build"
expect_completed "$build"
out="$work/zyphyr-build-$build"
cat "zyphyr-build-$build.log"
grep -q "^built $out/index: 3000 x 16, .* 2 shards (kmeans partition) on 2 ranks" "zyphyr-build-$build.log" \
  || fail "build line missing"
grep -q "^ok: $out/index" "$out/verify.txt" || fail "verify did not pass"
grep -qE "recall@10 (0\.9[5-9]|1\.0)" "$out/search.log" || fail "search recall below 0.95: $(cat "$out/search.log")"
recall_at_least "$out/bench/report.json" 0.95 || fail "build job's bench recall"
grep -q '"mode": "routed"' "$out/bench/report.json" || fail "no routed (nprobe 1) run in the report"
is_hdf5 "$out/results.hdf5" || fail "results.hdf5 is not an HDF5 file"
[ -s "$out/bench/recall_qps.png" ] || fail "no plot"
python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert j['ranks']==2 and j['rows']==3000 and j['launcher']=='srun', j" \
  "$out/job.json" || fail "job.json"

echo "=== 2. query job on that index: 2 ranks by mpirun"
query=$(INDEX="$out/index" DATA="$data" LAUNCHER=mpirun EF=16,32,64 RESULTS_EF="16 64" LATENCY_QUERIES=50 \
  sbatch --parsable --ntasks=2 "$repo/slurm/query_bench.sbatch")
bash "$repo/slurm/wait_jobs.sh" "$query" || fail "query job $query"
expect_completed "$query"
qout="$work/zyphyr-query-$query"
cat "zyphyr-query-$query.log"
recall_at_least "$qout/bench/report.json" 0.95 || fail "query job's recall"
for ef in 16 64; do is_hdf5 "$qout/results-ef$ef.hdf5" || fail "results-ef$ef.hdf5 missing"; done
grep -qE "recall@10 (0\.9[5-9]|1\.0)" "$qout/search-ef64.log" || fail "query search recall"
[ -s "$qout/bench/recall_qps.png" ] || fail "no plot"

echo "=== 3. scaling sweep over 1 and 2 ranks"
sweep_out=$(DATA="$data" RANKS="1 2" EF_CHECK=16,32 M=12 EF_CONSTRUCTION=100 bash "$repo/slurm/scaling_sweep.sh")
echo "$sweep_out"
collect=$(sed -n 's/^COLLECT_JOB=//p' <<<"$sweep_out")
sweep=$(sed -n 's/^SWEEP_DIR=//p' <<<"$sweep_out")
bash "$repo/slurm/wait_jobs.sh" "$collect" || fail "sweep collector $collect"
expect_completed "$collect"
cat "$sweep/summary.md"
python3 - "$sweep/summary.json" <<'EOF' || fail "sweep table"
import json, sys
s = json.load(open(sys.argv[1]))
rows = s["rows"]
assert s["failed_jobs"] == [], s["failed_jobs"]
assert sorted({r["ranks"] for r in rows}) == [1, 2], rows
assert len(rows) == 4, rows  # 2 rank counts x 2 ef
assert all(r["recall"] >= 0.9 and r["qps"] > 0 and r["build_s"] >= 0 for r in rows), rows
assert s.get("failed_jobs") == [], s
print("sweep table: ranks", sorted({r["ranks"] for r in rows}), "recall", [round(r["recall"], 3) for r in rows])
EOF
[ -s "$sweep/scaling.png" ] || fail "no scaling plot"
# SERIAL (the default): the second rank count started only once the first had ended.
mapfile -t points < <(sed -n 's/^submitted .*: job //p' <<<"$sweep_out")
first_end=$(scontrol show job -o "${points[0]}" | grep -o 'EndTime=[^ ]*' | cut -d= -f2)
second_start=$(scontrol show job -o "${points[1]}" | grep -o 'StartTime=[^ ]*' | cut -d= -f2)
[[ "$second_start" > "$first_end" || "$second_start" == "$first_end" ]] \
  || fail "sweep points overlapped: ${points[1]} started $second_start, ${points[0]} ended $first_end"
for point in "$sweep"/zyphyr-build-*/; do [ ! -e "${point}index" ] || fail "sweep left ${point}index behind"; done

echo "=== 4. failures are seen as failures, with their logs"
# expect_failed ID PATTERN: wait_jobs.sh reports the job failed and shows PATTERN from its log.
expect_failed() {
  local shown
  if shown=$(bash "$repo/slurm/wait_jobs.sh" "$1" 2>&1); then fail "job $1 was reported as succeeded: $shown"; fi
  echo "$shown"
  grep -q "job $1 (.*): FAILED, exit code 1:0" <<<"$shown" || fail "job $1 not reported FAILED"
  grep -qF -- "$2" <<<"$shown" || fail "job $1's log not shown (expected '$2')"
  scontrol show job -o "$1" | grep -q ' JobState=FAILED ' || fail "scontrol does not say FAILED for job $1"
}
missing=$(DATA="$work/no-such.hdf5" sbatch --parsable "$repo/slurm/build_index.sbatch")
expect_failed "$missing" "error: DATA=$work/no-such.hdf5: no such file"
head -c 20000 "$data" >"$work/truncated.hdf5"
truncated=$(DATA="$work/truncated.hdf5" sbatch --parsable "$repo/slurm/build_index.sbatch")
expect_failed "$truncated" "error: $work/truncated.hdf5: cannot open: truncated file"
[ ! -e "$work/zyphyr-build-$truncated/index" ] || fail "a failed build left an index"
no_index=$(INDEX="$work/nowhere" DATA="$data" sbatch --parsable "$repo/slurm/query_bench.sbatch")
expect_failed "$no_index" "error: INDEX=$work/nowhere: not an index directory (no manifest.json)"
bad_sweep=$(DATA="$work/no-such.hdf5" RANKS="1 2" bash "$repo/slurm/scaling_sweep.sh")
bad_collect=$(sed -n 's/^COLLECT_JOB=//p' <<<"$bad_sweep")
expect_failed "$bad_collect" "left no figures"

echo "PASS: slurm jobs"
