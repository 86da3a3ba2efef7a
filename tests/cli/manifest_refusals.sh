#!/usr/bin/env bash
# manifest_refusals.sh ZYPHYR INDEX COPY QUERIES EDIT...
# Copies the index directory INDEX to COPY and edits the copy: each EDIT is a
# Python statement run in order, with `j` the manifest (parsed JSON, written
# back afterwards), `d` the copy's path and `shutil` imported. Then runs
# `zyphyr verify`, `zyphyr info`, `zyphyr search` and `mpirun -np 2 zyphyr
# search` on the copy, and prints a line for each:
#   "<verify|info|search|mpirun>: exit <status>, <n> error lines: <the first>"
set -uo pipefail
zyphyr="$1"
index="$2"
copy="$3"
queries="$4"
shift 4
rm -rf "$copy" "$copy.hdf5" && cp -r "$index" "$copy" || exit 1
/usr/bin/python3 - "$copy" "$@" <<'EOF' || exit 1
import json, shutil, sys
d = sys.argv[1]
path = d + "/manifest.json"
with open(path) as f:
    j = json.load(f)
for statement in sys.argv[2:]:
    exec(statement)
with open(path, "w") as f:
    json.dump(j, f, indent=2)
EOF
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run() {
  local name="$1"
  shift
  local output status
  output="$("$@" 2>&1)"
  status=$?
  printf '%s: exit %d, %d error lines: %s\n' "$name" "$status" "$(printf '%s\n' "$output" | grep -c '^error:')" \
    "$(printf '%s\n' "$output" | grep -m1 '^error:')"
}
search=(search --index "$copy" --queries "$queries" --k 10 --ef 64 --threads 1 --out "$copy.hdf5")
run verify "$zyphyr" verify "$copy"
run info "$zyphyr" info "$copy"
run search "$zyphyr" "${search[@]}"
run mpirun timeout 120 mpirun --oversubscribe -np 2 "$zyphyr" "${search[@]}"
