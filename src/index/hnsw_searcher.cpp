#include "src/index/hnsw_searcher.h"

#include <algorithm>
#include <cmath>

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

// Exact integer distances from one query, converted to the rows' byte type,
// to byte rows.
class ByteScorer {
 public:
  ByteScorer(const std::uint8_t* query, const ByteRowsView& rows, const ByteRowDistance& distance)
      : query_(query), rows_(rows), distance_(distance) {}

  float Distance(std::uint32_t node) const { return distance_(query_, rows_.row(node)); }
  void Prefetch(std::uint32_t node) const { PrefetchRow(rows_.row(node), rows_.stride); }
  void Distances(const std::uint32_t* nodes, std::size_t n, float* out) const {
    for (std::size_t i = 0; i < n; ++i) out[i] = distance_(query_, rows_.row(nodes[i]));
  }

 private:
  const std::uint8_t* query_;
  const ByteRowsView& rows_;
  const ByteRowDistance& distance_;
};

}  // namespace

void QueryToBytes(const float* query, std::size_t dim, std::size_t stride, ElementType type, std::uint8_t* out) {
  const float lo = ElementMin(type);
  const float hi = ElementMax(type);
  for (std::size_t j = 0; j < dim; ++j) {
    const int v = static_cast<int>(std::nearbyint(std::clamp(query[j], lo, hi)));
    out[j] = static_cast<std::uint8_t>(type == ElementType::kInt8 ? static_cast<std::int8_t>(v) : v);
  }
  std::fill(out + dim, out + stride, std::uint8_t{0});
}

HnswSearcher::HnswSearcher(RowsView rows, HnswGraphView graph, const DistanceKernels& kernels)
    : store_(rows),
      graph_(graph),
      distance_(rows.metric, kernels, rows.stride),
      byte_distance_(Metric::kL2, ElementType::kUint8, kernels, 0),
      visited_pool_(rows.size) {}

HnswSearcher::HnswSearcher(ByteRowsView rows, HnswGraphView graph, const DistanceKernels& kernels)
    : byte_rows_(rows),
      graph_(graph),
      distance_(rows.metric, kernels, rows.stride),
      byte_distance_(rows.metric, rows.type, kernels, rows.stride),
      visited_pool_(rows.size) {}

void HnswSearcher::Search(const float* query, std::size_t ef, std::vector<ScoredNode>* out,
                          std::span<const std::uint8_t> excluded) const {
  if (byte_rows_.stride == 0) {  // Float rows.
    SearchGraph(graph_, FloatScorer(query, store_, distance_), ef, excluded, visited_pool_, out);
    return;
  }
  thread_local std::vector<std::uint8_t> bytes;
  bytes.resize(byte_rows_.stride);
  QueryToBytes(query, byte_rows_.dim, byte_rows_.stride, byte_rows_.type, bytes.data());
  SearchGraph(graph_, ByteScorer(bytes.data(), byte_rows_, byte_distance_), ef, excluded, visited_pool_, out);
}

}  // namespace zyphyr
