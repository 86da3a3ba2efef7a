// HnswBuilder: inserts every row of a VectorStore into an HnswGraph.
//
// Follows Malkov & Yashunin, "Efficient and robust approximate nearest
// neighbor search using Hierarchical Navigable Small World graphs", IEEE TPAMI
// 2018: levels drawn from a geometric distribution with mL = 1/ln(M); greedy
// descent to the new node's top level; on each level below, a beam search of
// width efConstruction (Algorithm 2), neighbours chosen by the heuristic of
// Algorithm 4 up to the level's degree bound (M above level 0, 2M on level 0),
// and back-links from them, shrunk with the same heuristic when a neighbour
// exceeds its degree bound.
//
// The paper (and hnswlib) choose M neighbours on level 0 too, leaving the
// other M slots to back-links, which the last nodes inserted rarely receive.
// Choosing up to 2M, as FAISS's HNSW does, gives every node a full level-0
// block when the heuristic finds that many directions: searches reach a
// recall at a smaller ef. Measured (docs/performance.md, "Level-0 links up to
// 2M"): QPS at equal recall +2% to +11% on five sets, for a build up to 30%
// longer.
//
// Insertion order. Nodes with upper levels (1 in M) go first, in index
// order; they alone make the upper levels, which are then final. Each
// remaining node's greedy descent is done once, up front, giving its start on
// level 0 and the node it reached on each level; the remaining nodes are then
// inserted sorted by those paths (top level first), so consecutive insertions
// search the same region of space and find its rows and links still in cache
// (what that gains: docs/performance.md).
//
// Threads insert nodes concurrently. Each node's link blocks are rewritten
// under a one-byte spin lock (never two at once, so no lock order is needed).
// Readers, by far the most frequent (a beam search expands thousands of nodes
// per insertion), take no lock: blocks are read and written as relaxed
// atomics, every slot only ever holds a valid node number and counts are
// clamped to the degree bound, so a read racing a rewrite sees a mix of the
// old and new links, all real nodes, which is as good a view of a graph
// under construction as the lock gave. The entry point is guarded by a
// mutex, held through the whole insertion of a node that raises the top
// level.
//
// Beside each level-0 block the builder keeps the distances of its links, so
// pruning a full block (the most frequent step after the beam search) needs
// no distance to its current links. Distances come from BuildDistance: exact
// byte codes for 8-bit data under l2, the float rows otherwise.
#ifndef ZYPHYR_SRC_INDEX_HNSW_BUILDER_H_
#define ZYPHYR_SRC_INDEX_HNSW_BUILDER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "src/core/vector_store.h"
#include "src/distance/kernels.h"
#include "src/index/build_distance.h"
#include "src/index/hnsw_graph.h"
#include "src/index/hnsw_options.h"
#include "src/index/scored_node.h"

namespace zyphyr {

// The top level of each of `count` nodes: floor(-ln(U) * mL), U uniform in
// (0, 1], mL = 1 / ln(M), capped at 63. Deterministic for a seed.
std::vector<std::uint8_t> DrawLevels(std::size_t count, std::size_t M, std::uint64_t seed);

class HnswBuilder {
 public:
  // `graph` must have been made over store.size() nodes with levels from
  // DrawLevels; both must outlive the builder.
  HnswBuilder(const VectorStore& store, HnswGraph* graph, const DistanceKernels& kernels,
              const HnswBuildOptions& options);

  // Inserts nodes 0..size()-1 (in the order above) with options.threads
  // threads.
  void Run();

 private:
  struct Scratch;

  void Insert(std::uint32_t node, Scratch& scratch);
  // Levels from_level down to 0 of an insertion: beam search from `current`,
  // neighbour selection and links on each.
  void LinkLevels(std::uint32_t node, ScoredNode current, int from_level, Scratch& scratch);
  // The searches of an insertion, from the node being inserted (`query`).
  ScoredNode GreedyClosest(std::uint32_t query, ScoredNode start, int level, Scratch& scratch);
  void SearchLayer(std::uint32_t query, ScoredNode entry, int level, Scratch& scratch);
  void SelectNeighbors(std::uint32_t base, const std::vector<ScoredNode>& sorted, std::size_t max_count,
                       std::vector<ScoredNode>* selected) const;
  // Writes scratch.selected as the links of the node being inserted, merged
  // with any links other threads gave it meanwhile.
  void SetOwnLinks(std::uint32_t node, int level, Scratch& scratch);
  // Appends (distance from `base`, node) for `count` nodes to scratch.pruning,
  // with one batched distance call.
  void AppendScored(std::uint32_t base, const std::uint32_t* nodes, std::size_t count, Scratch& scratch);
  void Link(std::uint32_t from, std::uint32_t to, float distance, int level, Scratch& scratch);
  // Copies the links of `node` on `level` into scratch.links (without a lock,
  // see above); returns their count.
  std::size_t CopyLinks(std::uint32_t node, int level, Scratch& scratch);
  // A block's count as a lock-free reader may use it: at most the degree bound.
  std::uint32_t ReadCount(const std::uint32_t* block, int level) const;

  // The distance from `node` to each of its level-0 links, in block order
  // (2M slots). Kept beside the graph while building, so a full block is
  // pruned without recomputing them; guarded by the node's lock.
  float* Level0Distances(std::uint32_t node) {
    return level0_distances_.get() + static_cast<std::size_t>(node) * 2 * options_.M;
  }
  // Writes `links` into a count-prefixed block and, when `cached` is not
  // null, their distances into it. Under the node's write lock.
  static void WriteBlock(std::uint32_t* block, float* cached, const std::vector<ScoredNode>& links);

  // The write lock of a node's blocks and cached distances.
  void Lock(std::uint32_t node);
  void Unlock(std::uint32_t node);

  const VectorStore& store_;
  HnswGraph* graph_;
  BuildDistance distance_;
  HnswBuildOptions options_;
  std::size_t ef_construction_;
  std::unique_ptr<std::atomic_flag[]> locks_;
  std::unique_ptr<float[]> level0_distances_;
  std::mutex entry_mutex_;
  std::atomic<std::size_t> inserted_{0};
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_HNSW_BUILDER_H_
