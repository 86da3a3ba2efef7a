#include "storage/mutation_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "storage/atomic_file.h"
#include "storage/mutation_log_codec.h"
#include "storage/unique_fd.h"

namespace zyphyr {
namespace {

using mutation_log_codec::EncodeHeader;
using mutation_log_codec::EncodeRecord;
using mutation_log_codec::kHeaderSize;
using mutation_log_codec::ParseLog;

std::string ErrnoText(int err) { return std::strerror(err); }

Status IoError(const std::string& path, const char* what, int err) {
  return Status::IOError(path + ": " + what + ": " + ErrnoText(err));
}

// Reads all of `fd` (from offset 0) into `bytes`.
Status ReadAll(int fd, const std::string& path, std::vector<unsigned char>* bytes) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return IoError(path, "cannot stat", errno);
  if (!S_ISREG(st.st_mode)) return Status::IOError(path + ": cannot read: not a regular file");
  bytes->resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < bytes->size()) {
    const ssize_t n = ::pread(fd, bytes->data() + done, bytes->size() - done, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError(path, "cannot read", errno);
    }
    if (n == 0) break;  // The file shrank (a writer truncated a torn tail): what was read is a prefix.
    done += static_cast<std::size_t>(n);
  }
  bytes->resize(done);
  return Status::Ok();
}

int Ftruncate(int fd, std::uint64_t length) {
  int rc;
  do {
    rc = ::ftruncate(fd, static_cast<off_t>(length));
  } while (rc != 0 && errno == EINTR);
  return rc;
}

}  // namespace

Result<LogContents> ReadMutationLog(const std::string& path, std::size_t dim, std::uint64_t shard_uid) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENOENT) return LogContents{};
    return IoError(path, "cannot open", errno);
  }
  UniqueFd guard(fd);
  std::vector<unsigned char> bytes;
  ZYPHYR_RETURN_IF_ERROR(ReadAll(fd, path, &bytes));
  return ParseLog(path, bytes, dim, shard_uid);
}

Result<MutationLogWriter> MutationLogWriter::Open(const std::string& path, std::size_t dim, std::uint64_t shard_uid,
                                                  const FileOps& ops) {
  if (dim == 0 || dim > UINT32_MAX) {
    return Status::InvalidArgument(path + ": dimension " + std::to_string(dim) + " cannot be stored in a log");
  }
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return IoError(path, "cannot open", errno);
  UniqueFd guard(fd);
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return IoError(path, "cannot lock", errno);

  // Holding the lock, nobody else writes: the file is as the last writer left it.
  struct stat st {};
  if (::fstat(fd, &st) != 0) return IoError(path, "cannot stat", errno);
  if (static_cast<std::uint64_t>(st.st_size) < kHeaderSize) {
    // Empty: just created (by us, or by a writer that crashed before writing the header). Shorter than a header but
    // not empty: a writer crashed while writing the header, so nothing was ever appended (see ParseLog). Either
    // way the file holds no records: start it over with a fresh header, made durable with its directory entry.
    if (st.st_size != 0 && Ftruncate(fd, 0) != 0) return IoError(path, "cannot truncate", errno);
    if (::lseek(fd, 0, SEEK_SET) < 0) return IoError(path, "cannot seek", errno);
    const std::vector<unsigned char> head = EncodeHeader(static_cast<std::uint32_t>(dim), shard_uid);
    ZYPHYR_RETURN_IF_ERROR(WriteAll(ops, fd, head.data(), head.size(), path));
    ZYPHYR_RETURN_IF_ERROR(SyncFd(ops, fd, path));
    ZYPHYR_RETURN_IF_ERROR(FsyncParentDirectory(path));
  }

  std::vector<unsigned char> bytes;
  ZYPHYR_RETURN_IF_ERROR(ReadAll(fd, path, &bytes));
  Result<LogContents> contents = ParseLog(path, bytes, dim, shard_uid);
  if (!contents.ok()) return contents.status();
  bytes = {};
  if (contents->torn_bytes > 0) {
    // Drop the torn tail now, so that appends follow the last good record. contents().torn_bytes keeps reporting
    // how much was dropped.
    if (Ftruncate(fd, contents->valid_bytes) != 0) return IoError(path, "cannot truncate", errno);
    ZYPHYR_RETURN_IF_ERROR(SyncFd(ops, fd, path));
  }
  return MutationLogWriter(path, guard.Release(), dim, &ops, std::move(*contents));
}

MutationLogWriter::MutationLogWriter(std::string path, int fd, std::size_t dim, const FileOps* ops,
                                     LogContents contents)
    : path_(std::move(path)), fd_(fd), dim_(dim), ops_(ops), contents_(std::move(contents)) {}

MutationLogWriter::MutationLogWriter(MutationLogWriter&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      dim_(other.dim_),
      ops_(other.ops_),
      contents_(std::move(other.contents_)),
      truncate_pending_(std::exchange(other.truncate_pending_, false)) {}

MutationLogWriter& MutationLogWriter::operator=(MutationLogWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    dim_ = other.dim_;
    ops_ = other.ops_;
    contents_ = std::move(other.contents_);
    truncate_pending_ = std::exchange(other.truncate_pending_, false);
  }
  return *this;
}

MutationLogWriter::~MutationLogWriter() {
  if (fd_ >= 0) ::close(fd_);  // Closing the last descriptor releases the flock.
}

Status MutationLogWriter::AppendInsert(std::span<const std::uint64_t> ids, std::span<const float> vectors) {
  if (ids.empty()) return Status::InvalidArgument(path_ + ": insert of no ids");
  std::size_t floats = 0;
  if (__builtin_mul_overflow(ids.size(), dim_, &floats) || vectors.size() != floats) {
    return Status::InvalidArgument(path_ + ": insert of " + std::to_string(ids.size()) + " ids of dimension " +
                                   std::to_string(dim_) + " has " + std::to_string(vectors.size()) + " floats");
  }
  LogRecord record;
  record.type = LogRecordType::kInsert;
  record.ids.assign(ids.begin(), ids.end());
  record.vectors.assign(vectors.begin(), vectors.end());
  return Append(std::move(record));
}

Status MutationLogWriter::AppendDelete(std::span<const std::uint64_t> ids) {
  if (ids.empty()) return Status::InvalidArgument(path_ + ": delete of no ids");
  LogRecord record;
  record.type = LogRecordType::kDelete;
  record.ids.assign(ids.begin(), ids.end());
  return Append(std::move(record));
}

Status MutationLogWriter::Append(LogRecord record) {
  if (fd_ < 0) return Status::Internal("mutation log writer used after being moved from");
  if (truncate_pending_) {
    // A failed append could not be cut off: do it now, or refuse (appending after it would break the sequence).
    if (Ftruncate(fd_, contents_.valid_bytes) != 0) return IoError(path_, "cannot truncate", errno);
    truncate_pending_ = false;
  }
  record.sequence = contents_.records.empty() ? 1 : contents_.records.back().sequence + 1;
  const std::vector<unsigned char> buf = EncodeRecord(record);

  // Write at the end of the last good record, whatever a failed write did to the file offset.
  if (::lseek(fd_, static_cast<off_t>(contents_.valid_bytes), SEEK_SET) < 0)
    return IoError(path_, "cannot seek", errno);
  Status st = WriteAll(*ops_, fd_, buf.data(), buf.size(), path_);
  if (st.ok()) st = SyncFd(*ops_, fd_, path_);
  if (!st.ok()) {
    // Cut the partial (or unsynced) record off so that it cannot reappear; best effort, retried by the next append.
    if (Ftruncate(fd_, contents_.valid_bytes) != 0) {
      truncate_pending_ = true;
    } else {
      (void)ops_->Sync(fd_);
    }
    return st;
  }
  contents_.valid_bytes += buf.size();
  contents_.records.push_back(std::move(record));
  return Status::Ok();
}

}  // namespace zyphyr
