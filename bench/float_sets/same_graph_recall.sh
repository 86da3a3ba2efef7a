#!/usr/bin/env bash
# int8 against float32 recall on the same graph (docs/performance.md, "int8
# re-ranking past the beam"): for each float set (float_sets.sh; the train rows
# of float_sets_run.sh's sets, with 10,000 queries instead of 1,000, made in DIR
# when missing: differences of 0.005 are within the sampling noise of 1,000),
# one float32 and one int8 index built with one thread (a one-thread build is
# deterministic and the graph is built from the float rows under either
# encoding, so both indexes hold the same graph), then recall@10 at every ef
# of the float32 search, of int8 with the default re-rank depth, and of int8
# with the beam alone re-ranked (--rerank 10 at ef 10, 15 above: the default
# before the re-rank reached past the beam). Recall only: the three searches
# run one after the other, timings are not compared.
#
#   bench/float_sets/same_graph_recall.sh [DIR]      (SETS="emb-256-euclidean ..." picks sets)
set -euo pipefail
dir="${1:-same-graph-run}"
zyphyr="${ZYPHYR:-$(cd "$(dirname "$0")/../.." && pwd)/build/release/zyphyr}"
. "$(dirname "$0")/float_sets.sh"
sets="${SETS:-$float_sets_all}"
efs=10,16,24,32,48,64,96,128
mkdir -p "$dir"
cd "$dir"
recalls() {  # INDEX ENGINE EFS [--rerank N]: recall@10 at each ef, space-separated
  local index=$1 engine=$2 ef=$3
  shift 3
  "$zyphyr" bench --data "$name.hdf5" --index "$index" --peers none --ef "$ef" --k 10 --threads 1 "$@" \
    --report "same-graph/$name/report" 2>&1 | awk -v e="$engine" '$1 == e && $2 ~ /^[0-9]+$/ && $3 ~ /^[01]\.[0-9]+$/ {printf " %s", $3}'
}
for name in $sets; do
  [ -f "$name.hdf5" ] || make_float_set "$name" 10000 > /dev/null
  mkdir -p "same-graph/$name"
  for encoding in float32 int8; do
    index="same-graph/$name/$encoding"
    [ -d "$index" ] || "$zyphyr" build --data "$name.hdf5" --index "$index" --encoding "$encoding" --M 16 \
      --ef-construction 200 --threads 1 > /dev/null
  done
  echo "== $name: recall@10 at ef $efs"
  echo "float32:$(recalls "same-graph/$name/float32" zyphyr "$efs")"
  echo "int8:$(recalls "same-graph/$name/int8" zyphyr-int8 "$efs")"
  echo "int8-beam-only:$(recalls "same-graph/$name/int8" zyphyr-int8 10 --rerank 10)$(recalls \
    "same-graph/$name/int8" zyphyr-int8 "${efs#10,}" --rerank 15)"
done
