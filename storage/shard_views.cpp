#include "storage/shard_views.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "storage/crc32c.h"

namespace zyphyr {
namespace {

using K = SectionKind;

// The section of `kind`, which CheckSectionTable found present.
const ShardSection& Section(const ShardHeader& header, K kind) { return *header.Find(kind); }

// Levels at most the top level, which the entry point reaches; upper offsets
// the running sum of the levels, which add up to the header's upper links.
Status CheckLevels(const ShardHeader& header, const HnswGraphView& g, const std::string& path) {
  const ShardSection& levels = Section(header, K::kLevels);
  const ShardSection& upper_offsets = Section(header, K::kUpperOffsets);
  const std::uint64_t n = header.rows;
  std::uint64_t pool = 0;
  int top = -1;
  for (std::uint64_t i = 0; i < n; ++i) {
    const int level = g.levels[i];
    if (level > header.max_level) {
      return CorruptSection(path, levels, levels.offset + i,
                            "node " + std::to_string(i) + " is on level " + std::to_string(level) +
                                ", above the top level " + std::to_string(header.max_level));
    }
    top = std::max(top, level);
    if (g.upper_offsets[i] != pool) {
      return CorruptSection(path, upper_offsets, upper_offsets.offset + i * 8,
                            "node " + std::to_string(i) + " starts at " + std::to_string(g.upper_offsets[i]) +
                                ", expected " + std::to_string(pool));
    }
    pool += static_cast<std::uint64_t>(level) * (header.M + 1);
  }
  if (pool != header.upper_links) {
    return CorruptSection(path, levels, levels.offset,
                          "levels need " + std::to_string(pool) + " upper link entries, the header says " +
                              std::to_string(header.upper_links));
  }
  if (n > 0 && (top != header.max_level || g.levels[header.entry_point] != header.max_level)) {
    return CorruptSection(path, levels, levels.offset + header.entry_point,
                          "entry point " + std::to_string(header.entry_point) + " is not on the top level " +
                              std::to_string(header.max_level));
  }
  return Status::Ok();
}

// The fast test of a block: count within the level's bound, every link an
// existing node present on that level.
bool BlockOk(const HnswGraphView& g, const std::uint32_t* block, int level) {
  const std::uint32_t count = block[0];
  if (count > g.MaxDegree(level)) return false;
  std::uint32_t past_end = 0;
  for (std::uint32_t j = 1; j <= count; ++j) past_end |= static_cast<std::uint32_t>(block[j] >= g.size);
  if (past_end != 0) return false;
  for (std::uint32_t j = 1; level > 0 && j <= count; ++j) {
    if (g.levels[block[j]] < level) return false;
  }
  return true;
}

// What is wrong with a block BlockOk refused: node `node`'s on `level`, in `s` at file offset `at`.
Status BlockFault(const HnswGraphView& g, const std::uint32_t* block, std::uint32_t node, int level,
                  const ShardSection& s, std::uint64_t at, const std::string& path) {
  if (block[0] > g.MaxDegree(level)) {
    return CorruptSection(path, s, at,
                          "node " + std::to_string(node) + " has " + std::to_string(block[0]) + " links on level " +
                              std::to_string(level) + ", at most " + std::to_string(g.MaxDegree(level)));
  }
  for (std::uint32_t j = 1; j <= block[0]; ++j) {
    const std::uint32_t to = block[j];
    if (to >= g.size || g.levels[to] < level) {
      return CorruptSection(
          path, s, at + 4 * j,
          "node " + std::to_string(node) + " links to node " + std::to_string(to) + " on level " +
              std::to_string(level) +
              (to >= g.size ? ", past the " + std::to_string(g.size) + " rows" : ", which is not on it"));
    }
  }
  return Status::Ok();
}

// Every block of every node on every level (CheckLevels passed, so the blocks lie inside their sections).
Status CheckLinks(const ShardHeader& header, const HnswGraphView& g, const unsigned char* base,
                  const std::string& path) {
  const ShardSection& level0 = Section(header, K::kLevel0Links);
  const ShardSection& upper = Section(header, K::kUpperLinks);
  for (std::uint64_t i = 0; i < g.size; ++i) {
    const auto node = static_cast<std::uint32_t>(i);
    for (int level = 0; level <= g.levels[i]; ++level) {
      const std::uint32_t* block = g.Block(node, level);
      if (BlockOk(g, block, level)) continue;
      const std::uint64_t at = static_cast<std::uint64_t>(reinterpret_cast<const unsigned char*>(block) - base);
      return BlockFault(g, block, node, level, level == 0 ? level0 : upper, at, path);
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckSectionChecksum(std::span<const unsigned char> file, const ShardSection& section, const std::string& path) {
  const std::uint32_t crc = Crc32c(file.data() + section.offset, section.length);
  if (crc != section.crc32c) {
    return CorruptSection(path, section, section.offset,
                          "checksum mismatch (stored " + Hex32(section.crc32c) + ", computed " + Hex32(crc) + ")");
  }
  return Status::Ok();
}

Status CheckSectionChecksums(const ShardHeader& header, std::span<const unsigned char> file, bool vectors,
                             const std::string& path) {
  for (const ShardSection& s : header.sections) {
    if (s.kind == static_cast<std::uint32_t>(K::kVectors) && !vectors) continue;
    ZYPHYR_RETURN_IF_ERROR(CheckSectionChecksum(file, s, path));
  }
  return Status::Ok();
}

Result<std::span<const std::uint64_t>> CheckIds(const ShardHeader& header, std::span<const unsigned char> file,
                                                const std::string& path) {
  const ShardSection& section = Section(header, K::kIds);
  const std::span<const std::uint64_t> ids(reinterpret_cast<const std::uint64_t*>(file.data() + section.offset),
                                           header.rows);
  for (std::uint64_t i = 1; i < ids.size(); ++i) {
    if (ids[i] <= ids[i - 1]) {
      return CorruptSection(path, section, section.offset + i * 8,
                            "id " + std::to_string(ids[i]) + " of row " + std::to_string(i) + " does not increase on " +
                                std::to_string(ids[i - 1]));
    }
  }
  return ids;
}

Result<HnswGraphView> CheckGraph(const ShardHeader& header, std::span<const unsigned char> file,
                                 const std::string& path) {
  const unsigned char* base = file.data();
  HnswGraphView g;
  g.size = header.rows;
  g.M = header.M;
  g.levels = base + Section(header, K::kLevels).offset;
  g.level0 = reinterpret_cast<const std::uint32_t*>(base + Section(header, K::kLevel0Links).offset);
  g.upper = reinterpret_cast<const std::uint32_t*>(base + Section(header, K::kUpperLinks).offset);
  g.upper_offsets = reinterpret_cast<const std::uint64_t*>(base + Section(header, K::kUpperOffsets).offset);
  g.entry_point = header.entry_point;
  g.max_level = header.max_level;
  ZYPHYR_RETURN_IF_ERROR(CheckLevels(header, g, path));
  ZYPHYR_RETURN_IF_ERROR(CheckLinks(header, g, base, path));
  return g;
}

Result<CompactLinksView> CheckCompactLinks(const ShardHeader& header, std::span<const unsigned char> file,
                                           const HnswGraphView& graph, const std::string& path) {
  const unsigned char* base = file.data();
  const std::uint64_t n = header.rows;
  std::uint64_t upper_nodes = 0;
  for (std::uint64_t i = 0; i < n; ++i) upper_nodes += graph.levels[i] > 0 ? 1 : 0;
  const CompactLinksSizes sizes = CompactLinksSizesFor(n, header.M, upper_nodes, header.upper_links / (header.M + 1));
  const ShardSection& level0 = Section(header, K::kCompactLevel0);
  const ShardSection& nodes = Section(header, K::kCompactUpperNodes);
  const ShardSection& upper = Section(header, K::kCompactUpperLinks);
  for (const auto& [section, expected_length] : {std::pair{&nodes, sizes.upper_nodes}, {&upper, sizes.upper}}) {
    if (section->length != expected_length) {
      return CorruptShard(path, SectionLabel(section->kind) + ": length " + std::to_string(section->length) +
                                    ", expected " + std::to_string(expected_length) + " for " +
                                    std::to_string(upper_nodes) + " nodes above level 0");
    }
  }
  const CompactLinksView compact =
      MakeCompactLinksView(graph, base + level0.offset, base + nodes.offset, upper_nodes, base + upper.offset);
  CompactLinksMismatch mismatch;
  if (FindCompactLinksMismatch(graph, compact, &mismatch)) {
    const ShardSection& where = mismatch.array == 0 ? level0 : mismatch.array == 1 ? nodes : upper;
    return CorruptSection(path, where, where.offset + mismatch.offset, mismatch.what);
  }
  return compact;
}

Result<CheckedCodes> CheckCodes(const ShardHeader& header, std::span<const unsigned char> file,
                                const std::string& path) {
  const unsigned char* base = file.data();
  const ShardSection& model = Section(header, K::kQuantizer);
  const ShardSection& codes = Section(header, K::kCodes);
  Result<Quantizer> quantizer = Quantizer::Deserialize(
      header.encoding, header.metric, header.dim, std::span<const std::uint8_t>(base + model.offset, model.length));
  if (!quantizer.ok()) return CorruptSection(path, model, model.offset, quantizer.status().message());
  if (!quantizer->AcceptsCodeStride(header.code_stride)) {
    return CorruptSection(path, model, model.offset,
                          "the quantizer's codes take " + std::to_string(quantizer->code_stride()) +
                              " bytes, the header says " + std::to_string(header.code_stride));
  }
  CodesView view{base + codes.offset, header.rows, header.code_stride, nullptr, header.code_error_bound};
  if (header.wants_biases()) {
    const ShardSection& biases = Section(header, K::kCodeBiases);
    view.biases = reinterpret_cast<const float*>(base + biases.offset);
    for (std::uint64_t i = 0; i < header.rows; ++i) {
      if (!std::isfinite(view.biases[i])) {
        return CorruptSection(path, biases, biases.offset + i * 4,
                              "node " + std::to_string(i) + " has a non-finite bias");
      }
    }
  }
  return CheckedCodes{std::move(*quantizer), view};
}

}  // namespace zyphyr
