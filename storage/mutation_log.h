// MutationLog: the append-only log of inserts and deletes made to a shard
// after it was built. Each operation is one checksummed record, written with
// one write(2) and fsync'd before the call returns; the log is replayed when
// the shard is opened and folded into a new shard by compaction.
//
// File layout (little-endian; documented byte by byte in storage/FORMAT.md):
//   header, 64 bytes:
//     0  u8[8] magic "ZYPHRLOG"
//     8  u16   major version (1)    10 u16 minor version (0)
//     12 u32   endianness marker 0x01020304
//     16 u32   dim                  20 u32 reserved (0)
//     24 u64   shard uid (the shard this log belongs to)
//     32 u8[28] reserved (0)
//     60 u32   CRC-32C of bytes [0, 60)
//   records, back to back, each:
//     0  u32   record magic 0x4345525A ("ZREC")
//     4  u32   type: 1 insert, 2 delete
//     8  u64   payload bytes
//     16 u64   sequence number (1 for the first record, then +1)
//     24 u32   CRC-32C of the payload
//     28 u32   CRC-32C of bytes [0, 28) of this record header
//     32       payload:
//                insert: u64 count, u64 ids[count], f32 vectors[count * dim]
//                delete: u64 count, u64 ids[count]
//
// Torn tails: a crash during an append can leave a prefix of the last record
// (or garbage past the last good one). When reading, a bad record (short
// header, bad header CRC, payload past the end of the file, bad payload CRC,
// wrong sequence number) after which no valid record header follows is a torn
// tail: it is dropped (the records before it are returned) and reported in
// LogContents. A bad record followed by a valid one is corruption: Corruption
// error naming the file and the offset. The next append truncates a torn tail
// away before writing.
//
// A record whose checksums match but whose contents are impossible (unknown
// type, wrong payload size for its count, no ids) is corruption wherever it is:
// a torn write cannot produce it. A record whose header checksum matches is
// trusted for its length when looking for a later valid record.
//
// Concurrency: a MutationLogWriter holds an exclusive flock(2) on the file
// for its lifetime; a second writer (in any process, and in the same process
// too: a second Open there blocks forever) waits for it. Readers take no lock:
// they see a prefix of the appends.
#ifndef ZYPHYR_STORAGE_MUTATION_LOG_H_
#define ZYPHYR_STORAGE_MUTATION_LOG_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "src/core/status.h"
#include "storage/file_ops.h"

namespace zyphyr {

enum class LogRecordType : std::uint32_t {
  kInsert = 1,
  kDelete = 2,
};

struct LogRecord {
  LogRecordType type = LogRecordType::kInsert;
  std::uint64_t sequence = 0;
  std::vector<std::uint64_t> ids;
  std::vector<float> vectors;  // ids.size() * dim floats for inserts; empty for deletes.
};

struct LogContents {
  std::vector<LogRecord> records;  // In log order.
  std::uint64_t valid_bytes = 0;   // Header plus every good record.
  std::uint64_t torn_bytes = 0;    // Dropped from the tail (0 when the log ended cleanly).
};

// Reads the log at `path` written for a shard of `dim` and `shard_uid`.
// A missing file is an empty log (no records, valid_bytes 0).
// Errors: Corruption "<path>: ..." for a bad header (magic, CRC, version:
// "unsupported log version M.m"), a dim or uid that differs from the shard's
// ("log belongs to another shard"), or a bad record followed by good ones
// ("record at offset N: <what>"); Unsupported "<path>: unsupported log version
// 2.0 (this build reads 1.x)"; IOError when it cannot be read. A non-empty file
// shorter than the header is a torn creation: an empty log, torn_bytes its size.
Result<LogContents> ReadMutationLog(const std::string& path, std::size_t dim, std::uint64_t shard_uid);

class MutationLogWriter {
 public:
  // Opens the log at `path` for appending, creating it (with its header,
  // fsync'd, and the directory fsync'd) when missing. Takes the exclusive
  // lock (blocking), then reads and validates the log as ReadMutationLog does
  // (same errors) and truncates a torn tail (contents().torn_bytes still says
  // how much was cut). A file shorter than the header is rewritten as a new
  // log. InvalidArgument for dim 0 or above 2^32 - 1. `ops` must outlive the
  // writer.
  static Result<MutationLogWriter> Open(const std::string& path, std::size_t dim, std::uint64_t shard_uid,
                                        const FileOps& ops = SystemFileOps());

  MutationLogWriter(MutationLogWriter&& other) noexcept;
  MutationLogWriter& operator=(MutationLogWriter&& other) noexcept;
  MutationLogWriter(const MutationLogWriter&) = delete;
  MutationLogWriter& operator=(const MutationLogWriter&) = delete;
  ~MutationLogWriter();  // Releases the lock.

  // The records already in the log when it was opened, plus those appended.
  const LogContents& contents() const { return contents_; }

  // Appends one insert record (ids.size() rows of dim floats in `vectors`) and
  // fsyncs. Returns only once the record is durable. On error (IOError naming
  // the path) the file is truncated back to its previous length (best effort)
  // and the record is not in contents(); InvalidArgument when vectors.size()
  // != ids.size() * dim or ids is empty.
  Status AppendInsert(std::span<const std::uint64_t> ids, std::span<const float> vectors);
  // Appends one delete record; as AppendInsert.
  Status AppendDelete(std::span<const std::uint64_t> ids);

 private:
  MutationLogWriter(std::string path, int fd, std::size_t dim, const FileOps* ops, LogContents contents);
  Status Append(LogRecord record);

  std::string path_;
  int fd_ = -1;
  std::size_t dim_ = 0;
  const FileOps* ops_ = nullptr;
  LogContents contents_;
  // A failed append whose record could not be truncated away: the next append truncates first (or fails).
  bool truncate_pending_ = false;
};

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_MUTATION_LOG_H_
