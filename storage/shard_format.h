// The on-disk layout of a shard file, version 1.2 (written as 1.0 without
// codes). storage/FORMAT.md documents it byte by byte and changes with this
// header; storage/shard_header.h encodes and decodes the header and table.
//
// A shard file is a fixed 128-byte header, a section table right after it,
// and page-aligned sections. All integers are little-endian and fixed-width;
// enum values are pinned. No row, link or code is copied to the heap:
// readers map the file and point into it.
//
//   offset  size  field
//   0       8     magic "ZYPHSHRD"
//   8       2     major version (1): readers refuse any other major
//   10      2     minor version: 0 without codes, 2 with; higher minors
//                 only add sections of new kinds
//   12      4     endianness marker 0x01020304
//   16      4     header bytes (128)
//   20      4     section count (at most 64)
//   24      4     section entry bytes (32)
//   28      4     CRC-32C of [0, 128 + 32 * section count) with this field zero
//   32      8     file size in bytes
//   40      8     rows (nodes) in the shard
//   48      4     dimension
//   52      4     row stride in floats (dimension rounded up to 16)
//   56      4     metric: 1 l2, 2 ip, 3 cosine (src/core/metric.h)
//   60      4     flags: bit 0 = rows are unit-normalised (set iff cosine)
//   64      4     M
//   68      4     efConstruction
//   72      4     entry point node (0xFFFFFFFF when empty)
//   76      4     top level, signed (-1 when empty)
//   80      8     seed of the level draw
//   88      8     entries of the upper-level link pool
//   96      8     shard uid: random, names this shard to its mutation log
//   104     4     encoding: 0 float32, 1 int8, 2 pq (src/quant/encoding.h);
//                 non-zero only in minor versions 2 and up
//   108     4     code stride: bytes per stored code; 0 under float32
//   112     4     code error bound: f32, at least |x - decode(code(x))| for
//                 every row x; all bits 0 under float32
//   116     4     element type of the rows (version 2.x only; src/core/
//                 element_type.h): 1 uint8, 2 int8; zero in 1.x
//   120     8     reserved, zero
//
// Version 2.0 is 1.2 with rows of another element type than float32: the
// vectors section holds one byte per component, which a 1.x reader must not
// read as floats, so such shards carry a major version of their own. Float32
// shards are still written as 1.0 or 1.2, byte for byte as before.
//
// Section table entry (32 bytes): u32 kind, u32 flags (0), u64 offset,
// u64 length, u32 CRC-32C of the section's bytes, u32 reserved (0).
#ifndef ZYPHYR_STORAGE_SHARD_FORMAT_H_
#define ZYPHYR_STORAGE_SHARD_FORMAT_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace zyphyr {

static_assert(std::endian::native == std::endian::little,
              "shard files are read and written in place: little-endian only");

inline constexpr char kShardMagic[8] = {'Z', 'Y', 'P', 'H', 'S', 'H', 'R', 'D'};
inline constexpr std::uint16_t kShardMajorVersion = 1;
// Shards whose rows are uint8 or int8 (everything else as in 1.2).
inline constexpr std::uint16_t kShardMajorVersionByteRows = 2;
inline constexpr std::uint16_t kShardMinorVersionByteRows = 0;
// Shards without codes are written as 1.0, with codes as 1.2: a 1.0 reader
// opens either and searches the full rows. Codes need minor version 2 or
// higher: a shard with codes and a lower minor is Corruption.
inline constexpr std::uint16_t kShardMinorVersion = 2;
inline constexpr std::uint16_t kShardMinorVersionWithoutCodes = 0;
inline constexpr std::uint32_t kEndianMarker = 0x01020304u;
inline constexpr std::size_t kShardHeaderBytes = 128;
inline constexpr std::size_t kSectionEntryBytes = 32;
inline constexpr std::size_t kMaxSections = 64;
// Sections start on multiples of this (a page on every Linux platform we map on).
inline constexpr std::size_t kSectionAlignment = 4096;
inline constexpr std::uint32_t kShardFlagNormalized = 1u;

// Pinned section kinds. Each of 1-6 appears exactly once in a version 1 shard;
// 7, 8 and 11-13 appear exactly when there are codes (int8, pq), 9 exactly
// under int8 with metric ip or cosine; readers ignore kinds they do not know
// (later minors) and the retired kind 10.
enum class SectionKind : std::uint32_t {
  kVectors = 1,         // rows * stride elements (float32 or, in 2.x, bytes), row i at i * stride * element bytes.
  kIds = 2,             // rows uint64 ids (labels), strictly increasing.
  kLevels = 3,          // rows uint8: top level of each node (0..63).
  kLevel0Links = 4,     // rows blocks of (1 + 2M) uint32: count, then neighbours.
  kUpperOffsets = 5,    // rows uint64: node's first block in the upper pool.
  kUpperLinks = 6,      // upper pool: (1 + M) uint32 blocks, levels 1..level(i) of node i.
  kQuantizer = 7,       // int8 or pq: the quantizer's serialised model (Quantizer::Serialize).
  kCodes = 8,           // int8 or pq: rows * code stride bytes, row i's code at i * code stride.
  kCodeBiases = 9,      // int8 under ip and cosine: rows float32, each row's code bias.
  kRetiredPacked = 10,  // Not written; ignored (3-byte level-0 links of minor version 1).
  // With codes: the links of 4-6 again, compactly (src/index/compact_links.h).
  kCompactLevel0 = 11,      // rows blocks of bit-packed level-0 links, then 8 zero bytes.
  kCompactUpperNodes = 12,  // U u32 nodes above level 0, then U + 1 u32 first blocks.
  kCompactUpperLinks = 13,  // bit-packed upper-level blocks in local numbers, then 8 zero bytes.
};
inline constexpr std::uint32_t kRequiredSectionKinds = 6;
inline constexpr std::uint32_t kKnownSectionKinds = 13;

// "vectors", "ids", "levels", "level-0 links", "upper offsets", "upper links",
// "quantizer", "codes", "code biases", "retired packed level-0 links",
// "compact level-0 links", "compact upper nodes", "compact upper links", or
// "unknown".
std::string_view SectionName(std::uint32_t kind);

// Field offsets in the header (see the table above).
namespace shard_header {
inline constexpr std::size_t kMagic = 0;
inline constexpr std::size_t kMajor = 8;
inline constexpr std::size_t kMinor = 10;
inline constexpr std::size_t kEndian = 12;
inline constexpr std::size_t kHeaderBytes = 16;
inline constexpr std::size_t kSectionCount = 20;
inline constexpr std::size_t kSectionEntryBytesField = 24;
inline constexpr std::size_t kHeaderCrc = 28;
inline constexpr std::size_t kFileSize = 32;
inline constexpr std::size_t kRows = 40;
inline constexpr std::size_t kDim = 48;
inline constexpr std::size_t kStride = 52;
inline constexpr std::size_t kMetric = 56;
inline constexpr std::size_t kFlags = 60;
inline constexpr std::size_t kM = 64;
inline constexpr std::size_t kEfConstruction = 68;
inline constexpr std::size_t kEntryPoint = 72;
inline constexpr std::size_t kMaxLevel = 76;
inline constexpr std::size_t kSeed = 80;
inline constexpr std::size_t kUpperLinks = 88;
inline constexpr std::size_t kUid = 96;
inline constexpr std::size_t kEncoding = 104;
inline constexpr std::size_t kCodeStride = 108;
inline constexpr std::size_t kCodeErrorBound = 112;
inline constexpr std::size_t kElementType = 116;
inline constexpr std::size_t kReserved = 120;
}  // namespace shard_header

// Field offsets in a section table entry.
namespace section_entry {
inline constexpr std::size_t kKind = 0;
inline constexpr std::size_t kFlags = 4;
inline constexpr std::size_t kOffset = 8;
inline constexpr std::size_t kLength = 16;
inline constexpr std::size_t kCrc = 24;
inline constexpr std::size_t kReserved = 28;
}  // namespace section_entry

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_SHARD_FORMAT_H_
