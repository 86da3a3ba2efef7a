// DistributedIndex: an index directory searched by P ranks (P = 1 without
// mpirun). Rank r opens only its shards, ShardsOfRank(S, P, r), mapped in
// place with their mutation logs (storage/stored_index.h); rank 0 reads the
// queries, prepares them, routes them (k-means indexes with nprobe) and runs
// the query pipeline (mpi/query_pipeline.h).
//
// Modes:
//   broadcast  (nprobe 0, the default) every shard sees every query; with
//              ef >= the largest shard's size the result equals brute force.
//   routed     each query goes only to the nprobe shards whose centroids are
//              nearest to it (k-means indexes only).
#ifndef ZYPHYR_MPI_DISTRIBUTED_INDEX_H_
#define ZYPHYR_MPI_DISTRIBUTED_INDEX_H_

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mpi/communicator.h"
#include "mpi/query_pipeline.h"
#include "src/core/status.h"
#include "src/index/top_k_merge.h"
#include "storage/index_manifest.h"
#include "storage/stored_index.h"

namespace zyphyr {

struct DistributedSearchOptions {
  std::size_t k = 10;
  std::size_t ef = 64;
  std::size_t rerank = 0;   // Indexes with codes: HnswSearchOptions::rerank (the same on every rank).
  std::size_t nprobe = 0;   // 0: broadcast mode.
  std::size_t batch = 256;  // Queries per batch.
  std::size_t threads = 1;  // Search threads on each rank.
  bool pipelined = true;    // See PipelineOptions::pipelined.
};

struct DistributedSearchResult {
  TopKLists lists;                      // queries x k, reported distances (src/core/metric.h).
  std::vector<double> latency_seconds;  // Per query.
  PipelineTimes times;
  double shards_per_query = 0;  // Shards each query was sent to, on average.
};

class DistributedIndex {
 public:
  // Collective. Errors, the same on every rank: those of ReadManifest;
  // InvalidArgument "<dir> has 2 shards, fewer than the 4 ranks (each rank
  // searches at least one shard; run with at most 2 ranks)"; Corruption
  // "<dir>: the manifest changed while the ranks read it"; the errors of
  // StoredIndex::Open on any rank, e.g. "rank 1: <dir>/shard-0001-g1.zys:
  // truncated: ...".
  // `rerank_rows`: where shards with codes re-rank from (storage/shard.h).
  static Result<std::unique_ptr<DistributedIndex>> Open(Communicator& comm, const std::string& dir,
                                                        std::size_t threads,
                                                        RerankRows rerank_rows = RerankRows::kAuto);

  const IndexManifest& manifest() const { return manifest_; }
  // This rank's part of the index.
  const StoredIndex& local() const { return *local_; }

  // Collective. On rank 0, `queries` holds rows of manifest().dim floats;
  // other ranks pass an empty span. Returns the results on rank 0 (an empty
  // result elsewhere). Errors, the same on every rank: InvalidArgument "k
  // must be at least 1", "--nprobe needs an index built with --partition
  // kmeans (<dir> is partitioned by range)", "query row 3: <PrepareVector's
  // error>"; a rank's search failure "rank 2: ..."; Internal for MPI.
  Result<DistributedSearchResult> Search(std::span<const float> queries, const DistributedSearchOptions& options);

 private:
  DistributedIndex(Communicator& comm) : comm_(comm) {}

  Communicator& comm_;
  std::string dir_;
  IndexManifest manifest_;
  std::unique_ptr<StoredIndex> local_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_MPI_DISTRIBUTED_INDEX_H_
