// HnswGraphView: a read-only window on the link arrays of an HNSW graph (see
// HnswGraph for the layout), wherever they live: an HnswGraph's buffers or a
// memory-mapped shard file. Does not own the arrays; the owner must outlive
// the view. Searches run over views, so one search path serves both.
#ifndef ZYPHYR_SRC_INDEX_HNSW_GRAPH_VIEW_H_
#define ZYPHYR_SRC_INDEX_HNSW_GRAPH_VIEW_H_

#include <cstddef>
#include <cstdint>
#include <span>

namespace zyphyr {

inline constexpr std::uint32_t kNoNode = 0xFFFFFFFFu;

struct HnswGraphView {
  std::size_t size = 0;                          // Nodes.
  std::size_t M = 0;                             // Links per node above level 0; 2M on level 0.
  const std::uint8_t* levels = nullptr;          // size entries: top level of each node.
  const std::uint32_t* level0 = nullptr;         // size blocks of (1 + 2M): count, ids.
  const std::uint32_t* upper = nullptr;          // Pool of (1 + M) blocks for levels >= 1.
  const std::uint64_t* upper_offsets = nullptr;  // size entries: node's first block in `upper`.
  std::uint32_t entry_point = kNoNode;
  int max_level = -1;
  // Optional: level 0 again, packed (shards with codes, where links are most
  // of what stays resident): size blocks of level0_packed_stride() bytes, a
  // little-endian u16 count, then 2M ids of 3 little-endian bytes each. When
  // set, searches read level 0 from here; it holds exactly what `level0` does.
  const std::uint8_t* level0_packed = nullptr;

  std::size_t level0_stride() const { return 1 + 2 * M; }
  std::size_t level0_packed_stride() const { return 2 + 3 * 2 * M; }
  const std::uint8_t* PackedBlock(std::uint32_t node) const {
    return level0_packed + static_cast<std::size_t>(node) * level0_packed_stride();
  }

  // The level-0 neighbours of `node`: a pointer to `count` ids, either into
  // the links or, for a packed graph, into `scratch` (2M entries) after
  // unpacking.
  const std::uint32_t* Level0Neighbors(std::uint32_t node, std::uint32_t* scratch, std::uint32_t* count) const {
    if (level0_packed == nullptr) {
      const std::uint32_t* block = Block(node, 0);
      *count = block[0];
      return block + 1;
    }
    const std::uint8_t* b = PackedBlock(node);
    const std::uint32_t n = static_cast<std::uint32_t>(b[0]) | (static_cast<std::uint32_t>(b[1]) << 8);
    const std::uint8_t* id = b + 2;
    for (std::uint32_t i = 0; i < n; ++i, id += 3) {
      scratch[i] = static_cast<std::uint32_t>(id[0]) | (static_cast<std::uint32_t>(id[1]) << 8) |
                   (static_cast<std::uint32_t>(id[2]) << 16);
    }
    *count = n;
    return scratch;
  }
  std::size_t MaxDegree(int level) const { return level == 0 ? 2 * M : M; }
  int level(std::uint32_t node) const { return levels[node]; }

  // The count-prefixed block of `node` on `level` (level <= level(node)).
  const std::uint32_t* Block(std::uint32_t node, int level) const {
    if (level == 0) return level0 + static_cast<std::size_t>(node) * level0_stride();
    return upper + upper_offsets[node] + static_cast<std::size_t>(level - 1) * (M + 1);
  }
  std::span<const std::uint32_t> Neighbors(std::uint32_t node, int level) const {
    const std::uint32_t* block = Block(node, level);
    return {block + 1, block[0]};
  }
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_HNSW_GRAPH_VIEW_H_
