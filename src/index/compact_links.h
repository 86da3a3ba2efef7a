// CompactLinks: an HNSW graph's links in as few bytes as a search can read
// them from, for shards whose rows stay on disk (codes searched in place),
// where links are most of what stays resident.
//
// A block is a bit string read little-endian (bit b is bit b % 8 of byte
// b / 8): the neighbour count in c = BitsFor(max degree + 1) bits, then the
// max-degree neighbour numbers as w-bit fields (field j at bits
// [c + j*w, c + (j+1)*w)), unused fields and padding zero; its bytes are
// CompactBlockBytes(max degree, w).
//
// Level 0: one block per node, max degree 2M, w = level0_bits =
// BitsFor(nodes): 20 bits for 1,000,000 nodes, where the uint32 links take 32.
//
// Upper levels: the U nodes above level 0 get local numbers 0..U-1 in node
// order. `upper_nodes` maps local numbers to node numbers, `upper_first[r]`
// is local node r's first block (upper_first[U] = all blocks), and its block
// for level l is upper_first[r] + l - 1. Blocks are as on level 0 with M
// fields of `upper_bits` = BitsFor(U) bits, holding local numbers: the greedy
// descent then never needs a per-node table (the uint64 upper offsets are 8
// bytes per node).
//
// Both block arrays are followed by 8 zero bytes, so that every field is read
// with one unaligned 8-byte load. A view does not own the bytes.
#ifndef ZYPHYR_SRC_INDEX_COMPACT_LINKS_H_
#define ZYPHYR_SRC_INDEX_COMPACT_LINKS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace zyphyr {

struct HnswGraphView;

// Bits of a field that numbers `count` things (0..count-1): at least 1, at
// most 32 (count <= 2^32).
std::uint32_t BitsFor(std::uint64_t count);
// Bytes of a block of up to `max_degree` fields of `bits` bits.
inline std::size_t CompactBlockBytes(std::size_t max_degree, std::uint32_t bits) {
  return (BitsFor(max_degree + 1) + max_degree * bits + 7) / 8;
}
inline constexpr std::size_t kCompactTailBytes = 8;

struct CompactLinksView {
  const std::uint8_t* level0 = nullptr;  // Nodes blocks, then kCompactTailBytes zero bytes.
  std::size_t level0_stride = 0;
  std::uint32_t level0_bits = 0;
  std::uint32_t level0_count_bits = 0;
  std::size_t upper_count = 0;                 // U.
  const std::uint32_t* upper_nodes = nullptr;  // U node numbers, increasing.
  const std::uint32_t* upper_first = nullptr;  // U + 1 block numbers.
  const std::uint8_t* upper = nullptr;         // upper_first[U] blocks, then kCompactTailBytes zero bytes.
  std::size_t upper_stride = 0;
  std::uint32_t upper_bits = 0;
  std::uint32_t upper_count_bits = 0;

  bool present() const { return level0 != nullptr; }

  // The `bits`-bit field at bit `bit` of `block` (bits <= 32; reads 8 bytes).
  static std::uint32_t ReadBits(const std::uint8_t* block, std::size_t bit, std::uint32_t bits) {
    std::uint64_t word;
    std::memcpy(&word, block + bit / 8, sizeof(word));
    return static_cast<std::uint32_t>((word >> (bit % 8)) & ((std::uint64_t{1} << bits) - 1));
  }
  // Unpacks a block into out (room for its maximum degree); returns the count.
  static std::uint32_t Unpack(const std::uint8_t* block, std::uint32_t count_bits, std::uint32_t bits,
                              std::uint32_t* out) {
    const std::uint32_t count = ReadBits(block, 0, count_bits);
    for (std::uint32_t j = 0; j < count; ++j) out[j] = ReadBits(block, count_bits + std::size_t{j} * bits, bits);
    return count;
  }
  std::uint32_t Level0(std::uint32_t node, std::uint32_t* out) const {
    return Unpack(Level0Block(node), level0_count_bits, level0_bits, out);
  }
  std::uint32_t Upper(std::uint32_t local, int level, std::uint32_t* out) const {
    return Unpack(UpperBlock(local, level), upper_count_bits, upper_bits, out);
  }

  const std::uint8_t* Level0Block(std::uint32_t node) const {
    return level0 + static_cast<std::size_t>(node) * level0_stride;
  }
  // Local node r's block for level l >= 1.
  const std::uint8_t* UpperBlock(std::uint32_t local, int level) const {
    return upper + (static_cast<std::size_t>(upper_first[local]) + static_cast<std::size_t>(level - 1)) * upper_stride;
  }
  // The local number of `node`, which must be above level 0.
  std::uint32_t LocalOf(std::uint32_t node) const;
};

// The three byte arrays of a graph's compact links (the layout above); the
// level-0 and upper block arrays include their zero tails.
struct CompactLinksBytes {
  std::vector<std::uint8_t> level0;
  std::vector<std::uint8_t> upper_nodes;  // U u32 node numbers, then U + 1 u32 first blocks.
  std::vector<std::uint8_t> upper;
};
CompactLinksBytes EncodeCompactLinks(const HnswGraphView& graph);

// Byte lengths of the three arrays for a graph of `nodes` nodes, `upper_nodes`
// of them above level 0, with `upper_blocks` upper-level blocks in all.
struct CompactLinksSizes {
  std::uint64_t level0 = 0;
  std::uint64_t upper_nodes = 0;
  std::uint64_t upper = 0;
};
CompactLinksSizes CompactLinksSizesFor(std::uint64_t nodes, std::uint64_t M, std::uint64_t upper_nodes,
                                       std::uint64_t upper_blocks);

// A view of the three arrays (lengths as CompactLinksSizesFor says) for
// `graph`'s shape.
CompactLinksView MakeCompactLinksView(const HnswGraphView& graph, const std::uint8_t* level0,
                                      const std::uint8_t* upper_nodes, std::size_t upper_count,
                                      const std::uint8_t* upper);

// Checks that `view` holds exactly the links of `graph` (whose own arrays
// must be valid), zero tails and unused fields included. Empty when it does;
// otherwise which array is wrong, the byte offset in it, and what is wrong.
struct CompactLinksMismatch {
  int array = 0;  // 0 level 0, 1 upper nodes, 2 upper links.
  std::uint64_t offset = 0;
  std::string what;
};
bool FindCompactLinksMismatch(const HnswGraphView& graph, const CompactLinksView& view, CompactLinksMismatch* out);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_COMPACT_LINKS_H_
