// FailingFileOps: the system's write(2) and fsync(2), failing when told to,
// for the fault tests of every file writer.
#ifndef ZYPHYR_TESTS_STORAGE_FAILING_FILE_OPS_H_
#define ZYPHYR_TESTS_STORAGE_FAILING_FILE_OPS_H_

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <optional>

#include "storage/file_ops.h"

namespace zyphyr::testing {

// SystemFileOps() until told to fail. Not thread-safe.
class FailingFileOps final : public FileOps {
 public:
  FailingFileOps() = default;
  // Writes the first `budget` bytes and then fails with `error`; with
  // `fail_sync`, every fsync fails with EIO as well.
  FailingFileOps(std::size_t budget, int error, bool fail_sync = false) {
    FailWritesAfter(budget, error);
    if (fail_sync) FailSyncs(EIO);
  }

  // Writes `budget` more bytes (cutting a write short where needed, as a full
  // disk does), then fails every write with `error`.
  void FailWritesAfter(std::size_t budget, int error = ENOSPC) {
    write_budget_ = budget;
    write_errno_ = error;
  }
  // Fails every fsync with `error`.
  void FailSyncs(int error) { sync_errno_ = error; }
  // Fails nothing from now on.
  void Heal() {
    write_budget_.reset();
    sync_errno_ = 0;
  }

  ssize_t Write(int fd, const void* data, std::size_t size) const override {
    if (write_budget_.has_value()) {
      if (*write_budget_ == 0) {
        errno = write_errno_;
        return -1;
      }
      size = std::min(size, *write_budget_);
    }
    const ssize_t n = SystemFileOps().Write(fd, data, size);
    if (n > 0 && write_budget_.has_value()) *write_budget_ -= static_cast<std::size_t>(n);
    return n;
  }
  int Sync(int fd) const override {
    if (sync_errno_ != 0) {
      errno = sync_errno_;
      return -1;
    }
    return SystemFileOps().Sync(fd);
  }

 private:
  mutable std::optional<std::size_t> write_budget_;
  int write_errno_ = 0;
  int sync_errno_ = 0;
};

}  // namespace zyphyr::testing

#endif  // ZYPHYR_TESTS_STORAGE_FAILING_FILE_OPS_H_
