// HnswSearcher: the read-only full-precision search path over a finished
// graph: SearchGraph (src/index/graph_search.h) with float32 distances, over
// views, so the rows and links may be on the heap or in a memory-mapped shard.
// Thread-safe: each search borrows a visited table from a pool.
#ifndef ZYPHYR_SRC_INDEX_HNSW_SEARCHER_H_
#define ZYPHYR_SRC_INDEX_HNSW_SEARCHER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "src/core/rows_view.h"
#include "src/distance/kernels.h"
#include "src/index/byte_row_distance.h"
#include "src/index/hnsw_graph_view.h"
#include "src/index/metric_distance.h"
#include "src/index/scored_node.h"
#include "src/index/visited_table.h"

namespace zyphyr {

class HnswSearcher {
 public:
  // `rows` and `graph` cover the same nodes; what they point to must outlive
  // the searcher.
  HnswSearcher(RowsView rows, HnswGraphView graph, const DistanceKernels& kernels);
  // Over rows stored as bytes (uint8 or int8; not cosine): each query is
  // converted to the rows' type (QueryToBytes) and distances come from the
  // exact integer kernels (ByteRowDistance).
  HnswSearcher(ByteRowsView rows, HnswGraphView graph, const DistanceKernels& kernels);

  // The up-to-ef nearest nodes to `query` (PaddedDim floats, prepared with
  // PrepareVector) that the beam search found, nearest first by internal
  // distance, ties by node. Requires ef >= 1. Empty for an empty graph.
  // When ef >= the number of nodes every node is scanned instead: the result
  // is then exact (every node, in order).
  //
  // `excluded`, when not empty, has one entry per node: nodes marked in it
  // (deleted ones) are walked through like any other but never returned.
  void Search(const float* query, std::size_t ef, std::vector<ScoredNode>* out,
              std::span<const std::uint8_t> excluded = {}) const;

 private:
  RowsView store_;
  ByteRowsView byte_rows_;  // Stride 0 unless the rows are bytes.
  HnswGraphView graph_;
  MetricDistance distance_;
  ByteRowDistance byte_distance_;
  mutable VisitedPool visited_pool_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_HNSW_SEARCHER_H_
