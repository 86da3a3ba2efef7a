// UniqueFd: owns a file descriptor and closes it on scope exit unless it was
// released or closed explicitly.
#ifndef ZYPHYR_STORAGE_UNIQUE_FD_H_
#define ZYPHYR_STORAGE_UNIQUE_FD_H_

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace zyphyr {

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }

  int get() const { return fd_; }
  // Gives up ownership.
  int Release() { return std::exchange(fd_, -1); }
  // Closes now and reports close(2)'s errno (0 on success, or when nothing is owned).
  int Close() {
    if (fd_ < 0) return 0;
    const int rc = ::close(std::exchange(fd_, -1));
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_UNIQUE_FD_H_
