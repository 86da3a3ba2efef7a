#!/usr/bin/env bash
# mpi_expect.sh NP STATUS REGEX -- COMMAND...
# Runs COMMAND on NP ranks (mpirun --oversubscribe); passes when mpirun exits
# with STATUS, the combined output matches the extended REGEX (grep -E, lines
# joined by '~'), and at most one line starts with "error:" (only rank 0
# reports a failure, once).
set -uo pipefail
np="$1"
want_status="$2"
pattern="$3"
shift 4
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
output="$(timeout 120 mpirun --oversubscribe -np "$np" "$@" 2>&1)"
status=$?
printf '%s\n' "$output"
if [ "$status" -ne "$want_status" ]; then
  echo "mpi_expect.sh: exit status $status, expected $want_status" >&2
  exit 1
fi
errors=$(printf '%s\n' "$output" | grep -c '^error:')
if [ "$errors" -gt 1 ]; then
  echo "mpi_expect.sh: $errors error lines, expected at most one (rank 0's)" >&2
  exit 1
fi
if ! printf '%s' "$output" | tr '\n' '~' | grep -Eq -e "$pattern"; then
  echo "mpi_expect.sh: output does not match: $pattern" >&2
  exit 1
fi
