#include "bench/engines/zyphyr_engine.h"

#include <numeric>

#include "src/distance/dispatch.h"

namespace zyphyr {

std::string ZyphyrEngine::description() const {
  Result<const DistanceKernels*> kernels = ProcessKernels();
  std::string isa = kernels.ok() ? std::string(IsaName((*kernels)->isa)) : "none";
  return std::string("zyphyr ") + ZYPHYR_VERSION + " (isa: " + isa + ")";
}

std::string ZyphyrEngine::note() const {
  if (index_dir_.empty()) return {};
  return "stored index " + index_dir_ + " searched in place; build time is the time to open it";
}

Status ZyphyrEngine::DoBuild(std::span<const float> rows, std::size_t dim, Metric metric,
                             const EngineBuildParams& params) {
  const std::size_t n = rows.size() / dim;
  if (!index_dir_.empty()) {
    StoredIndexOptions open_options;
    open_options.threads = params.threads;
    Result<std::unique_ptr<StoredIndex>> stored = StoredIndex::Open(index_dir_, open_options);
    if (!stored.ok()) return stored.status();
    const StoredIndex& s = **stored;
    if (s.dim() != dim || s.metric() != metric || s.live_rows() != n) {
      return Status::InvalidArgument(index_dir_ + ": the index holds " + std::to_string(s.live_rows()) + " x " +
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
  HnswBuildOptions options;
  options.M = params.M;
  options.ef_construction = params.ef_construction;
  options.threads = params.threads;
  options.seed = params.seed;
  options.progress = params.progress;
  Result<std::unique_ptr<HnswIndex>> index = HnswIndex::Build(std::move(store), options);
  if (!index.ok()) return index.status();
  index_ = std::move(*index);
  return Status::Ok();
}

Status ZyphyrEngine::DoSearch(std::span<const float> query, std::size_t k, std::size_t ef,
                              std::vector<std::uint64_t>* ids) const {
  Result<std::vector<Neighbor>> found =
      stored_ ? stored_->Search(query, HnswSearchOptions{k, ef}) : index_->Search(query, HnswSearchOptions{k, ef});
  if (!found.ok()) return found.status();
  for (const Neighbor& nb : *found) ids->push_back(nb.id);
  return Status::Ok();
}

std::size_t ZyphyrEngine::MemoryBytes() const {
  if (stored_) {
    std::size_t bytes = 0;
    for (const ManifestShard& shard : stored_->manifest().shards) bytes += shard.bytes;
    return bytes;
  }
  return index_ ? index_->MemoryBytes() : 0;
}

}  // namespace zyphyr
