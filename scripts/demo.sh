#!/usr/bin/env bash
# Sets up, builds (Release) and runs the main job: Fashion-MNIST from Debian's
# dataset-fashion-mnist turned into an ann-benchmarks file with exact ground
# truth (once; reused afterwards), then `zyphyr bench` with Zyphyr, hnswlib and
# FAISS side by side (M 16, efConstruction 200, k 10). The table is printed;
# report.json, report.txt, recall_qps.png and the ann-benchmarks result files
# go to reports/fashion-mnist/. Then the same data as a stored index: built
# once into data/fashion-mnist.idx (a directory of checksummed shard files),
# verified, and searched in place (ef 64), the results written as an
# ann-benchmarks result file. Extra arguments go to `zyphyr bench`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build.sh release >/dev/null
zyphyr=build/release/zyphyr
data=data/fashion-mnist-784-euclidean.hdf5

$zyphyr --version
mkdir -p data
if [ ! -f "$data" ]; then
  $zyphyr dataset fashion-mnist --out "$data"
fi
$zyphyr bench --data "$data" --k 10 --M 16 --ef-construction 200 --report reports/fashion-mnist "$@"

index=data/fashion-mnist.idx
if [ ! -d "$index" ]; then
  $zyphyr build --data "$data" --index "$index" --M 16 --ef-construction 200
fi
$zyphyr verify "$index" | tail -1
$zyphyr search --index "$index" --queries "$data" --k 10 --ef 64 --out reports/fashion-mnist/stored-index-ef64.hdf5
