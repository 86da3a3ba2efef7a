#include "storage/mutation_log_codec.h"

#include <bit>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>

#include "storage/byte_order.h"
#include "storage/crc32c.h"
#include "storage/shard_format.h"

namespace zyphyr::mutation_log_codec {
namespace {

static_assert(std::endian::native == std::endian::little, "the mutation log is written by little-endian hosts only");

// ---- Layout (see storage/mutation_log.h and storage/FORMAT.md) --------------

constexpr unsigned char kMagic[8] = {'Z', 'Y', 'P', 'H', 'R', 'L', 'O', 'G'};
constexpr std::uint16_t kMajorVersion = 1;
constexpr std::uint16_t kMinorVersion = 0;
constexpr std::size_t kHeaderCrcOffset = 60;
constexpr std::uint32_t kRecordMagic = 0x4345525Au;  // "ZREC" as little-endian bytes.
constexpr std::size_t kRecordHeaderSize = 32;
constexpr std::size_t kRecordHeaderCrcOffset = 28;

// Header field offsets.
namespace h {
constexpr std::size_t kMajor = 8;
constexpr std::size_t kMinor = 10;
constexpr std::size_t kEndian = 12;
constexpr std::size_t kDim = 16;
constexpr std::size_t kUid = 24;
}  // namespace h

// Record header field offsets.
namespace r {
constexpr std::size_t kMagic = 0;
constexpr std::size_t kType = 4;
constexpr std::size_t kPayloadBytes = 8;
constexpr std::size_t kSequence = 16;
constexpr std::size_t kPayloadCrc = 24;
}  // namespace r

Status Corrupt(const std::string& path, const std::string& what) { return Status::Corruption(path + ": " + what); }

std::string Hex64(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%016" PRIx64, v);
  return buf;
}

const char* TypeName(std::uint32_t type) {
  return type == static_cast<std::uint32_t>(LogRecordType::kInsert) ? "insert" : "delete";
}

// Validates the 64-byte header at `p` against the shard's `dim` and `uid`.
Status CheckHeader(const std::string& path, const unsigned char* p, std::size_t dim, std::uint64_t uid) {
  if (std::memcmp(p, kMagic, sizeof(kMagic)) != 0) return Corrupt(path, "not a Zyphyr mutation log (bad magic)");
  if (LoadLe<std::uint32_t>(p + kHeaderCrcOffset) != Crc32c(p, kHeaderCrcOffset)) {
    return Corrupt(path, "log header checksum mismatch");
  }
  const auto major = LoadLe<std::uint16_t>(p + h::kMajor);
  const auto minor = LoadLe<std::uint16_t>(p + h::kMinor);
  // A higher minor version only adds what this reader may ignore (reserved bytes); a new major is unreadable.
  if (major != kMajorVersion) {
    return Status::Unsupported(path + ": unsupported log version " + std::to_string(major) + "." +
                               std::to_string(minor) + " (this build reads 1.x)");
  }
  const auto endian = LoadLe<std::uint32_t>(p + h::kEndian);
  if (endian != kEndianMarker) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "0x%08" PRIx32, endian);
    return Corrupt(path, std::string("bad endianness marker ") + buf);
  }
  const auto log_uid = LoadLe<std::uint64_t>(p + h::kUid);
  if (log_uid != uid) {
    return Corrupt(path, "log belongs to another shard (uid " + Hex64(log_uid) + ", expected " + Hex64(uid) + ")");
  }
  const auto log_dim = LoadLe<std::uint32_t>(p + h::kDim);
  if (log_dim != dim) {
    return Corrupt(path, "log has dimension " + std::to_string(log_dim) + ", shard has " + std::to_string(dim));
  }
  return Status::Ok();
}

// Whether a record header with the right magic and header checksum starts at `p` (kRecordHeaderSize bytes readable).
bool IsValidRecordHeader(const unsigned char* p) {
  return LoadLe<std::uint32_t>(p + r::kMagic) == kRecordMagic &&
         LoadLe<std::uint32_t>(p + kRecordHeaderCrcOffset) == Crc32c(p, kRecordHeaderCrcOffset);
}

// The outcome of parsing one record.
struct RecordParse {
  bool ok = false;
  LogRecord record;            // When ok.
  std::uint64_t end = 0;       // When ok: the offset just past the record.
  std::string what;            // When not ok: what is wrong with it.
  std::uint64_t scan = 0;      // When not ok: where a later valid record header may start.
  bool torn_possible = false;  // When not ok: whether a crash in mid-append can explain it.
};

// The payload size an insert (`is_insert`) or delete record of `count` ids must have, or nullopt on overflow.
std::optional<std::uint64_t> ExpectedPayload(bool is_insert, std::uint64_t count, std::size_t dim) {
  std::uint64_t ids_bytes = 0;
  if (__builtin_mul_overflow(count, std::uint64_t{8}, &ids_bytes)) return std::nullopt;
  std::uint64_t total = 0;
  if (__builtin_add_overflow(ids_bytes, std::uint64_t{8}, &total)) return std::nullopt;
  if (is_insert) {
    std::uint64_t floats = 0;
    std::uint64_t float_bytes = 0;
    if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(dim), &floats)) return std::nullopt;
    if (__builtin_mul_overflow(floats, std::uint64_t{4}, &float_bytes)) return std::nullopt;
    if (__builtin_add_overflow(total, float_bytes, &total)) return std::nullopt;
  }
  return total;
}

// Parses the record at `off` of `data` (size `size`), expecting sequence number `sequence`.
RecordParse ParseRecord(const unsigned char* data, std::uint64_t size, std::uint64_t off, std::uint64_t sequence,
                        std::size_t dim) {
  RecordParse out;
  const std::uint64_t left = size - off;
  // A bad header says nothing about the record's length: any later byte may start a good record.
  out.scan = off + 1;
  out.torn_possible = true;
  if (left < kRecordHeaderSize) {
    out.what = "short record header (" + std::to_string(left) + " bytes)";
    return out;
  }
  const unsigned char* p = data + off;
  if (LoadLe<std::uint32_t>(p + r::kMagic) != kRecordMagic) {
    out.what = "bad record magic";
    return out;
  }
  if (LoadLe<std::uint32_t>(p + kRecordHeaderCrcOffset) != Crc32c(p, kRecordHeaderCrcOffset)) {
    out.what = "bad header checksum";
    return out;
  }
  // The header is good: its payload length can be trusted, and bytes inside the payload are payload, not records.
  const auto type = LoadLe<std::uint32_t>(p + r::kType);
  const auto payload_bytes = LoadLe<std::uint64_t>(p + r::kPayloadBytes);
  const auto seq = LoadLe<std::uint64_t>(p + r::kSequence);
  if (payload_bytes > left - kRecordHeaderSize) {
    out.what = "payload past end of file (" + std::to_string(payload_bytes) + " bytes)";
    out.scan = size;
    return out;
  }
  const std::uint64_t end = off + kRecordHeaderSize + payload_bytes;
  out.scan = end;
  const unsigned char* payload = p + kRecordHeaderSize;
  if (LoadLe<std::uint32_t>(p + r::kPayloadCrc) != Crc32c(payload, payload_bytes)) {
    out.what = "bad payload checksum";
    return out;
  }
  // Both checksums match: the record was written whole, so a crash cannot explain what follows.
  out.torn_possible = false;
  if (type != static_cast<std::uint32_t>(LogRecordType::kInsert) &&
      type != static_cast<std::uint32_t>(LogRecordType::kDelete)) {
    out.what = "unknown record type " + std::to_string(type);
    return out;
  }
  const bool is_insert = type == static_cast<std::uint32_t>(LogRecordType::kInsert);
  if (payload_bytes < 8) {
    out.what = "payload of " + std::string(TypeName(type)) + " record has " + std::to_string(payload_bytes) +
               " bytes, expected at least 8";
    return out;
  }
  const auto count = LoadLe<std::uint64_t>(payload);
  const std::optional<std::uint64_t> expected = ExpectedPayload(is_insert, count, dim);
  if (!expected.has_value() || *expected != payload_bytes) {
    out.what = "payload of " + std::string(TypeName(type)) + " record has " + std::to_string(payload_bytes) +
               " bytes, expected " + (expected.has_value() ? std::to_string(*expected) : "more than 2^64") + " for " +
               std::to_string(count) + " ids";
    return out;
  }
  if (count == 0) {
    out.what = std::string(TypeName(type)) + " record has no ids";
    return out;
  }
  if (seq != sequence) {
    // A record from before a failed truncation, or one spliced in: reported as the header describes (torn when last).
    out.what = "sequence " + std::to_string(seq) + ", expected " + std::to_string(sequence);
    out.torn_possible = true;
    return out;
  }
  // The sizes were checked above, so these allocations are bounded by the file size.
  out.record.type = static_cast<LogRecordType>(type);
  out.record.sequence = seq;
  out.record.ids.resize(count);
  std::memcpy(out.record.ids.data(), payload + 8, count * 8);
  if (is_insert) {
    out.record.vectors.resize(count * dim);
    std::memcpy(out.record.vectors.data(), payload + 8 + count * 8, count * dim * 4);
  }
  out.ok = true;
  out.end = end;
  return out;
}

// Whether a valid record header starts at any offset in [from, size).
bool ValidRecordHeaderFollows(const unsigned char* data, std::uint64_t size, std::uint64_t from) {
  if (size < kRecordHeaderSize) return false;
  for (std::uint64_t off = from; off + kRecordHeaderSize <= size; ++off) {
    if (LoadLe<std::uint32_t>(data + off) == kRecordMagic && IsValidRecordHeader(data + off)) return true;
  }
  return false;
}

}  // namespace

// The 64-byte file header for a log of `dim` and `uid`.
std::vector<unsigned char> EncodeHeader(std::uint32_t dim, std::uint64_t uid) {
  std::vector<unsigned char> head(kHeaderSize, 0);
  std::memcpy(head.data(), kMagic, sizeof(kMagic));
  StoreLe<std::uint16_t>(&head[h::kMajor], kMajorVersion);
  StoreLe<std::uint16_t>(&head[h::kMinor], kMinorVersion);
  StoreLe<std::uint32_t>(&head[h::kEndian], kEndianMarker);
  StoreLe<std::uint32_t>(&head[h::kDim], dim);
  StoreLe<std::uint64_t>(&head[h::kUid], uid);
  StoreLe<std::uint32_t>(&head[kHeaderCrcOffset], Crc32c(head.data(), kHeaderCrcOffset));
  return head;
}

std::vector<unsigned char> EncodeRecord(const LogRecord& record) {
  const bool is_insert = record.type == LogRecordType::kInsert;
  const std::uint64_t count = record.ids.size();
  const std::size_t payload_bytes = 8 + record.ids.size() * 8 + record.vectors.size() * 4;
  std::vector<unsigned char> buf(kRecordHeaderSize + payload_bytes);
  unsigned char* payload = buf.data() + kRecordHeaderSize;
  StoreLe<std::uint64_t>(payload, count);
  std::memcpy(payload + 8, record.ids.data(), record.ids.size() * 8);
  if (is_insert) std::memcpy(payload + 8 + record.ids.size() * 8, record.vectors.data(), record.vectors.size() * 4);
  unsigned char* head = buf.data();
  StoreLe<std::uint32_t>(head + r::kMagic, kRecordMagic);
  StoreLe<std::uint32_t>(head + r::kType, static_cast<std::uint32_t>(record.type));
  StoreLe<std::uint64_t>(head + r::kPayloadBytes, payload_bytes);
  StoreLe<std::uint64_t>(head + r::kSequence, record.sequence);
  StoreLe<std::uint32_t>(head + r::kPayloadCrc, Crc32c(payload, payload_bytes));
  StoreLe<std::uint32_t>(head + kRecordHeaderCrcOffset, Crc32c(head, kRecordHeaderCrcOffset));
  return buf;
}

Result<LogContents> ParseLog(const std::string& path, const std::vector<unsigned char>& bytes, std::size_t dim,
                             std::uint64_t uid) {
  LogContents contents;
  const std::uint64_t size = bytes.size();
  if (size < kHeaderSize) {
    // A crash while the header was being written (the file is created empty, then the header is written and
    // fsync'd): nothing was ever appended to it, so it holds no records.
    contents.torn_bytes = size;
    return contents;
  }
  const unsigned char* data = bytes.data();
  ZYPHYR_RETURN_IF_ERROR(CheckHeader(path, data, dim, uid));
  std::uint64_t off = kHeaderSize;
  while (off < size) {
    RecordParse parsed = ParseRecord(data, size, off, contents.records.size() + 1, dim);
    if (parsed.ok) {
      contents.records.push_back(std::move(parsed.record));
      off = parsed.end;
      continue;
    }
    if (!parsed.torn_possible || ValidRecordHeaderFollows(data, size, parsed.scan)) {
      return Corrupt(path, "record at offset " + std::to_string(off) + ": " + parsed.what);
    }
    contents.torn_bytes = size - off;
    break;
  }
  contents.valid_bytes = off;
  return contents;
}

}  // namespace zyphyr::mutation_log_codec
