#!/usr/bin/env bash
# Waits for Slurm jobs by polling `scontrol show job` (faster than
# `sbatch --wait`), then says how each ended:
#
#   bash slurm/wait_jobs.sh JOBID [JOBID...]
#
# Prints "job ID (NAME): COMPLETED, exit code 0:0, N s" for each job. A job that
# ends otherwise (FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, ... or a non-zero
# exit code) is reported with the last lines of its output file. Exits 0 when
# every job COMPLETED with exit code 0:0, 1 otherwise, 2 on bad usage.
#
# Environment: WAIT_TIMEOUT (seconds, 0 = no limit; a job still pending or
# running then counts as failed, with its state and reason), POLL_SECONDS
# (0.2), LOG_LINES (40).
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: slurm/wait_jobs.sh JOBID [JOBID...]" >&2; exit 2; }
timeout="${WAIT_TIMEOUT:-0}"
poll="${POLL_SECONDS:-0.2}"
log_lines="${LOG_LINES:-40}"
start=$SECONDS

# field RECORD NAME: the value of NAME=... in a one-line scontrol record.
field() {
  local value
  value=$(grep -o -E "(^| )$2=[^ ]*" <<<"$1" | head -n 1) || true
  echo "${value#*=}"
}

status=0
for id in "$@"; do
  while :; do
    if ! record=$(scontrol show job -o "$id" 2>&1); then
      echo "job $id: scontrol cannot show it: $record" >&2
      status=1
      continue 2
    fi
    state=$(field "$record" JobState)
    case "$state" in
      PENDING | CONFIGURING | RUNNING | COMPLETING | SUSPENDED | REQUEUED | RESIZING | SIGNALING | STAGE_OUT) ;;
      *) break ;;
    esac
    if [ "$timeout" != 0 ] && [ $((SECONDS - start)) -ge "$timeout" ]; then
      echo "job $id ($(field "$record" JobName)): still $state after ${timeout} s (reason: $(field "$record" Reason))" >&2
      status=1
      continue 2
    fi
    sleep "$poll"
  done
  exit_code=$(field "$record" ExitCode)
  name=$(field "$record" JobName)
  line="job $id ($name): $state, exit code $exit_code, run time $(field "$record" RunTime)"
  if [ "$state" = COMPLETED ] && [ "$exit_code" = 0:0 ]; then
    echo "$line"
    continue
  fi
  status=1
  echo "$line" >&2
  out=$(field "$record" StdOut)
  if [ -n "$out" ] && [ -f "$out" ]; then
    echo "--- the last $log_lines lines of $out:" >&2
    tail -n "$log_lines" "$out" >&2
    echo "---" >&2
  else
    echo "(no output file at '$out')" >&2
  fi
done
exit $status
