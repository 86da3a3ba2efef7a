// FileOps: the few system calls through which shard files and mutation logs
// are written, behind an interface so tests can make them fail (a full disk,
// an I/O error, a write cut short) at a chosen byte and check that nothing
// already stored is harmed.
//
// SystemFileOps() is the real thing; every writer takes a FileOps and
// defaults to it.
#ifndef ZYPHYR_STORAGE_FILE_OPS_H_
#define ZYPHYR_STORAGE_FILE_OPS_H_

#include <sys/types.h>

#include <cstddef>
#include <string>

#include "src/core/status.h"

namespace zyphyr {

class FileOps {
 public:
  virtual ~FileOps() = default;
  // As write(2): bytes written (possibly fewer than `size`), or -1 with errno set.
  virtual ssize_t Write(int fd, const void* data, std::size_t size) const = 0;
  // As fsync(2): 0, or -1 with errno set.
  virtual int Sync(int fd) const = 0;
};

// write(2) and fsync(2), retried on EINTR.
const FileOps& SystemFileOps();

// Writes all `size` bytes (looping over short writes). IOError
// "<path>: cannot write: <errno text>" on failure; a write that makes no
// progress counts as "No space left on device".
Status WriteAll(const FileOps& ops, int fd, const void* data, std::size_t size, const std::string& path);

// ops.Sync(fd); IOError "<path>: cannot fsync: <errno text>".
Status SyncFd(const FileOps& ops, int fd, const std::string& path);

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_FILE_OPS_H_
