// HnswGraphView: a read-only window on the link arrays of an HNSW graph (see
// HnswGraph for the layout), wherever they live: an HnswGraph's buffers or a
// memory-mapped shard file. Does not own the arrays; the owner must outlive
// the view. Searches run over views, so one search path serves both.
#ifndef ZYPHYR_SRC_INDEX_HNSW_GRAPH_VIEW_H_
#define ZYPHYR_SRC_INDEX_HNSW_GRAPH_VIEW_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "src/index/compact_links.h"

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
  // Optional: the same links again, compactly (shards with codes, where links
  // are most of what stays resident). When present, searches read only these.
  CompactLinksView compact;

  std::size_t level0_stride() const { return 1 + 2 * M; }

  // The level-0 neighbours of `node`: a pointer to `count` ids, either into
  // the links or, for compact links, into `scratch` (2M entries) after
  // unpacking.
  const std::uint32_t* Level0Neighbors(std::uint32_t node, std::uint32_t* scratch, std::uint32_t* count) const {
    if (!compact.present()) {
      const std::uint32_t* block = Block(node, 0);
      *count = block[0];
      return block + 1;
    }
    *count = compact.Level0(node, scratch);
    return scratch;
  }
  // Where a node's level-0 links are read from, for prefetching.
  const void* Level0Address(std::uint32_t node) const {
    return compact.present() ? static_cast<const void*>(compact.Level0Block(node))
                             : static_cast<const void*>(Block(node, 0));
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
