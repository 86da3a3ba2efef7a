#include "bench/engines/zyphyr_engine.h"

#include <numeric>

#include "src/distance/dispatch.h"

namespace zyphyr {

std::string ZyphyrEngine::description() const {
  Result<const DistanceKernels*> kernels = ProcessKernels();
  std::string isa = kernels.ok() ? std::string(IsaName((*kernels)->isa)) : "none";
  return std::string("zyphyr ") + ZYPHYR_VERSION + " (isa: " + isa + ")";
}

Status ZyphyrEngine::Build(std::span<const float> rows, std::size_t dim, Metric metric,
                           const EngineBuildParams& params) {
  if (dim == 0 || rows.size() % dim != 0) {
    return Status::InvalidArgument("zyphyr engine: rows are not a whole number of vectors of the dimension");
  }
  const std::size_t n = rows.size() / dim;
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

Status ZyphyrEngine::SetEf(std::size_t ef) {
  if (ef == 0) return Status::InvalidArgument("ef must be at least 1");
  ef_ = ef;
  return Status::Ok();
}

Status ZyphyrEngine::Search(std::span<const float> query, std::size_t k, std::vector<std::uint64_t>* ids) const {
  if (!index_) return Status::InvalidArgument("zyphyr engine: search before build");
  Result<std::vector<Neighbor>> found = index_->Search(query, HnswSearchOptions{k, ef_});
  if (!found.ok()) return found.status();
  ids->clear();
  for (const Neighbor& nb : *found) ids->push_back(nb.id);
  return Status::Ok();
}

std::size_t ZyphyrEngine::MemoryBytes() const { return index_ ? index_->MemoryBytes() : 0; }

}  // namespace zyphyr
