#!/usr/bin/env bash
# Sets up, builds (Release) and runs the main job on a small default dataset:
# an HNSW index over generated clustered vectors, with recall@10, QPS and
# latency percentiles per ef. Extra arguments go to `zyphyr demo`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build.sh release >/dev/null
build/release/zyphyr --version
build/release/zyphyr demo "$@"
