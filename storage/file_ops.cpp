#include "storage/file_ops.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace zyphyr {
namespace {

class SystemOps final : public FileOps {
 public:
  ssize_t Write(int fd, const void* data, std::size_t size) const override {
    ssize_t n;
    do {
      n = ::write(fd, data, size);
    } while (n < 0 && errno == EINTR);
    return n;
  }
  int Sync(int fd) const override {
    int rc;
    do {
      rc = ::fsync(fd);
    } while (rc < 0 && errno == EINTR);
    return rc;
  }
};

}  // namespace

const FileOps& SystemFileOps() {
  static const SystemOps ops;
  return ops;
}

Status WriteAll(const FileOps& ops, int fd, const void* data, std::size_t size, const std::string& path) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    // At most 1 GiB per call: Linux writes no more than ~2 GiB at once.
    const std::size_t chunk = size < (std::size_t{1} << 30) ? size : (std::size_t{1} << 30);
    const ssize_t n = ops.Write(fd, p, chunk);
    if (n < 0) return Status::IOError(path + ": cannot write: " + std::strerror(errno));
    if (n == 0) return Status::IOError(path + ": cannot write: " + std::strerror(ENOSPC));
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

Status SyncFd(const FileOps& ops, int fd, const std::string& path) {
  if (ops.Sync(fd) != 0) return Status::IOError(path + ": cannot fsync: " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace zyphyr
