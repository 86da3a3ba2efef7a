#include "storage/shard.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "src/core/vector_store.h"
#include "src/distance/dispatch.h"
#include "src/index/hnsw_options.h"
#include "storage/byte_order.h"
#include "storage/crc32c.h"
#include "storage/shard_format.h"

namespace zyphyr {

std::string_view SectionName(std::uint32_t kind) {
  switch (static_cast<SectionKind>(kind)) {
    case SectionKind::kVectors:
      return "vectors";
    case SectionKind::kIds:
      return "ids";
    case SectionKind::kLevels:
      return "levels";
    case SectionKind::kLevel0Links:
      return "level-0 links";
    case SectionKind::kUpperOffsets:
      return "upper offsets";
    case SectionKind::kUpperLinks:
      return "upper links";
    case SectionKind::kQuantizer:
      return "quantizer";
    case SectionKind::kCodes:
      return "codes";
    case SectionKind::kCodeBiases:
      return "code biases";
    case SectionKind::kRetiredPacked:
      return "retired packed level-0 links";
    case SectionKind::kCompactLevel0:
      return "compact level-0 links";
    case SectionKind::kCompactUpperNodes:
      return "compact upper nodes";
    case SectionKind::kCompactUpperLinks:
      return "compact upper links";
  }
  return "unknown";
}

namespace {

constexpr std::uint32_t kMaxDim = 1u << 16;
constexpr int kMaxLevel = 63;

std::string Hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08" PRIx32, v);
  return buf;
}

std::string SectionLabel(const ShardSection& s) {
  std::string name(SectionName(s.kind));
  if (name == "unknown") name = "section kind " + std::to_string(s.kind);
  return name + " section";
}

// Corruption "<path>: <what>" and "<path>: <section> section at offset N: <what>".
Status Corrupt(const std::string& path, const std::string& what) { return Status::Corruption(path + ": " + what); }
Status CorruptAt(const std::string& path, const ShardSection& s, std::uint64_t offset, const std::string& what) {
  return Status::Corruption(path + ": " + SectionLabel(s) + " at offset " + std::to_string(offset) + ": " + what);
}

Status CheckSectionCrc(const std::string& path, const unsigned char* base, const ShardSection& s) {
  const std::uint32_t crc = Crc32c(base + s.offset, s.length);
  if (crc != s.crc32c) {
    return CorruptAt(path, s, s.offset,
                     "checksum mismatch (stored " + Hex32(s.crc32c) + ", computed " + Hex32(crc) + ")");
  }
  return Status::Ok();
}

// The product a * b, or nullopt when it overflows 64 bits.
std::optional<std::uint64_t> Mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// Re-ranking reads: one row by pread from the shard's file, so the rows go
// through the page cache but are never mapped into the process.
class FileRowSource : public RowSource {
 public:
  FileRowSource(const MappedFile& file, std::uint64_t offset, std::size_t stride)
      : file_(file), offset_(offset), row_bytes_(stride * sizeof(float)) {}

  Status Read(std::uint32_t node, float* out) const override {
    char* dst = reinterpret_cast<char*>(out);
    std::size_t done = 0;
    const off_t at = static_cast<off_t>(offset_ + std::uint64_t{node} * row_bytes_);
    while (done < row_bytes_) {
      const ssize_t got = ::pread(file_.fd(), dst + done, row_bytes_ - done, at + static_cast<off_t>(done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        return Status::IOError(file_.path() + ": cannot read row " + std::to_string(node) + ": " +
                               (got < 0 ? std::strerror(errno) : "unexpected end of file"));
      }
      done += static_cast<std::size_t>(got);
    }
    return Status::Ok();
  }

 private:
  const MappedFile& file_;
  std::uint64_t offset_;
  std::size_t row_bytes_;
};

}  // namespace

Result<std::unique_ptr<Shard>> Shard::Open(const std::string& path, const ShardOpenOptions& options) {
  Result<MappedFile> mapped = MappedFile::Open(path);
  if (!mapped.ok()) return mapped.status();
  std::unique_ptr<Shard> shard(new Shard());
  shard->file_ = std::move(*mapped);
  const unsigned char* base = shard->file_.data();
  const std::uint64_t size = shard->file_.size();
  ShardInfo& info = shard->info_;
  namespace h = shard_header;

  // Header: identity first, then its checksum, then its fields.
  if (size < sizeof(kShardMagic) || std::memcmp(base, kShardMagic, sizeof(kShardMagic)) != 0) {
    return Corrupt(path, "not a Zyphyr shard file (bad magic)");
  }
  if (size < kShardHeaderBytes) {
    return Corrupt(path, "truncated: " + std::to_string(size) + " bytes, shorter than the " +
                             std::to_string(kShardHeaderBytes) + "-byte header");
  }
  const std::uint32_t endian = LoadLe<std::uint32_t>(base + h::kEndian);
  info.major = LoadLe<std::uint16_t>(base + h::kMajor);
  info.minor = LoadLe<std::uint16_t>(base + h::kMinor);
  if (info.major != kShardMajorVersion) {
    return Status::Unsupported(path + ": unsupported shard version " + std::to_string(info.major) + "." +
                               std::to_string(info.minor) + " (this build reads " + std::to_string(kShardMajorVersion) +
                               ".x)");
  }
  if (endian != kEndianMarker) {
    return Status::Unsupported(path + ": written with another byte order (endianness marker " + Hex32(endian) +
                               ", expected " + Hex32(kEndianMarker) + ")");
  }
  const std::uint32_t header_bytes = LoadLe<std::uint32_t>(base + h::kHeaderBytes);
  const std::uint32_t section_count = LoadLe<std::uint32_t>(base + h::kSectionCount);
  const std::uint32_t entry_bytes = LoadLe<std::uint32_t>(base + h::kSectionEntryBytesField);
  if (header_bytes != kShardHeaderBytes || entry_bytes != kSectionEntryBytes || section_count == 0 ||
      section_count > kMaxSections) {
    return Corrupt(path, "bad header layout (header " + std::to_string(header_bytes) + " bytes, " +
                             std::to_string(section_count) + " sections of " + std::to_string(entry_bytes) + " bytes)");
  }
  const std::uint64_t table_end = kShardHeaderBytes + std::uint64_t{section_count} * kSectionEntryBytes;
  if (size < table_end) {
    return Corrupt(path, "truncated: " + std::to_string(size) + " bytes, shorter than the header and section table (" +
                             std::to_string(table_end) + " bytes)");
  }
  info.header_crc32c = LoadLe<std::uint32_t>(base + h::kHeaderCrc);
  {
    std::uint32_t crc = Crc32c(base, h::kHeaderCrc);
    const unsigned char zero[4] = {0, 0, 0, 0};
    crc = Crc32cExtend(crc, zero, 4);
    crc = Crc32cExtend(crc, base + h::kHeaderCrc + 4, table_end - h::kHeaderCrc - 4);
    if (crc != info.header_crc32c) {
      return Corrupt(
          path, "header checksum mismatch (stored " + Hex32(info.header_crc32c) + ", computed " + Hex32(crc) + ")");
    }
  }
  info.file_size = LoadLe<std::uint64_t>(base + h::kFileSize);
  if (info.file_size != size) {
    return Corrupt(path, (size < info.file_size ? "truncated: " : "has trailing bytes: ") + std::to_string(size) +
                             " bytes, the header says " + std::to_string(info.file_size));
  }
  info.rows = LoadLe<std::uint64_t>(base + h::kRows);
  info.dim = LoadLe<std::uint32_t>(base + h::kDim);
  info.stride = LoadLe<std::uint32_t>(base + h::kStride);
  const std::uint32_t metric = LoadLe<std::uint32_t>(base + h::kMetric);
  info.flags = LoadLe<std::uint32_t>(base + h::kFlags);
  info.M = LoadLe<std::uint32_t>(base + h::kM);
  info.ef_construction = LoadLe<std::uint32_t>(base + h::kEfConstruction);
  info.entry_point = LoadLe<std::uint32_t>(base + h::kEntryPoint);
  info.max_level = LoadLe<std::int32_t>(base + h::kMaxLevel);
  info.seed = LoadLe<std::uint64_t>(base + h::kSeed);
  info.upper_links = LoadLe<std::uint64_t>(base + h::kUpperLinks);
  info.uid = LoadLe<std::uint64_t>(base + h::kUid);
  const std::uint32_t encoding = LoadLe<std::uint32_t>(base + h::kEncoding);
  info.code_stride = LoadLe<std::uint32_t>(base + h::kCodeStride);
  info.code_error_bound = LoadLe<float>(base + h::kCodeErrorBound);

  if (info.dim == 0 || info.dim > kMaxDim || info.stride != PaddedDim(info.dim)) {
    return Corrupt(path,
                   "bad dimension " + std::to_string(info.dim) + " with row stride " + std::to_string(info.stride));
  }
  if (metric < 1 || metric > 3) return Corrupt(path, "unknown metric " + std::to_string(metric));
  info.metric = static_cast<Metric>(metric);
  const std::uint32_t expected_flags = MetricNormalizes(info.metric) ? kShardFlagNormalized : 0u;
  if (info.flags != expected_flags) {
    return Corrupt(path, "flags " + Hex32(info.flags) + " do not fit metric " + std::string(MetricName(info.metric)));
  }
  if (info.M < 2 || info.M > kMaxM) return Corrupt(path, "bad M " + std::to_string(info.M));
  if (encoding > static_cast<std::uint32_t>(Encoding::kPq)) {
    return Status::Unsupported(path + ": unknown encoding " + std::to_string(encoding) + " (this build knows 0-2)");
  }
  info.encoding = static_cast<Encoding>(encoding);
  const bool quantized = info.encoding != Encoding::kFloat32;
  if (quantized && info.minor == kShardMinorVersionRetired) {
    return Status::Unsupported(path + ": shard version 1.1 with codes is a development format this build no longer "
                                      "reads (3-byte packed links); rebuild the index");
  }
  if (quantized ? (info.minor < kShardMinorVersion || info.code_stride == 0) : info.code_stride != 0) {
    return Corrupt(path, "code stride " + std::to_string(info.code_stride) + " does not fit encoding " +
                             std::string(EncodingName(info.encoding)) + " in version " + std::to_string(info.major) +
                             "." + std::to_string(info.minor));
  }
  if (quantized ? !(std::isfinite(info.code_error_bound) && info.code_error_bound >= 0.0f)
                : LoadLe<std::uint32_t>(base + h::kCodeErrorBound) != 0) {
    return Corrupt(path, "code error bound " + std::to_string(info.code_error_bound) + " is not " +
                             (quantized ? "a finite non-negative number" : "0 without codes"));
  }
  const bool wants_biases = info.encoding == Encoding::kInt8 && info.metric != Metric::kL2;
  if (info.rows >= kNoNode) return Corrupt(path, "too many rows: " + std::to_string(info.rows));
  if (info.rows == 0 ? (info.entry_point != kNoNode || info.max_level != -1)
                     : (info.entry_point >= info.rows || info.max_level < 0 || info.max_level > kMaxLevel)) {
    return Corrupt(path, "bad entry point " + std::to_string(info.entry_point) + " at level " +
                             std::to_string(info.max_level) + " for " + std::to_string(info.rows) + " rows");
  }

  // Section table: every section inside the file, aligned, not overlapping,
  // each required kind once and of the length the header implies.
  const std::uint64_t n = info.rows;
  const std::uint64_t level0_stride = 1 + 2 * std::uint64_t{info.M};
  const std::optional<std::uint64_t> expected[kKnownSectionKinds + 1] = {
      std::nullopt,
      Mul(n, std::uint64_t{info.stride} * sizeof(float)),
      Mul(n, sizeof(std::uint64_t)),
      n,
      Mul(n, level0_stride * sizeof(std::uint32_t)),
      Mul(n, sizeof(std::uint64_t)),
      Mul(info.upper_links, sizeof(std::uint32_t)),
      std::nullopt,  // The quantizer's model checks its own length.
      Mul(n, info.code_stride),
      Mul(n, sizeof(float)),
      std::nullopt,  // Retired.
      n < kNoNode ? std::optional<std::uint64_t>(CompactLinksSizesFor(n, info.M, 0, 0).level0) : std::nullopt,
      std::nullopt,  // Compact upper nodes and links: checked against the levels below.
      std::nullopt,
  };
  // Whether each kind belongs in this shard.
  const bool wanted[kKnownSectionKinds + 1] = {false,     true,      true,         true,  true,      true,      true,
                                               quantized, quantized, wants_biases, false, quantized, quantized, quantized};
  // Sections whose lengths are checked later.
  const auto checked_later = [](std::uint32_t kind) {
    return kind == static_cast<std::uint32_t>(SectionKind::kQuantizer) ||
           kind == static_cast<std::uint32_t>(SectionKind::kCompactUpperNodes) ||
           kind == static_cast<std::uint32_t>(SectionKind::kCompactUpperLinks);
  };
  bool seen[kKnownSectionKinds + 1] = {};
  for (std::uint32_t i = 0; i < section_count; ++i) {
    const unsigned char* e = base + kShardHeaderBytes + std::size_t{i} * kSectionEntryBytes;
    ShardSection s;
    s.kind = LoadLe<std::uint32_t>(e + section_entry::kKind);
    s.offset = LoadLe<std::uint64_t>(e + section_entry::kOffset);
    s.length = LoadLe<std::uint64_t>(e + section_entry::kLength);
    s.crc32c = LoadLe<std::uint32_t>(e + section_entry::kCrc);
    const std::uint32_t flags = LoadLe<std::uint32_t>(e + section_entry::kFlags);
    const std::uint32_t reserved = LoadLe<std::uint32_t>(e + section_entry::kReserved);
    const std::string where = "section table entry " + std::to_string(i) + " (" + SectionLabel(s) + ")";
    std::uint64_t end;
    if (__builtin_add_overflow(s.offset, s.length, &end) || end > size) {
      return Corrupt(path, where + ": offset " + std::to_string(s.offset) + " + length " + std::to_string(s.length) +
                               " runs past the end of the file (" + std::to_string(size) + " bytes)");
    }
    if (s.offset % kSectionAlignment != 0 || s.offset < table_end || flags != 0 || reserved != 0) {
      return Corrupt(path, where + ": bad offset " + std::to_string(s.offset) + " or flags");
    }
    if (s.kind >= 1 && s.kind <= kKnownSectionKinds && s.kind != static_cast<std::uint32_t>(SectionKind::kRetiredPacked)) {
      if (seen[s.kind]) return Corrupt(path, where + ": appears twice");
      if (!wanted[s.kind]) {
        return Corrupt(path, where + ": does not belong in a shard of encoding " +
                                 std::string(EncodingName(info.encoding)) + " under metric " +
                                 std::string(MetricName(info.metric)));
      }
      seen[s.kind] = true;
      if (checked_later(s.kind)) {
        // Length checked below (by the model's reader, or against the levels).
      } else if (!expected[s.kind] || *expected[s.kind] != s.length) {
        return Corrupt(path, where + ": length " + std::to_string(s.length) + ", expected " +
                                 (expected[s.kind] ? std::to_string(*expected[s.kind]) : "an overflowing size"));
      }
    }
    info.sections.push_back(s);
  }
  const ShardSection* by_kind[kKnownSectionKinds + 1] = {};
  for (std::uint32_t kind = 1; kind <= kKnownSectionKinds; ++kind) {
    for (const ShardSection& s : info.sections) {
      if (s.kind == kind) by_kind[kind] = &s;
    }
    if (by_kind[kind] == nullptr && wanted[kind]) {
      return Corrupt(path, "no " + std::string(SectionName(kind)) + " section");
    }
  }
  {
    std::vector<ShardSection> sorted = info.sections;
    std::sort(sorted.begin(), sorted.end(),
              [](const ShardSection& a, const ShardSection& b) { return a.offset < b.offset; });
    for (std::size_t i = 1; i < sorted.size(); ++i) {
      if (sorted[i - 1].offset + sorted[i - 1].length > sorted[i].offset) {
        return Corrupt(path, SectionLabel(sorted[i]) + " at offset " + std::to_string(sorted[i].offset) +
                                 " overlaps the " + SectionLabel(sorted[i - 1]));
      }
    }
  }

  // Checksums of everything but the rows (unless asked).
  for (const ShardSection& s : info.sections) {
    if (s.kind == static_cast<std::uint32_t>(SectionKind::kVectors) && !options.verify_vectors) continue;
    ZYPHYR_RETURN_IF_ERROR(CheckSectionCrc(path, base, s));
  }

  const ShardSection& vectors = *by_kind[static_cast<int>(SectionKind::kVectors)];
  const ShardSection& ids = *by_kind[static_cast<int>(SectionKind::kIds)];
  const ShardSection& levels = *by_kind[static_cast<int>(SectionKind::kLevels)];
  const ShardSection& level0 = *by_kind[static_cast<int>(SectionKind::kLevel0Links)];
  const ShardSection& upper_offsets = *by_kind[static_cast<int>(SectionKind::kUpperOffsets)];
  const ShardSection& upper = *by_kind[static_cast<int>(SectionKind::kUpperLinks)];

  shard->rows_ = {reinterpret_cast<const float*>(base + vectors.offset), n, info.dim, info.stride, info.metric};
  shard->ids_ = {reinterpret_cast<const std::uint64_t*>(base + ids.offset), n};
  HnswGraphView& g = shard->graph_;
  g.size = n;
  g.M = info.M;
  g.levels = base + levels.offset;
  g.level0 = reinterpret_cast<const std::uint32_t*>(base + level0.offset);
  g.upper = reinterpret_cast<const std::uint32_t*>(base + upper.offset);
  g.upper_offsets = reinterpret_cast<const std::uint64_t*>(base + upper_offsets.offset);
  g.entry_point = info.entry_point;
  g.max_level = info.max_level;

  // Structure: ids increase; levels, upper offsets and the pool agree; every
  // link names a node that exists on that level; degrees within bounds.
  for (std::uint64_t i = 1; i < n; ++i) {
    if (shard->ids_[i] <= shard->ids_[i - 1]) {
      return CorruptAt(path, ids, ids.offset + i * 8,
                       "id " + std::to_string(shard->ids_[i]) + " of row " + std::to_string(i) +
                           " does not increase on " + std::to_string(shard->ids_[i - 1]));
    }
  }
  std::uint64_t pool = 0;
  int top = -1;
  for (std::uint64_t i = 0; i < n; ++i) {
    const int level = g.levels[i];
    if (level > info.max_level) {
      return CorruptAt(path, levels, levels.offset + i,
                       "node " + std::to_string(i) + " is on level " + std::to_string(level) +
                           ", above the top level " + std::to_string(info.max_level));
    }
    top = std::max(top, level);
    if (g.upper_offsets[i] != pool) {
      return CorruptAt(path, upper_offsets, upper_offsets.offset + i * 8,
                       "node " + std::to_string(i) + " starts at " + std::to_string(g.upper_offsets[i]) +
                           ", expected " + std::to_string(pool));
    }
    pool += static_cast<std::uint64_t>(level) * (info.M + 1);
  }
  if (pool != info.upper_links) {
    return CorruptAt(path, levels, levels.offset,
                     "levels need " + std::to_string(pool) + " upper link entries, the header says " +
                         std::to_string(info.upper_links));
  }
  if (n > 0 && (top != info.max_level || g.levels[info.entry_point] != info.max_level)) {
    return CorruptAt(path, levels, levels.offset + info.entry_point,
                     "entry point " + std::to_string(info.entry_point) + " is not on the top level " +
                         std::to_string(info.max_level));
  }
  // The fast test of a block; the slow path below says what is wrong.
  const auto block_ok = [&g, n](const std::uint32_t* block, int level) {
    const std::uint32_t count = block[0];
    if (count > g.MaxDegree(level)) return false;
    std::uint32_t past_end = 0;
    for (std::uint32_t j = 1; j <= count; ++j) past_end |= static_cast<std::uint32_t>(block[j] >= n);
    if (past_end != 0) return false;
    for (std::uint32_t j = 1; level > 0 && j <= count; ++j) {
      if (g.levels[block[j]] < level) return false;
    }
    return true;
  };
  for (std::uint64_t i = 0; i < n; ++i) {
    const int node_level = g.levels[i];
    for (int level = 0; level <= node_level; ++level) {
      const std::uint32_t* block = g.Block(static_cast<std::uint32_t>(i), level);
      if (block_ok(block, level)) continue;
      const ShardSection& s = level == 0 ? level0 : upper;
      const std::uint64_t at = static_cast<std::uint64_t>(reinterpret_cast<const unsigned char*>(block) - base);
      if (block[0] > g.MaxDegree(level)) {
        return CorruptAt(path, s, at,
                         "node " + std::to_string(i) + " has " + std::to_string(block[0]) + " links on level " +
                             std::to_string(level) + ", at most " + std::to_string(g.MaxDegree(level)));
      }
      for (std::uint32_t j = 1; j <= block[0]; ++j) {
        const std::uint32_t to = block[j];
        if (to >= n || g.levels[to] < level) {
          return CorruptAt(path, s, at + 4 * j,
                           "node " + std::to_string(i) + " links to node " + std::to_string(to) + " on level " +
                               std::to_string(level) +
                               (to >= n ? ", past the " + std::to_string(n) + " rows" : ", which is not on it"));
        }
      }
    }
  }

  if (quantized) {
    // The compact copy must say exactly what the checked links say; searches
    // then read only it, and the uint32 links leave the process.
    std::uint64_t upper_nodes = 0;
    for (std::uint64_t i = 0; i < n; ++i) upper_nodes += g.levels[i] > 0 ? 1 : 0;
    const CompactLinksSizes sizes = CompactLinksSizesFor(n, info.M, upper_nodes, info.upper_links / (info.M + 1));
    const ShardSection& level0c = *by_kind[static_cast<int>(SectionKind::kCompactLevel0)];
    const ShardSection& nodes = *by_kind[static_cast<int>(SectionKind::kCompactUpperNodes)];
    const ShardSection& upperc = *by_kind[static_cast<int>(SectionKind::kCompactUpperLinks)];
    for (const auto& [section, expected_length] : {std::pair{&nodes, sizes.upper_nodes}, {&upperc, sizes.upper}}) {
      if (section->length != expected_length) {
        return Corrupt(path, SectionLabel(*section) + ": length " + std::to_string(section->length) + ", expected " +
                                 std::to_string(expected_length) + " for " + std::to_string(upper_nodes) +
                                 " nodes above level 0");
      }
    }
    const CompactLinksView compact = MakeCompactLinksView(g, base + level0c.offset, base + nodes.offset,
                                                          upper_nodes, base + upperc.offset);
    CompactLinksMismatch mismatch;
    if (FindCompactLinksMismatch(g, compact, &mismatch)) {
      const ShardSection& where = mismatch.array == 0 ? level0c : mismatch.array == 1 ? nodes : upperc;
      return CorruptAt(path, where, where.offset + mismatch.offset, mismatch.what);
    }
    g.compact = compact;
    shard->file_.DropResident(level0.offset, level0.length);
    shard->file_.DropResident(upper_offsets.offset, upper_offsets.length);
    shard->file_.DropResident(upper.offset, upper.length);
  }

  Result<const DistanceKernels*> kernels = ProcessKernels();
  if (!kernels.ok()) return kernels.status();
  shard->searcher_ = std::make_unique<HnswSearcher>(shard->rows_, shard->graph_, **kernels);
  shard->file_.AdviseRandom(vectors.offset, vectors.length);
  // The checks above read the ids and levels once; searches need neither
  // (levels only through the upper offsets, contiguous ids are computed), so
  // they leave the process's resident memory.
  shard->contiguous_ids_ = n == 0 || shard->ids_[n - 1] - shard->ids_[0] == n - 1;
  shard->first_id_ = n == 0 ? 0 : shard->ids_[0];
  if (shard->contiguous_ids_) shard->file_.DropResident(ids.offset, ids.length);
  shard->file_.DropResident(levels.offset, levels.length);

  if (quantized) {
    const ShardSection& model = *by_kind[static_cast<int>(SectionKind::kQuantizer)];
    const ShardSection& codes = *by_kind[static_cast<int>(SectionKind::kCodes)];
    Result<Quantizer> quantizer = Quantizer::Deserialize(
        info.encoding, info.metric, info.dim, std::span<const std::uint8_t>(base + model.offset, model.length));
    if (!quantizer.ok()) return CorruptAt(path, model, model.offset, quantizer.status().message());
    if (quantizer->code_stride() != info.code_stride) {
      return CorruptAt(path, model, model.offset,
                       "the quantizer's codes take " + std::to_string(quantizer->code_stride()) +
                           " bytes, the header says " + std::to_string(info.code_stride));
    }
    shard->quantizer_ = std::move(*quantizer);
    shard->codes_ = {base + codes.offset, n, info.code_stride, nullptr, info.code_error_bound};
    if (wants_biases) {
      const ShardSection& biases = *by_kind[static_cast<int>(SectionKind::kCodeBiases)];
      shard->codes_.biases = reinterpret_cast<const float*>(base + biases.offset);
      for (std::uint64_t i = 0; i < n; ++i) {
        if (!std::isfinite(shard->codes_.biases[i])) {
          return CorruptAt(path, biases, biases.offset + i * 4, "node " + std::to_string(i) + " has a non-finite bias");
        }
      }
    }
    shard->row_source_ = std::make_unique<FileRowSource>(shard->file_, vectors.offset, info.stride);
    shard->quantized_searcher_ = std::make_unique<QuantizedSearcher>(shard->graph_, shard->codes_, *shard->quantizer_,
                                                                     *shard->row_source_, info.stride, **kernels);
  }
  return shard;
}

std::optional<std::uint32_t> Shard::NodeOf(std::uint64_t id) const {
  if (contiguous_ids_) {
    if (id < first_id_ || id - first_id_ >= ids_.size()) return std::nullopt;
    return static_cast<std::uint32_t>(id - first_id_);
  }
  auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (it == ids_.end() || *it != id) return std::nullopt;
  return static_cast<std::uint32_t>(it - ids_.begin());
}

Status Shard::Verify() const {
  for (const ShardSection& s : info_.sections) ZYPHYR_RETURN_IF_ERROR(CheckSectionCrc(path(), file_.data(), s));
  return Status::Ok();
}

std::size_t Shard::ResidentBytes() const {
  if (file_.size() == 0) return 0;
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t pages = (file_.size() + page - 1) / page;
  std::vector<unsigned char> vec(pages);
  if (::mincore(const_cast<unsigned char*>(file_.data()), file_.size(), vec.data()) != 0) return 0;
  std::size_t resident = 0;
  for (unsigned char v : vec) resident += (v & 1) ? page : 0;
  return resident;
}

std::size_t Shard::SearchBytes() const {
  using K = SectionKind;
  const bool codes = info_.encoding != Encoding::kFloat32;
  std::size_t bytes = 0;
  for (const ShardSection& s : info_.sections) {
    switch (static_cast<K>(s.kind)) {
      case K::kQuantizer:
      case K::kCodes:
      case K::kCodeBiases:
      case K::kCompactLevel0:
      case K::kCompactUpperNodes:
      case K::kCompactUpperLinks:
        bytes += s.length;
        break;
      case K::kVectors:
      case K::kLevel0Links:
      case K::kUpperOffsets:
      case K::kUpperLinks:
        bytes += codes ? 0 : s.length;
        break;
      case K::kIds:
        bytes += contiguous_ids_ ? 0 : s.length;
        break;
      default:
        break;
    }
  }
  return bytes;
}

}  // namespace zyphyr
