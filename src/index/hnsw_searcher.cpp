#include "src/index/hnsw_searcher.h"

#include "src/index/graph_search.h"
#include "src/index/hnsw_options.h"

namespace zyphyr {

namespace graph_search_internal {

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

}  // namespace graph_search_internal

namespace {

// Full-precision distances from one prepared query to rows, through the
// batched kernel.
class FloatScorer {
 public:
  FloatScorer(const float* query, const RowsView& rows, const MetricDistance& distance)
      : query_(query), rows_(rows), distance_(distance), row_bytes_(rows.stride * sizeof(float)) {}

  float Distance(std::uint32_t node) const { return distance_(query_, rows_.row(node)); }
  void Prefetch(std::uint32_t node) const { PrefetchRow(rows_.row(node), row_bytes_); }
  void Distances(const std::uint32_t* nodes, std::size_t n, float* out) const {
    const float* rows[2 * kMaxM];
    for (std::size_t i = 0; i < n; ++i) rows[i] = rows_.row(nodes[i]);
    distance_.Batch(query_, rows, n, out);
  }

 private:
  const float* query_;
  const RowsView& rows_;
  const MetricDistance& distance_;
  std::size_t row_bytes_;
};

}  // namespace

HnswSearcher::HnswSearcher(RowsView rows, HnswGraphView graph, const DistanceKernels& kernels)
    : store_(rows), graph_(graph), distance_(rows.metric, kernels, rows.stride), visited_pool_(rows.size) {}

void HnswSearcher::Search(const float* query, std::size_t ef, std::vector<ScoredNode>* out,
                          std::span<const std::uint8_t> excluded) const {
  SearchGraph(graph_, FloatScorer(query, store_, distance_), ef, excluded, visited_pool_, out);
}

}  // namespace zyphyr
