#!/usr/bin/env bash
# expect.sh STATUS REGEX -- COMMAND...
# Runs COMMAND; passes when it exits with STATUS and its combined output
# matches the extended REGEX (grep -E, across lines joined by '~').
set -uo pipefail
want_status="$1"
pattern="$2"
shift 3
output="$("$@" 2>&1)"
status=$?
printf '%s\n' "$output"
if [ "$status" -ne "$want_status" ]; then
  echo "expect.sh: exit status $status, expected $want_status" >&2
  exit 1
fi
if ! printf '%s' "$output" | tr '\n' '~' | grep -Eq -e "$pattern"; then
  echo "expect.sh: output does not match: $pattern" >&2
  exit 1
fi
