// HnswGraph: the links of a hierarchical navigable small world graph, kept
// apart from the vectors (the vectors live in a VectorStore).
//
// Node ids are dense row numbers 0..size()-1 of the store. Every node is on
// level 0; node i is also on levels 1..level(i). Links are stored flat so the
// whole graph is a few contiguous arrays (ready to be written to and mapped
// from a shard file):
//   level 0:     size() blocks of (1 + 2M) uint32: count, then neighbour ids;
//   upper levels: node i owns level(i) blocks of (1 + M) uint32 starting at
//                upper_offset(i) in one pool, block l-1 holding level l.
//
// Thread safety: const methods are safe concurrently once building is done.
// During a build, readers and writers of a node's links must hold that node's
// lock (see HnswBuilder).
#ifndef ZYPHYR_SRC_INDEX_HNSW_GRAPH_H_
#define ZYPHYR_SRC_INDEX_HNSW_GRAPH_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "src/core/aligned_buffer.h"
#include "src/index/hnsw_graph_view.h"

namespace zyphyr {

class HnswGraph {
 public:
  HnswGraph() = default;
  // A graph with no links over nodes whose top levels are given.
  HnswGraph(std::size_t M, std::vector<std::uint8_t> levels);

  HnswGraph(HnswGraph&&) noexcept = default;
  HnswGraph& operator=(HnswGraph&&) noexcept = default;

  std::size_t size() const { return levels_.size(); }
  std::size_t M() const { return M_; }
  // Most links a node keeps on `level`: 2M on level 0, M above.
  std::size_t MaxDegree(int level) const { return level == 0 ? 2 * M_ : M_; }

  int level(std::uint32_t node) const { return levels_[node]; }
  std::span<const std::uint8_t> levels() const { return levels_; }

  // Entry point of searches (kNoNode for an empty graph) and its level.
  std::uint32_t entry_point() const { return entry_point_; }
  int max_level() const { return max_level_; }
  void set_entry_point(std::uint32_t node, int level) {
    entry_point_ = node;
    max_level_ = level;
  }

  // The neighbours of `node` on `level` (level <= level(node)).
  std::span<const std::uint32_t> Neighbors(std::uint32_t node, int level) const {
    const std::uint32_t* block = Block(node, level);
    return {block + 1, block[0]};
  }

  // The count-prefixed block of `node` on `level`; count at [0], capacity
  // MaxDegree(level) ids after it.
  std::uint32_t* MutableBlock(std::uint32_t node, int level) { return const_cast<std::uint32_t*>(Block(node, level)); }
  const std::uint32_t* Block(std::uint32_t node, int level) const {
    if (level == 0) return level0_.data() + static_cast<std::size_t>(node) * level0_stride_;
    return upper_.data() + upper_offsets_[node] + static_cast<std::size_t>(level - 1) * (M_ + 1);
  }

  // The whole graph as a view (valid while this graph lives and is not moved).
  HnswGraphView view() const {
    return {levels_.size(),        M_,           levels_.data(), level0_.data(), upper_.data(),
            upper_offsets_.data(), entry_point_, max_level_,     {}};
  }
  // The upper-level pool and each node's offset into it (for writers).
  std::span<const std::uint32_t> level0() const { return level0_.span(); }
  std::span<const std::uint32_t> upper() const { return upper_; }
  std::span<const std::uint64_t> upper_offsets() const { return upper_offsets_; }

  // Bytes held by links, levels and offsets.
  std::size_t MemoryBytes() const;

 private:
  std::size_t M_ = 0;
  std::size_t level0_stride_ = 0;
  std::vector<std::uint8_t> levels_;
  AlignedBuffer<std::uint32_t> level0_;
  std::vector<std::uint32_t> upper_;
  std::vector<std::uint64_t> upper_offsets_;
  std::uint32_t entry_point_ = kNoNode;
  int max_level_ = -1;
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_HNSW_GRAPH_H_
