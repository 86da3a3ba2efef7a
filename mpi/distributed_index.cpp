#include "mpi/distributed_index.h"

#include <algorithm>
#include <string>

#include "builder/open_index.h"
#include "mpi/shard_assignment.h"
#include "src/core/element_type.h"
#include "src/core/metric.h"
#include "src/core/vector_store.h"
#include "src/partition/kmeans.h"

namespace zyphyr {

Result<std::unique_ptr<DistributedIndex>> DistributedIndex::Open(Communicator& comm, const std::string& dir,
                                                                 std::size_t threads, RerankRows rerank_rows) {
  std::unique_ptr<DistributedIndex> index(new DistributedIndex(comm));
  index->dir_ = dir;
  Result<IndexManifest> manifest = ReadManifest(dir);
  Status st = manifest.status();
  const auto ranks = static_cast<std::size_t>(comm.size());
  if (st.ok() && manifest->shards.size() < ranks) {
    const std::size_t shards = manifest->shards.size();
    st = Status::InvalidArgument(dir + " has " + std::to_string(shards) + " shard" + (shards == 1 ? "" : "s") +
                                 ", fewer than the " + std::to_string(ranks) +
                                 " ranks (each rank searches at least one shard; run with at most " +
                                 std::to_string(shards) + " rank" + (shards == 1 ? "" : "s") + ")");
  }
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(st, Communicator::Blame::kInput));
  index->manifest_ = std::move(*manifest);

  // Every rank must have read the same manifest (a compaction may replace it).
  std::string generation = std::to_string(index->manifest_.generation);
  std::string root_generation = generation;
  ZYPHYR_RETURN_IF_ERROR(comm.Broadcast(&root_generation));
  st = generation == root_generation
           ? Status::Ok()
           : Status::Corruption(dir + ": the manifest changed while the ranks read it (generation " + generation +
                                " here, " + root_generation + " on rank 0); run again");
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(st, Communicator::Blame::kInput));

  StoredIndexOptions options;
  options.threads = threads;
  options.rerank_rows = rerank_rows;
  const IndexRange mine = ShardsOfRank(index->manifest_.shards.size(), ranks, static_cast<std::size_t>(comm.rank()));
  for (std::size_t s = mine.begin; s < mine.end; ++s) options.shards.push_back(s);
  Result<std::unique_ptr<StoredIndex>> local = OpenSearchableIndex(dir, options);
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(local.status()));
  index->local_ = std::move(*local);
  return index;
}

Result<DistributedSearchResult> DistributedIndex::Search(std::span<const float> queries,
                                                         const DistributedSearchOptions& options) {
  const IndexManifest& m = manifest_;
  const std::size_t dim = m.dim;
  const std::size_t stride = PaddedDim(dim);
  std::vector<float> prepared;
  std::vector<std::vector<std::uint32_t>> routes;
  double shards_per_query = static_cast<double>(m.shards.size());
  Status st;
  if (options.k == 0) {
    st = Status::InvalidArgument("k must be at least 1");
  } else if (options.nprobe != 0 && m.partition != "kmeans") {
    st = Status::InvalidArgument("--nprobe needs an index built with --partition kmeans (" + dir_ +
                                 " is partitioned by " + m.partition + ")");
  } else if (comm_.is_root()) {
    const std::size_t n = queries.size() / dim;
    if (queries.size() % dim != 0) {
      st = Status::InvalidArgument("queries: " + std::to_string(queries.size()) +
                                   " floats is not a whole number of rows of dimension " + std::to_string(dim));
    }
    prepared.assign(n * stride, 0.0f);
    for (std::size_t q = 0; q < n && st.ok(); ++q) {
      st = PrepareVector(queries.subspan(q * dim, dim), dim, m.metric, "query row " + std::to_string(q),
                         &prepared[q * stride]);
      // Byte rows are searched with the query in their type.
      if (st.ok()) {
        st = CheckFitsElementType(queries.subspan(q * dim, dim), m.element_type, "query row " + std::to_string(q),
                                  StoresText(m.element_type));
      }
    }
    if (st.ok() && options.nprobe != 0) {
      std::vector<float> centroids;
      for (const ManifestShard& s : m.shards) centroids.insert(centroids.end(), s.centroid.begin(), s.centroid.end());
      const std::size_t probe = std::min(options.nprobe, m.shards.size());
      routes.resize(n);
      for (std::size_t q = 0; q < n; ++q) {
        routes[q] = NearestCentroids(std::span<const float>(&prepared[q * stride], dim), centroids, dim, probe);
      }
      shards_per_query = static_cast<double>(probe);
    }
  }
  ZYPHYR_RETURN_IF_ERROR(comm_.Agree(st, Communicator::Blame::kInput));

  PipelineOptions pipeline;
  pipeline.k = options.k;
  pipeline.ef = options.ef;
  pipeline.batch = std::max<std::size_t>(1, options.batch);
  pipeline.threads = options.threads;
  pipeline.pipelined = options.pipelined;
  pipeline.stride = stride;
  pipeline.shards = m.shards.size();
  const StoredIndex& local = *local_;
  const std::size_t rerank = options.rerank;
  LocalSearch search = [&local, rerank](const float* query, std::span<const std::uint32_t> shards, std::size_t k,
                                        std::size_t ef, std::vector<Neighbor>* out) {
    thread_local std::vector<std::size_t> only;
    only.assign(shards.begin(), shards.end());
    return local.SearchPrepared(query, HnswSearchOptions{k, ef, rerank}, only, out);
  };
  Result<PipelineResult> run = RunQueryPipeline(comm_, prepared, routes, pipeline, search);
  if (!run.ok()) return run.status();
  DistributedSearchResult result;
  result.lists = std::move(run->lists);
  for (std::size_t i = 0; i < result.lists.ids.size(); ++i) {
    if (result.lists.ids[i] != kNoId) result.lists.distances[i] = ReportedDistance(m.metric, result.lists.distances[i]);
  }
  result.latency_seconds = std::move(run->latency_seconds);
  result.times = run->times;
  result.shards_per_query = shards_per_query;
  return result;
}

}  // namespace zyphyr
