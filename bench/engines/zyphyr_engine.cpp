#include "bench/engines/zyphyr_engine.h"

#include <numeric>

#include "builder/open_index.h"
#include "mpi/communicator.h"
#include "mpi/distributed_build.h"
#include "src/distance/dispatch.h"
#include "src/index/quantized_searcher.h"

namespace zyphyr {

std::string ZyphyrEngine::description() const {
  Result<const DistanceKernels*> kernels = ProcessKernels();
  std::string isa = kernels.ok() ? std::string(IsaName((*kernels)->isa)) : "none";
  return std::string("zyphyr ") + ZYPHYR_VERSION + " (isa: " + isa + ")";
}

std::string ZyphyrEngine::note() const {
  const std::string rerank = config_.rerank != 0 ? std::to_string(config_.rerank)
                                                 : std::string(DefaultRerankText(config_.quantization.encoding));
  if (!config_.index_dir.empty()) {
    return "stored index " + config_.index_dir + " searched in place (codes re-ranked " + rerank +
           " deep when it has them); build time is the time to open it";
  }
  if (config_.quantization.encoding != Encoding::kFloat32) {
    if (stored_ && stored_->shard_count() > 0 && stored_->shard(0).rerank_from_memory()) {
      return std::string(EncodingName(config_.quantization.encoding)) + " codes searched in place from " +
             config_.build_dir + ", " + rerank +
             " candidates re-ranked with rows read from the mapping; index MiB = the codes, compact links, quantizer "
             "and rows searches keep in memory (the uint32 links stay in the file)";
    }
    return std::string(EncodingName(config_.quantization.encoding)) + " codes searched in place from " +
           config_.build_dir + ", " + rerank +
           " candidates re-ranked with rows read from the shard file (pread); index MiB = the codes, compact links "
           "and quantizer searches keep in memory (the rows and uint32 links stay in the file)";
  }
  return {};
}

Status ZyphyrEngine::DoBuild(std::span<const float> rows, std::size_t dim, Metric metric,
                             const EngineBuildParams& params) {
  const std::size_t n = rows.size() / dim;
  HnswBuildOptions options;
  options.M = params.M;
  options.ef_construction = params.ef_construction;
  options.threads = params.threads;
  options.seed = params.seed;
  options.progress = params.progress;
  std::string dir = config_.index_dir;
  if (dir.empty() && config_.quantization.encoding != Encoding::kFloat32) {
    // The one way to build an index directory: the distributed build, here
    // on one rank over the rows in memory.
    DistributedBuildParams build;
    build.data = "zyphyr bench";
    build.rows = InMemoryRows{rows, dim, metric, params.element_type};
    build.index = config_.build_dir;
    build.hnsw = options;
    build.quantization = config_.quantization;
    Communicator alone;
    Result<DistributedBuildReport> built = DistributedBuild(alone, build);
    if (!built.ok()) return built.status();
    dir = config_.build_dir;
  }
  if (!dir.empty()) {
    StoredIndexOptions open_options;
    open_options.threads = params.threads;
    open_options.rerank_rows = config_.rerank_rows;
    Result<std::unique_ptr<StoredIndex>> stored = OpenSearchableIndex(dir, open_options);
    if (!stored.ok()) return stored.status();
    const StoredIndex& s = **stored;
    if (s.dim() != dim || s.metric() != metric || s.live_rows() != n) {
      return Status::InvalidArgument(dir + ": the index holds " + std::to_string(s.live_rows()) + " x " +
                                     std::to_string(s.dim()) + " (" + std::string(MetricName(s.metric())) +
                                     "), the data has " + std::to_string(n) + " x " + std::to_string(dim) + " (" +
                                     std::string(MetricName(metric)) + ")");
    }
    stored_ = std::move(*stored);
    return Status::Ok();
  }
  VectorStore store(dim, metric);
  store.Reserve(n);
  std::vector<std::uint64_t> ids(n);
  std::iota(ids.begin(), ids.end(), 0);
  ZYPHYR_RETURN_IF_ERROR(store.AddBatch(ids, rows));
  Result<std::unique_ptr<HnswIndex>> index = HnswIndex::Build(std::move(store), options);
  if (!index.ok()) return index.status();
  index_ = std::move(*index);
  return Status::Ok();
}

Status ZyphyrEngine::DoSearch(std::span<const float> query, std::size_t k, std::size_t ef,
                              std::vector<std::uint64_t>* ids) const {
  Result<std::vector<Neighbor>> found = stored_ ? stored_->Search(query, HnswSearchOptions{k, ef, config_.rerank})
                                                : index_->Search(query, HnswSearchOptions{k, ef});
  if (!found.ok()) return found.status();
  for (const Neighbor& nb : *found) ids->push_back(nb.id);
  return Status::Ok();
}

std::size_t ZyphyrEngine::MemoryBytes() const {
  if (stored_) return stored_->SearchBytes();
  return index_ ? index_->MemoryBytes() : 0;
}

}  // namespace zyphyr
