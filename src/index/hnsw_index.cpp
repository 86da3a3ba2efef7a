#include "src/index/hnsw_index.h"

#include <algorithm>
#include <string>

#include "src/core/aligned_buffer.h"
#include "src/distance/dispatch.h"
#include "src/index/hnsw_builder.h"
#include "src/index/neighbor.h"

namespace zyphyr {

HnswIndex::HnswIndex(VectorStore store, HnswGraph graph, const DistanceKernels* kernels)
    : store_(std::move(store)),
      graph_(std::move(graph)),
      kernels_(kernels),
      searcher_(std::make_unique<HnswSearcher>(store_.rows(), graph_.view(), *kernels_)) {}

Result<std::unique_ptr<HnswIndex>> HnswIndex::Build(VectorStore store, const HnswBuildOptions& options) {
  if (options.M < 2 || options.M > kMaxM) {
    return Status::InvalidArgument("M must be between 2 and " + std::to_string(kMaxM) + ", got " +
                                   std::to_string(options.M));
  }
  if (store.size() >= kNoNode) {
    return Status::InvalidArgument("an index holds at most " + std::to_string(kNoNode - 1) + " vectors, got " +
                                   std::to_string(store.size()));
  }
  Result<const DistanceKernels*> kernels = ProcessKernels();
  if (!kernels.ok()) return kernels.status();

  HnswGraph graph(options.M, DrawLevels(store.size(), options.M, options.seed));
  HnswBuilder(store, &graph, **kernels, options).Run();
  return std::unique_ptr<HnswIndex>(new HnswIndex(std::move(store), std::move(graph), *kernels));
}

Result<std::vector<Neighbor>> HnswIndex::Search(std::span<const float> query, const HnswSearchOptions& options) const {
  if (options.k == 0) return Status::InvalidArgument("k must be at least 1");
  thread_local AlignedBuffer<float> prepared;
  if (prepared.size() < store_.padded_dim()) prepared = AlignedBuffer<float>(store_.padded_dim());
  ZYPHYR_RETURN_IF_ERROR(PrepareVector(query, store_.dim(), store_.metric(), "query", prepared.data()));

  thread_local std::vector<ScoredNode> found;
  searcher_->Search(prepared.data(), EffectiveEf(options), &found);

  std::vector<Neighbor> out;
  out.reserve(found.size());
  for (const ScoredNode& s : found) out.push_back({s.distance, store_.id(s.node)});
  // The k nearest by internal distance (monotone in the reported one), ties
  // by id: a partial sort, since the beam holds ef >= k of them.
  const std::size_t keep = std::min(options.k, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(keep), out.end(), NeighborOrder{});
  out.resize(keep);
  for (Neighbor& n : out) n.distance = ReportedDistance(store_.metric(), n.distance);
  return out;
}

}  // namespace zyphyr
