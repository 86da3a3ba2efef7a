#include "src/index/compact_links.h"

#include <algorithm>
#include <bit>

#include "src/index/hnsw_graph_view.h"

namespace zyphyr {
namespace {

// ORs `value` (< 2^bits) into the bit string at `bit` (8 readable bytes there).
void WriteBits(std::uint8_t* block, std::size_t bit, std::uint32_t bits, std::uint32_t value) {
  std::uint64_t word;
  std::memcpy(&word, block + bit / 8, sizeof(word));
  word |= (static_cast<std::uint64_t>(value) & ((std::uint64_t{1} << bits) - 1)) << (bit % 8);
  std::memcpy(block + bit / 8, &word, sizeof(word));
}

// Writes a block of `links` into `block` (stride bytes plus 8 writable, zero
// on entry), each link mapped through `number`.
template <typename Number>
void EncodeBlock(std::span<const std::uint32_t> links, std::uint32_t count_bits, std::uint32_t bits, Number number,
                 std::uint8_t* block) {
  WriteBits(block, 0, count_bits, static_cast<std::uint32_t>(links.size()));
  for (std::size_t j = 0; j < links.size(); ++j) WriteBits(block, count_bits + j * bits, bits, number(links[j]));
}

std::vector<std::uint32_t> UpperNodes(const HnswGraphView& graph) {
  std::vector<std::uint32_t> nodes;
  for (std::uint32_t i = 0; i < graph.size; ++i) {
    if (graph.level(i) > 0) nodes.push_back(i);
  }
  return nodes;
}

}  // namespace

std::uint32_t BitsFor(std::uint64_t count) {
  return count <= 2 ? 1u : static_cast<std::uint32_t>(std::bit_width(count - 1));
}

std::uint32_t CompactLinksView::LocalOf(std::uint32_t node) const {
  return static_cast<std::uint32_t>(std::lower_bound(upper_nodes, upper_nodes + upper_count, node) - upper_nodes);
}

CompactLinksSizes CompactLinksSizesFor(std::uint64_t nodes, std::uint64_t M, std::uint64_t upper_nodes,
                                       std::uint64_t upper_blocks) {
  CompactLinksSizes sizes;
  sizes.level0 = nodes * CompactBlockBytes(2 * M, BitsFor(nodes)) + kCompactTailBytes;
  sizes.upper_nodes = (2 * upper_nodes + 1) * sizeof(std::uint32_t);
  sizes.upper = upper_blocks * CompactBlockBytes(M, BitsFor(upper_nodes)) + kCompactTailBytes;
  return sizes;
}

CompactLinksView MakeCompactLinksView(const HnswGraphView& graph, const std::uint8_t* level0,
                                      const std::uint8_t* upper_nodes, std::size_t upper_count,
                                      const std::uint8_t* upper) {
  CompactLinksView v;
  v.level0 = level0;
  v.level0_bits = BitsFor(graph.size);
  v.level0_count_bits = BitsFor(2 * graph.M + 1);
  v.level0_stride = CompactBlockBytes(2 * graph.M, v.level0_bits);
  v.upper_count = upper_count;
  v.upper_nodes = reinterpret_cast<const std::uint32_t*>(upper_nodes);
  v.upper_first = v.upper_nodes + upper_count;
  v.upper = upper;
  v.upper_bits = BitsFor(upper_count);
  v.upper_count_bits = BitsFor(graph.M + 1);
  v.upper_stride = CompactBlockBytes(graph.M, v.upper_bits);
  return v;
}

CompactLinksBytes EncodeCompactLinks(const HnswGraphView& graph) {
  const std::vector<std::uint32_t> nodes = UpperNodes(graph);
  std::vector<std::uint32_t> first(nodes.size() + 1, 0);
  for (std::size_t r = 0; r < nodes.size(); ++r) first[r + 1] = first[r] + static_cast<std::uint32_t>(graph.level(nodes[r]));
  const CompactLinksSizes sizes = CompactLinksSizesFor(graph.size, graph.M, nodes.size(), first.back());

  CompactLinksBytes out;
  out.level0.assign(sizes.level0, 0);
  out.upper_nodes.resize(sizes.upper_nodes);
  out.upper.assign(sizes.upper, 0);
  if (!nodes.empty()) std::memcpy(out.upper_nodes.data(), nodes.data(), nodes.size() * sizeof(std::uint32_t));
  std::memcpy(out.upper_nodes.data() + nodes.size() * sizeof(std::uint32_t), first.data(),
              first.size() * sizeof(std::uint32_t));
  const CompactLinksView v =
      MakeCompactLinksView(graph, out.level0.data(), out.upper_nodes.data(), nodes.size(), out.upper.data());

  const auto same = [](std::uint32_t id) { return id; };
  for (std::uint32_t i = 0; i < graph.size; ++i) {
    EncodeBlock(graph.Neighbors(i, 0), v.level0_count_bits, v.level0_bits, same, out.level0.data() + i * v.level0_stride);
  }
  const auto local = [&v](std::uint32_t id) { return v.LocalOf(id); };
  for (std::uint32_t r = 0; r < nodes.size(); ++r) {
    for (int level = 1; level <= graph.level(nodes[r]); ++level) {
      EncodeBlock(graph.Neighbors(nodes[r], level), v.upper_count_bits, v.upper_bits, local,
                  out.upper.data() + (static_cast<std::size_t>(first[r]) + level - 1) * v.upper_stride);
    }
  }
  return out;
}

bool FindCompactLinksMismatch(const HnswGraphView& graph, const CompactLinksView& v, CompactLinksMismatch* out) {
  const auto fail = [out](int array, std::uint64_t offset, std::string what) {
    *out = {array, offset, std::move(what)};
    return true;
  };
  // Upper nodes: exactly the nodes above level 0, in order, and their blocks.
  std::size_t r = 0;
  std::uint64_t blocks = 0;
  for (std::uint32_t i = 0; i < graph.size; ++i) {
    if (graph.level(i) == 0) continue;
    if (r >= v.upper_count || v.upper_nodes[r] != i) {
      return fail(1, r * 4, "upper node " + std::to_string(r) + " should be node " + std::to_string(i));
    }
    if (v.upper_first[r] != blocks) {
      return fail(1, (v.upper_count + r) * 4,
                  "upper node " + std::to_string(r) + " starts at block " + std::to_string(v.upper_first[r]) +
                      ", expected " + std::to_string(blocks));
    }
    blocks += static_cast<std::uint64_t>(graph.level(i));
    ++r;
  }
  if (r != v.upper_count || v.upper_first[r] != blocks) {
    return fail(1, (v.upper_count + r) * 4, "the upper nodes do not match the levels");
  }

  // Blocks: each one byte for byte what encoding the links gives.
  std::vector<std::uint8_t> expected(std::max(v.level0_stride, v.upper_stride) + kCompactTailBytes);
  const auto check = [&](std::span<const std::uint32_t> links, std::uint32_t count_bits, std::uint32_t bits,
                         auto number, const std::uint8_t* got, std::size_t stride) {
    std::fill(expected.begin(), expected.end(), std::uint8_t{0});
    EncodeBlock(links, count_bits, bits, number, expected.data());
    return std::memcmp(expected.data(), got, stride) == 0;
  };
  const auto same = [](std::uint32_t id) { return id; };
  for (std::uint32_t i = 0; i < graph.size; ++i) {
    if (!check(graph.Neighbors(i, 0), v.level0_count_bits, v.level0_bits, same, v.Level0Block(i), v.level0_stride)) {
      return fail(0, std::uint64_t{i} * v.level0_stride,
                  "node " + std::to_string(i) + "'s links differ from its level-0 links");
    }
  }
  const auto local = [&v](std::uint32_t id) { return v.LocalOf(id); };
  for (std::uint32_t q = 0; q < v.upper_count; ++q) {
    const std::uint32_t node = v.upper_nodes[q];
    for (int level = 1; level <= graph.level(node); ++level) {
      if (!check(graph.Neighbors(node, level), v.upper_count_bits, v.upper_bits, local, v.UpperBlock(q, level),
                 v.upper_stride)) {
        return fail(2, static_cast<std::uint64_t>(v.UpperBlock(q, level) - v.upper),
                    "node " + std::to_string(node) + "'s links differ from its level-" + std::to_string(level) +
                        " links");
      }
    }
  }
  const std::uint8_t* tails[2] = {v.level0 + graph.size * v.level0_stride, v.upper + blocks * v.upper_stride};
  for (int a = 0; a < 2; ++a) {
    for (std::size_t b = 0; b < kCompactTailBytes; ++b) {
      if (tails[a][b] != 0) {
        return fail(a == 0 ? 0 : 2, static_cast<std::uint64_t>(tails[a] + b - (a == 0 ? v.level0 : v.upper)),
                    "non-zero byte in the tail");
      }
    }
  }
  return false;
}

}  // namespace zyphyr
