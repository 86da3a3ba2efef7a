#!/usr/bin/env bash
# Sets up, builds (Release) and runs the main job: Fashion-MNIST from Debian's
# dataset-fashion-mnist turned into an ann-benchmarks file with exact ground
# truth (once; reused afterwards), then
#   1. `zyphyr bench`: Zyphyr, hnswlib (Debian 0.6.2 and npm 0.8), usearch and FAISS side by side in one process (the npm peers where setup could fetch them)
#      (M 16, efConstruction 200, k 10); the table is printed and
#      report.json, report.txt, recall_qps.png and the ann-benchmarks result
#      files go to reports/fashion-mnist/. Extra arguments go to this bench.
#   2. The same data across 2 MPI ranks: `mpirun -np 2 zyphyr build` splits it
#      into 2 k-means partitions, one shard file per rank, in
#      data/fashion-mnist-2ranks.idx (once); `zyphyr verify` checks it;
#      `mpirun -np 2 zyphyr search` writes an ann-benchmarks result file; and
#      `mpirun -np 2 zyphyr bench --index` measures broadcast mode (every
#      shard sees every query) and routed mode (--nprobe 1: each query goes
#      to the shard of its nearest centroid), with the time split into
#      scatter, search, gather and merge (reports/fashion-mnist-2ranks/).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build.sh release >/dev/null
zyphyr=build/release/zyphyr
data=data/fashion-mnist-784-euclidean.hdf5
# Open MPI refuses to start as root unless told this is intended.
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
# --oversubscribe: 2 ranks even on a machine with fewer cores.
mpirun=(mpirun --oversubscribe -np 2)

$zyphyr --version
mkdir -p data
if [ ! -f "$data" ]; then
  $zyphyr dataset fashion-mnist --out "$data"
fi
$zyphyr bench --data "$data" --k 10 --M 16 --ef-construction 200 --report reports/fashion-mnist "$@"

index=data/fashion-mnist-2ranks.idx
mkdir -p reports/fashion-mnist-2ranks
if [ ! -d "$index" ]; then
  "${mpirun[@]}" $zyphyr build --data "$data" --index "$index" --shards 2 --partition kmeans --M 16 --ef-construction 200
fi
$zyphyr verify "$index" | tail -1
"${mpirun[@]}" $zyphyr search --index "$index" --queries "$data" --k 10 --ef 64 \
  --out reports/fashion-mnist-2ranks/search-ef64.hdf5
"${mpirun[@]}" $zyphyr bench --index "$index" --data "$data" --k 10 --ef 10,16,32,64,128 --nprobe 1 \
  --report reports/fashion-mnist-2ranks
