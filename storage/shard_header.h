// ShardHeader: the 128-byte header of a shard file and its section table
// (storage/shard_format.h, storage/FORMAT.md) as a struct, with the codec
// that writes and reads their bytes.
//
//   EncodeTo     appends the bytes a writer puts at offset 0: the header, the
//                table, and the header CRC over both.
//   DecodeFrom   reads them back from a whole file image and checks what the
//                header alone decides: identity, layout, header CRC, file
//                size and the fields (FORMAT.md, "What a reader checks", 1-4
//                and the header's part of 6).
//   CheckSectionTable  checks the table against the header (5 and the rest of
//                6): every section inside the file, aligned, each kind the
//                encoding needs present once with the length the header
//                implies, no overlaps.
//
// Every error is "<path>: <what>": Corruption, or Unsupported for another
// major version, byte order or encoding. A header DecodeFrom accepts encodes
// to the same bytes.
#ifndef ZYPHYR_STORAGE_SHARD_HEADER_H_
#define ZYPHYR_STORAGE_SHARD_HEADER_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "src/core/element_type.h"
#include "src/core/metric.h"
#include "src/core/status.h"
#include "src/index/hnsw_graph_view.h"
#include "src/quant/encoding.h"
#include "storage/shard_format.h"

namespace zyphyr {

// A section as the table lists it.
struct ShardSection {
  std::uint32_t kind = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::uint32_t crc32c = 0;
  std::uint32_t flags = 0;     // 0 in a valid table.
  std::uint32_t reserved = 0;  // 0 in a valid table.
};

// The header's fields and the section table, in the order of the format.
struct ShardHeader {
  std::uint16_t major = kShardMajorVersion;
  std::uint16_t minor = kShardMinorVersionWithoutCodes;
  std::uint32_t header_crc32c = 0;  // As stored; EncodeTo computes its own.
  std::uint64_t file_size = 0;
  std::uint64_t rows = 0;
  std::uint32_t dim = 0;
  std::uint32_t stride = 0;
  Metric metric = Metric::kL2;
  std::uint32_t flags = 0;
  std::uint32_t M = 0;
  std::uint32_t ef_construction = 0;
  std::uint32_t entry_point = kNoNode;
  std::int32_t max_level = -1;
  std::uint64_t seed = 0;
  std::uint64_t upper_links = 0;
  std::uint64_t uid = 0;
  Encoding encoding = Encoding::kFloat32;
  std::uint32_t code_stride = 0;
  float code_error_bound = 0.0f;       // At least |x - decode(code(x))| for every row; 0 without codes.
  ElementType element_type = ElementType::kFloat32;  // Byte types only in major version 2.
  std::vector<ShardSection> sections;  // In table order.

  // Bytes of the header and the table: 128 + 32 * sections.
  std::uint64_t EncodedSize() const { return kShardHeaderBytes + sections.size() * kSectionEntryBytes; }

  // Appends EncodedSize() bytes to `dst`: the fields, zero reserved bytes,
  // the table, and the CRC-32C of all of it (header_crc32c is not read).
  // Returns that CRC.
  std::uint32_t EncodeTo(std::vector<unsigned char>* dst) const;

  // Decodes the header and table at the start of `file`, the whole file
  // (its size must be the header's). Refuses, in this order: bad magic,
  // a file shorter than the header, another major version, another byte
  // order, a bad layout, a file shorter than the table, a header CRC
  // mismatch, the file size, then the fields. The table's entries are
  // decoded but not checked (CheckSectionTable does).
  static Result<ShardHeader> DecodeFrom(std::span<const unsigned char> file, const std::string& path);

  // The section of `kind`, or null (the last one of that kind in the table;
  // after CheckSectionTable each known kind appears at most once).
  const ShardSection* Find(SectionKind kind) const;

  bool quantized() const { return encoding != Encoding::kFloat32; }
  // Bytes of one stored row: stride elements.
  std::uint64_t row_bytes() const { return std::uint64_t{stride} * ElementBytes(element_type); }
  // Whether the codes carry a bias per row (int8 under ip and cosine).
  bool wants_biases() const { return encoding == Encoding::kInt8 && metric != Metric::kL2; }
};

// Checks `header`'s table against the header (a DecodeFrom result): each
// entry in table order, then each kind the encoding needs present, then no
// two sections overlapping. The lengths of the quantizer (its reader checks
// it) and of the compact upper sections (they depend on the levels) are left
// to the checks that read them.
Status CheckSectionTable(const ShardHeader& header, const std::string& path);

// "levels section", or "section kind 99 section" for a kind this build does not know.
std::string SectionLabel(std::uint32_t kind);
// "0x%08x".
std::string Hex32(std::uint32_t v);
// Corruption "<path>: <what>".
Status CorruptShard(const std::string& path, const std::string& what);
// Corruption "<path>: <section label> at offset <offset>: <what>".
Status CorruptSection(const std::string& path, const ShardSection& section, std::uint64_t offset,
                      const std::string& what);

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_SHARD_HEADER_H_
