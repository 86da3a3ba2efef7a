// HnswIndex: a VectorStore plus the HNSW graph built over it.
//
// Build, then search. Search is const and thread-safe: any number of threads
// may search one index at once. The index does not change after Build.
#ifndef ZYPHYR_SRC_INDEX_HNSW_INDEX_H_
#define ZYPHYR_SRC_INDEX_HNSW_INDEX_H_

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "src/core/status.h"
#include "src/core/vector_store.h"
#include "src/index/hnsw_graph.h"
#include "src/index/hnsw_options.h"
#include "src/index/hnsw_searcher.h"
#include "src/index/neighbor.h"

namespace zyphyr {

class HnswIndex {
 public:
  // Builds the graph over every row of `store` (which the index then owns).
  // Errors: InvalidArgument for bad options (M outside [2, kMaxM]); the
  // error of ProcessKernels() when ZYPHYR_ISA names an unusable ISA. An empty
  // store gives an empty index.
  static Result<std::unique_ptr<HnswIndex>> Build(VectorStore store, const HnswBuildOptions& options);

  // The k nearest rows to `query` (k from options, fewer when the index holds
  // fewer rows), nearest first, ties broken by id. Errors (InvalidArgument):
  // wrong dimension, NaN/Inf, zero norm under cosine, k == 0.
  Result<std::vector<Neighbor>> Search(std::span<const float> query, const HnswSearchOptions& options) const;

  std::size_t size() const { return store_.size(); }
  std::size_t dim() const { return store_.dim(); }
  Metric metric() const { return store_.metric(); }
  const VectorStore& store() const { return store_; }
  const HnswGraph& graph() const { return graph_; }
  const DistanceKernels& kernels() const { return *kernels_; }

  // Bytes held by vectors, ids and graph.
  std::size_t MemoryBytes() const { return store_.MemoryBytes() + graph_.MemoryBytes(); }

 private:
  HnswIndex(VectorStore store, HnswGraph graph, const DistanceKernels* kernels);

  VectorStore store_;
  HnswGraph graph_;
  const DistanceKernels* kernels_;
  std::unique_ptr<HnswSearcher> searcher_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_HNSW_INDEX_H_
