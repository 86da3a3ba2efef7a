// Test indexes built the one way index directories are built: DistributedBuild
// (mpi/distributed_build.h) on one rank, over rows in memory (ids 0, 1, ...).
#ifndef ZYPHYR_TESTS_BUILDER_ONE_RANK_BUILD_H_
#define ZYPHYR_TESTS_BUILDER_ONE_RANK_BUILD_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "builder/train_rows.h"
#include "mpi/communicator.h"
#include "mpi/distributed_build.h"
#include "src/data/synthetic.h"

namespace zyphyr::testing {

// Parameters to build `shards` shards (0: one per rank) of the ann-benchmarks
// file `data` at `index`, split by `partition`, with a single-threaded HNSW of
// the given M, efConstruction and seed.
inline DistributedBuildParams FileBuildParams(const std::string& data, const std::string& index, std::size_t shards,
                                              const std::string& partition, std::size_t M, std::size_t ef_construction,
                                              std::uint64_t seed) {
  DistributedBuildParams p;
  p.data = data;
  p.index = index;
  p.shards = shards;
  p.partition = partition;
  p.hnsw.M = M;
  p.hnsw.ef_construction = ef_construction;
  p.hnsw.threads = 1;
  p.hnsw.seed = seed;
  return p;
}

// One shard over `rows` (row-major, `dim` floats each) at `dir`, built with
// `params` (its hnsw, quantization; `data` names the rows: the manifest's
// source).
inline Status BuildOnOneRank(const std::string& dir, std::span<const float> rows, std::size_t dim, Metric metric,
                             DistributedBuildParams params = {}) {
  params.index = dir;
  params.rows = InMemoryRows{rows, dim, metric};
  Communicator alone;
  return DistributedBuild(alone, params).status();
}

inline Status BuildOnOneRank(const std::string& dir, const Dataset& data, Metric metric,
                             DistributedBuildParams params = {}) {
  return BuildOnOneRank(dir, data.rows, data.dim, metric, std::move(params));
}

}  // namespace zyphyr::testing

#endif  // ZYPHYR_TESTS_BUILDER_ONE_RANK_BUILD_H_
