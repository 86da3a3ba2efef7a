#include "storage/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "storage/interrupt_cleanup.h"
#include "storage/stale_temporaries.h"
#include "storage/unique_fd.h"

namespace zyphyr {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

// Directory part of `path` ("." when it has none) and the name after the last '/'.
std::string DirName(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::string TempPathFor(const std::string& final_path) {
  static std::atomic<std::uint64_t> counter{0};
  const std::uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  const auto now = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  const std::uint64_t random = SplitMix64(now ^ (n << 32) ^ reinterpret_cast<std::uintptr_t>(&counter));
  char suffix[80];
  std::snprintf(suffix, sizeof(suffix), ".tmp-%ld-%llu-%08llx", static_cast<long>(::getpid()),
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(random & 0xffffffffULL));
  const std::size_t slash = final_path.rfind('/');
  const std::string prefix = slash == std::string::npos ? std::string() : final_path.substr(0, slash + 1);
  return prefix + "." + BaseName(final_path) + suffix;
}

Result<std::string> CreateTempFileFor(const std::string& final_path) {
  // O_EXCL makes a name collision (another process, a stale temporary) visible; a fresh name is then tried.
  for (int attempt = 0;; ++attempt) {
    std::string tmp = TempPathFor(final_path);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(fd);
      return tmp;
    }
    if (errno != EEXIST || attempt >= 16) return Status::IOError(final_path + ": cannot create: " + ErrnoText(errno));
  }
}

Status FsyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(path + ": cannot open: " + ErrnoText(errno));
  UniqueFd closer(fd);
  if (::fsync(fd) != 0) return Status::IOError(path + ": cannot fsync: " + ErrnoText(errno));
  return Status::Ok();
}

Status FsyncParentDirectory(const std::string& path) {
  const std::string dir = DirName(path);
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(dir + ": cannot open directory: " + ErrnoText(errno));
  UniqueFd closer(fd);
  if (::fsync(fd) != 0 && errno != EINVAL)
    return Status::IOError(dir + ": cannot fsync directory: " + ErrnoText(errno));
  return Status::Ok();
}

Status RenameAtomically(const std::string& tmp_path, const std::string& final_path) {
  if (::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
    return Status::IOError(final_path + ": cannot rename " + tmp_path + " into place: " + ErrnoText(errno));
  }
  return FsyncParentDirectory(final_path);
}

void RemoveQuietly(const std::string& path) noexcept {
  if (!path.empty()) ::unlink(path.c_str());
}

Status CopyFileContents(const std::string& from, const std::string& to) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Status::IOError(from + ": cannot open: " + ErrnoText(errno));
  UniqueFd in_closer(in);
  struct stat st {};
  if (::fstat(in, &st) != 0) return Status::IOError(from + ": cannot stat: " + ErrnoText(errno));
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) return Status::IOError(to + ": cannot create: " + ErrnoText(errno));
  UniqueFd out_closer(out);
  std::vector<char> buffer(1 << 20);
  for (;;) {
    const ssize_t got = ::read(in, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Status::IOError(from + ": cannot read: " + ErrnoText(errno));
    if (got == 0) break;
    for (ssize_t done = 0; done < got;) {
      const ssize_t put = ::write(out, buffer.data() + done, static_cast<std::size_t>(got - done));
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) return Status::IOError(to + ": cannot write: " + ErrnoText(errno));
      done += put;
    }
  }
  if (::fchmod(out, st.st_mode & 07777) != 0) return Status::IOError(to + ": cannot chmod: " + ErrnoText(errno));
  if (const int err = out_closer.Close(); err != 0) return Status::IOError(to + ": cannot write: " + ErrnoText(err));
  return Status::Ok();
}

Result<PendingFile> PendingFile::Create(const std::string& final_path) {
  RemoveStaleTemporaries(final_path);
  // As CreateTempFileFor, but created and registered at once (storage/interrupt_cleanup.h).
  for (int attempt = 0;; ++attempt) {
    std::string tmp = TempPathFor(final_path);
    const bool created = CreateForInterruptCleanup(tmp, CleanupKind::kFile, [&] {
      const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0) return false;
      ::close(fd);
      return true;
    });
    if (created) return PendingFile(std::move(tmp), final_path);
    if (errno != EEXIST || attempt >= 16) return Status::IOError(final_path + ": cannot create: " + ErrnoText(errno));
  }
}

PendingFile::PendingFile(PendingFile&& other) noexcept
    : temp_path_(std::move(other.temp_path_)), final_path_(std::move(other.final_path_)) {
  other.temp_path_.clear();
}

PendingFile& PendingFile::operator=(PendingFile&& other) noexcept {
  if (this != &other) {
    Discard();
    temp_path_ = std::move(other.temp_path_);
    final_path_ = std::move(other.final_path_);
    other.temp_path_.clear();
  }
  return *this;
}

PendingFile::~PendingFile() { Discard(); }

void PendingFile::Discard() noexcept {
  if (temp_path_.empty()) return;
  RemoveQuietly(temp_path_);
  UnregisterFromInterruptCleanup(temp_path_);
  temp_path_.clear();
}

Status PendingFile::Commit() {
  if (temp_path_.empty()) return Status::InvalidArgument(final_path_ + ": nothing to commit (already committed)");
  Status st = FsyncFile(temp_path_);
  if (st.ok()) st = RenameAtomically(temp_path_, final_path_);
  if (!st.ok()) RemoveQuietly(temp_path_);  // After a successful rename the name is gone anyway.
  UnregisterFromInterruptCleanup(temp_path_);
  temp_path_.clear();
  return st;
}

}  // namespace zyphyr
