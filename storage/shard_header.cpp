#include "storage/shard_header.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>

#include "src/core/vector_store.h"
#include "src/index/hnsw_options.h"
#include "storage/byte_order.h"
#include "storage/crc32c.h"

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

std::string SectionLabel(std::uint32_t kind) {
  std::string name(SectionName(kind));
  if (name == "unknown") name = "section kind " + std::to_string(kind);
  return name + " section";
}

std::string Hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08" PRIx32, v);
  return buf;
}

Status CorruptShard(const std::string& path, const std::string& what) { return Status::Corruption(path + ": " + what); }

Status CorruptSection(const std::string& path, const ShardSection& section, std::uint64_t offset,
                      const std::string& what) {
  return Status::Corruption(path + ": " + SectionLabel(section.kind) + " at offset " + std::to_string(offset) + ": " +
                            what);
}

namespace {

namespace h = shard_header;
namespace e = section_entry;

constexpr std::uint32_t kMaxDim = 1u << 16;
constexpr int kMaxLevel = 63;

// The product a * b, or nullopt when it overflows 64 bits.
std::optional<std::uint64_t> Mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// CRC-32C of the header and table, `table_end` bytes at `p`, with the CRC field read as zero.
std::uint32_t HeaderCrc(const unsigned char* p, std::uint64_t table_end) {
  const unsigned char zero[4] = {0, 0, 0, 0};
  std::uint32_t crc = Crc32c(p, h::kHeaderCrc);
  crc = Crc32cExtend(crc, zero, 4);
  return Crc32cExtend(crc, p + h::kHeaderCrc + 4, table_end - h::kHeaderCrc - 4);
}

// Magic, size, major version, byte order, layout and CRC: whether `file` is
// a shard this build reads, and where its table ends.
Status CheckIdentity(std::span<const unsigned char> file, const std::string& path, ShardHeader* out) {
  const unsigned char* p = file.data();
  const std::uint64_t size = file.size();
  if (size < sizeof(kShardMagic) || std::memcmp(p, kShardMagic, sizeof(kShardMagic)) != 0) {
    return CorruptShard(path, "not a Zyphyr shard file (bad magic)");
  }
  if (size < kShardHeaderBytes) {
    return CorruptShard(path, "truncated: " + std::to_string(size) + " bytes, shorter than the " +
                                  std::to_string(kShardHeaderBytes) + "-byte header");
  }
  const std::uint32_t endian = LoadLe<std::uint32_t>(p + h::kEndian);
  out->major = LoadLe<std::uint16_t>(p + h::kMajor);
  out->minor = LoadLe<std::uint16_t>(p + h::kMinor);
  if (out->major != kShardMajorVersion && out->major != kShardMajorVersionByteRows) {
    return Status::Unsupported(path + ": unsupported shard version " + std::to_string(out->major) + "." +
                               std::to_string(out->minor) + " (this build reads " + std::to_string(kShardMajorVersion) +
                               ".x and " + std::to_string(kShardMajorVersionByteRows) + ".x)");
  }
  if (endian != kEndianMarker) {
    return Status::Unsupported(path + ": written with another byte order (endianness marker " + Hex32(endian) +
                               ", expected " + Hex32(kEndianMarker) + ")");
  }
  const std::uint32_t header_bytes = LoadLe<std::uint32_t>(p + h::kHeaderBytes);
  const std::uint32_t section_count = LoadLe<std::uint32_t>(p + h::kSectionCount);
  const std::uint32_t entry_bytes = LoadLe<std::uint32_t>(p + h::kSectionEntryBytesField);
  if (header_bytes != kShardHeaderBytes || entry_bytes != kSectionEntryBytes || section_count == 0 ||
      section_count > kMaxSections) {
    return CorruptShard(path, "bad header layout (header " + std::to_string(header_bytes) + " bytes, " +
                                  std::to_string(section_count) + " sections of " + std::to_string(entry_bytes) +
                                  " bytes)");
  }
  const std::uint64_t table_end = kShardHeaderBytes + std::uint64_t{section_count} * kSectionEntryBytes;
  if (size < table_end) {
    return CorruptShard(path, "truncated: " + std::to_string(size) +
                                  " bytes, shorter than the header and section table (" + std::to_string(table_end) +
                                  " bytes)");
  }
  out->header_crc32c = LoadLe<std::uint32_t>(p + h::kHeaderCrc);
  const std::uint32_t crc = HeaderCrc(p, table_end);
  if (crc != out->header_crc32c) {
    return CorruptShard(
        path, "header checksum mismatch (stored " + Hex32(out->header_crc32c) + ", computed " + Hex32(crc) + ")");
  }
  out->sections.resize(section_count);
  return Status::Ok();
}

// The table's entries, unchecked.
void DecodeSections(const unsigned char* p, ShardHeader* out) {
  for (std::size_t i = 0; i < out->sections.size(); ++i) {
    const unsigned char* entry = p + kShardHeaderBytes + i * kSectionEntryBytes;
    ShardSection& s = out->sections[i];
    s.kind = LoadLe<std::uint32_t>(entry + e::kKind);
    s.flags = LoadLe<std::uint32_t>(entry + e::kFlags);
    s.offset = LoadLe<std::uint64_t>(entry + e::kOffset);
    s.length = LoadLe<std::uint64_t>(entry + e::kLength);
    s.crc32c = LoadLe<std::uint32_t>(entry + e::kCrc);
    s.reserved = LoadLe<std::uint32_t>(entry + e::kReserved);
  }
}

// The shape of the rows and of the graph: dimension, metric and flags, M, rows, entry point.
Status CheckShape(const ShardHeader& hd, std::uint32_t metric, const std::string& path) {
  if (hd.dim == 0 || hd.dim > kMaxDim || hd.stride != PaddedDim(hd.dim)) {
    return CorruptShard(path,
                        "bad dimension " + std::to_string(hd.dim) + " with row stride " + std::to_string(hd.stride));
  }
  if (metric < 1 || metric > 3) return CorruptShard(path, "unknown metric " + std::to_string(metric));
  const std::uint32_t expected_flags = MetricNormalizes(static_cast<Metric>(metric)) ? kShardFlagNormalized : 0u;
  if (hd.flags != expected_flags) {
    return CorruptShard(path, "flags " + Hex32(hd.flags) + " do not fit metric " +
                                  std::string(MetricName(static_cast<Metric>(metric))));
  }
  if (hd.M < 2 || hd.M > kMaxM) return CorruptShard(path, "bad M " + std::to_string(hd.M));
  return Status::Ok();
}

// The encoding against the version, and its code stride and error bound.
Status CheckEncoding(const ShardHeader& hd, std::uint32_t encoding, std::uint32_t error_bound_bits,
                     const std::string& path) {
  if (encoding > static_cast<std::uint32_t>(Encoding::kPq)) {
    return Status::Unsupported(path + ": unknown encoding " + std::to_string(encoding) + " (this build knows 0-2)");
  }
  const bool quantized = static_cast<Encoding>(encoding) != Encoding::kFloat32;
  // Version 2.0 has everything 1.2 has.
  const bool codes_known = hd.major >= kShardMajorVersionByteRows || hd.minor >= kShardMinorVersion;
  if (quantized ? (!codes_known || hd.code_stride == 0) : hd.code_stride != 0) {
    return CorruptShard(path, "code stride " + std::to_string(hd.code_stride) + " does not fit encoding " +
                                  std::string(EncodingName(static_cast<Encoding>(encoding))) + " in version " +
                                  std::to_string(hd.major) + "." + std::to_string(hd.minor));
  }
  if (quantized ? !(std::isfinite(hd.code_error_bound) && hd.code_error_bound >= 0.0f) : error_bound_bits != 0) {
    return CorruptShard(path, "code error bound " + std::to_string(hd.code_error_bound) + " is not " +
                                  (quantized ? "a finite non-negative number" : "0 without codes"));
  }
  return Status::Ok();
}

Status CheckEntryPoint(const ShardHeader& hd, const std::string& path) {
  if (hd.rows >= kNoNode) return CorruptShard(path, "too many rows: " + std::to_string(hd.rows));
  if (hd.rows == 0 ? (hd.entry_point != kNoNode || hd.max_level != -1)
                   : (hd.entry_point >= hd.rows || hd.max_level < 0 || hd.max_level > kMaxLevel)) {
    return CorruptShard(path, "bad entry point " + std::to_string(hd.entry_point) + " at level " +
                                  std::to_string(hd.max_level) + " for " + std::to_string(hd.rows) + " rows");
  }
  return Status::Ok();
}

}  // namespace

std::uint32_t ShardHeader::EncodeTo(std::vector<unsigned char>* dst) const {
  const std::size_t start = dst->size();
  dst->resize(start + EncodedSize(), 0);
  unsigned char* p = dst->data() + start;
  std::memcpy(p + h::kMagic, kShardMagic, sizeof(kShardMagic));
  StoreLe<std::uint16_t>(p + h::kMajor, major);
  StoreLe<std::uint16_t>(p + h::kMinor, minor);
  StoreLe<std::uint32_t>(p + h::kEndian, kEndianMarker);
  StoreLe<std::uint32_t>(p + h::kHeaderBytes, kShardHeaderBytes);
  StoreLe<std::uint32_t>(p + h::kSectionCount, static_cast<std::uint32_t>(sections.size()));
  StoreLe<std::uint32_t>(p + h::kSectionEntryBytesField, kSectionEntryBytes);
  StoreLe<std::uint64_t>(p + h::kFileSize, file_size);
  StoreLe<std::uint64_t>(p + h::kRows, rows);
  StoreLe<std::uint32_t>(p + h::kDim, dim);
  StoreLe<std::uint32_t>(p + h::kStride, stride);
  StoreLe<std::uint32_t>(p + h::kMetric, static_cast<std::uint32_t>(metric));
  StoreLe<std::uint32_t>(p + h::kFlags, flags);
  StoreLe<std::uint32_t>(p + h::kM, M);
  StoreLe<std::uint32_t>(p + h::kEfConstruction, ef_construction);
  StoreLe<std::uint32_t>(p + h::kEntryPoint, entry_point);
  StoreLe<std::int32_t>(p + h::kMaxLevel, max_level);
  StoreLe<std::uint64_t>(p + h::kSeed, seed);
  StoreLe<std::uint64_t>(p + h::kUpperLinks, upper_links);
  StoreLe<std::uint64_t>(p + h::kUid, uid);
  StoreLe<std::uint32_t>(p + h::kEncoding, static_cast<std::uint32_t>(encoding));
  StoreLe<std::uint32_t>(p + h::kCodeStride, code_stride);
  StoreLe<float>(p + h::kCodeErrorBound, code_error_bound);
  StoreLe<std::uint32_t>(p + h::kElementType, static_cast<std::uint32_t>(element_type));  // 0 (float32) in 1.x.
  for (std::size_t i = 0; i < sections.size(); ++i) {
    unsigned char* entry = p + kShardHeaderBytes + i * kSectionEntryBytes;
    StoreLe<std::uint32_t>(entry + e::kKind, sections[i].kind);
    StoreLe<std::uint32_t>(entry + e::kFlags, sections[i].flags);
    StoreLe<std::uint64_t>(entry + e::kOffset, sections[i].offset);
    StoreLe<std::uint64_t>(entry + e::kLength, sections[i].length);
    StoreLe<std::uint32_t>(entry + e::kCrc, sections[i].crc32c);
    StoreLe<std::uint32_t>(entry + e::kReserved, sections[i].reserved);
  }
  const std::uint32_t crc = HeaderCrc(p, EncodedSize());
  StoreLe<std::uint32_t>(p + h::kHeaderCrc, crc);
  return crc;
}

Result<ShardHeader> ShardHeader::DecodeFrom(std::span<const unsigned char> file, const std::string& path) {
  ShardHeader hd;
  ZYPHYR_RETURN_IF_ERROR(CheckIdentity(file, path, &hd));
  const unsigned char* p = file.data();
  hd.file_size = LoadLe<std::uint64_t>(p + h::kFileSize);
  if (hd.file_size != file.size()) {
    return CorruptShard(path, (file.size() < hd.file_size ? "truncated: " : "has trailing bytes: ") +
                                  std::to_string(file.size()) + " bytes, the header says " +
                                  std::to_string(hd.file_size));
  }
  hd.rows = LoadLe<std::uint64_t>(p + h::kRows);
  hd.dim = LoadLe<std::uint32_t>(p + h::kDim);
  hd.stride = LoadLe<std::uint32_t>(p + h::kStride);
  const std::uint32_t metric = LoadLe<std::uint32_t>(p + h::kMetric);
  hd.flags = LoadLe<std::uint32_t>(p + h::kFlags);
  hd.M = LoadLe<std::uint32_t>(p + h::kM);
  hd.ef_construction = LoadLe<std::uint32_t>(p + h::kEfConstruction);
  hd.entry_point = LoadLe<std::uint32_t>(p + h::kEntryPoint);
  hd.max_level = LoadLe<std::int32_t>(p + h::kMaxLevel);
  hd.seed = LoadLe<std::uint64_t>(p + h::kSeed);
  hd.upper_links = LoadLe<std::uint64_t>(p + h::kUpperLinks);
  hd.uid = LoadLe<std::uint64_t>(p + h::kUid);
  const std::uint32_t encoding = LoadLe<std::uint32_t>(p + h::kEncoding);
  hd.code_stride = LoadLe<std::uint32_t>(p + h::kCodeStride);
  hd.code_error_bound = LoadLe<float>(p + h::kCodeErrorBound);
  if (hd.major == kShardMajorVersionByteRows) {
    const std::uint32_t type = LoadLe<std::uint32_t>(p + h::kElementType);
    if (type != static_cast<std::uint32_t>(ElementType::kUint8) && type != static_cast<std::uint32_t>(ElementType::kInt8)) {
      return Status::Unsupported(path + ": unknown element type " + std::to_string(type) + " in version " +
                                 std::to_string(hd.major) + "." + std::to_string(hd.minor) +
                                 " (this build knows 1 uint8 and 2 int8)");
    }
    hd.element_type = static_cast<ElementType>(type);
    if (MetricNormalizes(static_cast<Metric>(metric))) {
      return CorruptShard(path, "metric cosine with " + std::string(ElementTypeName(hd.element_type)) +
                                    " rows (normalised rows are stored as float32)");
    }
  }
  ZYPHYR_RETURN_IF_ERROR(CheckShape(hd, metric, path));
  hd.metric = static_cast<Metric>(metric);
  ZYPHYR_RETURN_IF_ERROR(CheckEncoding(hd, encoding, LoadLe<std::uint32_t>(p + h::kCodeErrorBound), path));
  hd.encoding = static_cast<Encoding>(encoding);
  ZYPHYR_RETURN_IF_ERROR(CheckEntryPoint(hd, path));
  DecodeSections(p, &hd);
  return hd;
}

const ShardSection* ShardHeader::Find(SectionKind kind) const {
  const ShardSection* found = nullptr;
  for (const ShardSection& s : sections) {
    if (s.kind == static_cast<std::uint32_t>(kind)) found = &s;
  }
  return found;
}

namespace {

// What the table must hold for a header: whether each known kind belongs,
// and the length it must have (nullopt: overflowing, or checked elsewhere).
struct ExpectedSections {
  bool wanted[kKnownSectionKinds + 1] = {};
  std::optional<std::uint64_t> length[kKnownSectionKinds + 1];
  bool checked_later[kKnownSectionKinds + 1] = {};
};

ExpectedSections ExpectedSectionsFor(const ShardHeader& hd) {
  using K = SectionKind;
  const std::uint64_t n = hd.rows;
  const bool quantized = hd.quantized();
  ExpectedSections x;
  const auto want = [&x](K kind, bool wanted, std::optional<std::uint64_t> length) {
    x.wanted[static_cast<std::uint32_t>(kind)] = wanted;
    x.length[static_cast<std::uint32_t>(kind)] = length;
  };
  want(K::kVectors, true, Mul(n, hd.row_bytes()));
  want(K::kIds, true, Mul(n, sizeof(std::uint64_t)));
  want(K::kLevels, true, n);
  want(K::kLevel0Links, true, Mul(n, (1 + 2 * std::uint64_t{hd.M}) * sizeof(std::uint32_t)));
  want(K::kUpperOffsets, true, Mul(n, sizeof(std::uint64_t)));
  want(K::kUpperLinks, true, Mul(hd.upper_links, sizeof(std::uint32_t)));
  want(K::kQuantizer, quantized, std::nullopt);  // The quantizer's model checks its own length.
  want(K::kCodes, quantized, Mul(n, hd.code_stride));
  want(K::kCodeBiases, hd.wants_biases(), Mul(n, sizeof(float)));
  want(K::kCompactLevel0, quantized,
       n < kNoNode ? std::optional<std::uint64_t>(CompactLinksSizesFor(n, hd.M, 0, 0).level0) : std::nullopt);
  // Compact upper nodes and links: checked against the levels.
  want(K::kCompactUpperNodes, quantized, std::nullopt);
  want(K::kCompactUpperLinks, quantized, std::nullopt);
  for (K kind : {K::kQuantizer, K::kCompactUpperNodes, K::kCompactUpperLinks}) {
    x.checked_later[static_cast<std::uint32_t>(kind)] = true;
  }
  return x;
}

// Entry `i`: inside the file, aligned past the table, flags zero; a known
// kind at most once, where it belongs and of its length.
Status CheckSectionEntry(const ShardHeader& hd, std::size_t i, const ExpectedSections& x, bool* seen,
                         const std::string& path) {
  const ShardSection& s = hd.sections[i];
  const std::string where = "section table entry " + std::to_string(i) + " (" + SectionLabel(s.kind) + ")";
  std::uint64_t end;
  if (__builtin_add_overflow(s.offset, s.length, &end) || end > hd.file_size) {
    return CorruptShard(path, where + ": offset " + std::to_string(s.offset) + " + length " + std::to_string(s.length) +
                                  " runs past the end of the file (" + std::to_string(hd.file_size) + " bytes)");
  }
  if (s.offset % kSectionAlignment != 0 || s.offset < hd.EncodedSize() || s.flags != 0 || s.reserved != 0) {
    return CorruptShard(path, where + ": bad offset " + std::to_string(s.offset) + " or flags");
  }
  if (s.kind < 1 || s.kind > kKnownSectionKinds || s.kind == static_cast<std::uint32_t>(SectionKind::kRetiredPacked)) {
    return Status::Ok();  // Ignored.
  }
  if (seen[s.kind]) return CorruptShard(path, where + ": appears twice");
  if (!x.wanted[s.kind]) {
    return CorruptShard(path, where + ": does not belong in a shard of encoding " +
                                  std::string(EncodingName(hd.encoding)) + " under metric " +
                                  std::string(MetricName(hd.metric)));
  }
  seen[s.kind] = true;
  if (!x.checked_later[s.kind] && (!x.length[s.kind] || *x.length[s.kind] != s.length)) {
    return CorruptShard(path, where + ": length " + std::to_string(s.length) + ", expected " +
                                  (x.length[s.kind] ? std::to_string(*x.length[s.kind]) : "an overflowing size"));
  }
  return Status::Ok();
}

}  // namespace

Status CheckSectionTable(const ShardHeader& hd, const std::string& path) {
  const ExpectedSections expected = ExpectedSectionsFor(hd);
  bool seen[kKnownSectionKinds + 1] = {};
  for (std::size_t i = 0; i < hd.sections.size(); ++i) {
    ZYPHYR_RETURN_IF_ERROR(CheckSectionEntry(hd, i, expected, seen, path));
  }
  for (std::uint32_t kind = 1; kind <= kKnownSectionKinds; ++kind) {
    if (expected.wanted[kind] && hd.Find(static_cast<SectionKind>(kind)) == nullptr) {
      return CorruptShard(path, "no " + std::string(SectionName(kind)) + " section");
    }
  }
  std::vector<ShardSection> sorted = hd.sections;
  std::sort(sorted.begin(), sorted.end(),
            [](const ShardSection& a, const ShardSection& b) { return a.offset < b.offset; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i - 1].offset + sorted[i - 1].length > sorted[i].offset) {
      return CorruptShard(path, SectionLabel(sorted[i].kind) + " at offset " + std::to_string(sorted[i].offset) +
                                    " overlaps the " + SectionLabel(sorted[i - 1].kind));
    }
  }
  return Status::Ok();
}

}  // namespace zyphyr
