#!/usr/bin/env bash
# interrupt.sh SIGNAL DIR PATTERN -- COMMAND...
# Starts COMMAND, waits (up to 120 s) until an entry of DIR matches the glob
# PATTERN (what COMMAND is writing), sends it SIGNAL and waits for it to end.
# Prints COMMAND's output, then "exit <status>", then "left: <the entries of
# DIR matching PATTERN>" ("left: nothing" when none). Exits 1 when PATTERN
# never appeared or COMMAND ended before the signal.
set -uo pipefail
signal="$1"
dir="$2"
pattern="$3"
shift 4
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
"$@" >"$log" 2>&1 &
pid=$!
shopt -s nullglob dotglob
for _ in $(seq 2400); do
  matches=("$dir"/$pattern)
  [ ${#matches[@]} -gt 0 ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$log"
    echo "interrupt.sh: the command ended before anything matched $dir/$pattern" >&2
    exit 1
  fi
  sleep 0.05
done
if [ ${#matches[@]} -eq 0 ]; then
  kill -KILL "$pid"
  echo "interrupt.sh: nothing matched $dir/$pattern within 120 s" >&2
  exit 1
fi
kill "-$signal" "$pid"
wait "$pid"
status=$?
cat "$log"
echo "exit $status"
left=("$dir"/$pattern)
if [ ${#left[@]} -eq 0 ]; then echo "left: nothing"; else echo "left: ${left[*]}"; fi
