// HnswSearcher: the read-only search path over a finished graph.
//
// Greedy descent through the upper levels, then a beam search of width ef on
// level 0 (Malkov & Yashunin, Algorithm 2 and 5). Thread-safe: each search
// borrows a visited table from a pool.
#ifndef ZYPHYR_SRC_INDEX_HNSW_SEARCHER_H_
#define ZYPHYR_SRC_INDEX_HNSW_SEARCHER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "src/core/vector_store.h"
#include "src/distance/kernels.h"
#include "src/index/hnsw_graph.h"
#include "src/index/metric_distance.h"
#include "src/index/scored_node.h"
#include "src/index/visited_table.h"

namespace zyphyr {

class HnswSearcher {
 public:
  HnswSearcher(const VectorStore& store, const HnswGraph& graph, const DistanceKernels& kernels);

  // The up-to-ef nearest nodes to `query` (PaddedDim floats, prepared with
  // PrepareVector) that the beam search found, nearest first by internal
  // distance, ties by node. Requires ef >= 1. Empty for an empty graph.
  void Search(const float* query, std::size_t ef, std::vector<ScoredNode>* out) const;

 private:
  const VectorStore& store_;
  const HnswGraph& graph_;
  MetricDistance distance_;
  mutable VisitedPool visited_pool_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_HNSW_SEARCHER_H_
