#include "storage/index_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "storage/atomic_file.h"
#include "storage/interrupt_cleanup.h"
#include "storage/stale_temporaries.h"

namespace zyphyr {
namespace {

std::string TrimSlashes(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

}  // namespace

Result<DirectoryLock> DirectoryLock::Acquire(const std::string& dir) {
  const std::string path = JoinPath(dir, kLockName);
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0) return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  int rc;
  do {
    rc = ::flock(fd.get(), LOCK_EX);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return Status::IOError(path + ": cannot lock: " + std::strerror(errno));
  return DirectoryLock(std::move(fd));
}

Status CheckIndexDirectoryIsNew(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::symlink_status(dir, ec).type() != std::filesystem::file_type::not_found && !ec) {
    return Status::InvalidArgument(dir + ": already exists (remove it or choose another --index)");
  }
  return Status::Ok();
}

Result<std::string> CreateStagingDirectory(const std::string& dir) {
  RemoveStaleTemporaries(dir);
  const std::string tmp = TempPathFor(TrimSlashes(dir));
  if (!CreateForInterruptCleanup(tmp, CleanupKind::kTree, [&] { return ::mkdir(tmp.c_str(), 0755) == 0; })) {
    return Status::IOError(dir + ": cannot create: " + std::strerror(errno));
  }
  if (Status owned = WriteStagingOwner(tmp); !owned.ok()) {
    RemoveStagingDirectory(tmp);
    return owned;
  }
  return tmp;
}

void RemoveStagingDirectory(const std::string& staging) {
  std::error_code ignored;
  std::filesystem::remove_all(staging, ignored);
  UnregisterFromInterruptCleanup(staging);
}

Status PublishIndexDirectory(const std::string& staging, const std::string& dir, const IndexManifest& manifest) {
  ZYPHYR_RETURN_IF_ERROR(WriteManifest(staging, manifest));
  {
    UniqueFd fd(::open(JoinPath(staging, kLockName).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (fd.get() < 0) return Status::IOError(dir + ": cannot create the lock file: " + std::strerror(errno));
  }
  // The owner file only tells a stale staging directory from a live one.
  if (::unlink(JoinPath(staging, kStagingOwnerName).c_str()) != 0 && errno != ENOENT) {
    return Status::IOError(dir + ": cannot remove " + JoinPath(staging, kStagingOwnerName) + ": " +
                           std::strerror(errno));
  }
  ZYPHYR_RETURN_IF_ERROR(FsyncParentDirectory(JoinPath(staging, kManifestName)));
  const std::string trimmed = TrimSlashes(dir);
  if (::rename(staging.c_str(), trimmed.c_str()) != 0) {
    const int err = errno;
    if (err == EEXIST || err == ENOTEMPTY) {
      return Status::InvalidArgument(dir + ": already exists (remove it or choose another --index)");
    }
    return Status::IOError(dir + ": cannot rename " + staging + " into place: " + std::strerror(err));
  }
  UnregisterFromInterruptCleanup(staging);
  return FsyncParentDirectory(trimmed);
}

UnpublishedFiles::~UnpublishedFiles() {
  for (const std::string& path : paths_) {
    RemoveQuietly(path);
    UnregisterFromInterruptCleanup(path);
  }
}

void UnpublishedFiles::Add(const std::string& path) {
  paths_.push_back(path);
  RegisterForInterruptCleanup(path, CleanupKind::kFile);
}

void UnpublishedFiles::Published() {
  for (const std::string& path : paths_) UnregisterFromInterruptCleanup(path);
  paths_.clear();
}

void RemoveFilesNotNamedBy(const std::string& dir, const IndexManifest& manifest) {
  std::set<std::string> keep = {kManifestName, kLockName};
  for (const ManifestShard& entry : manifest.shards) {
    keep.insert(entry.file);
    keep.insert(entry.log);
  }
  std::error_code ec;
  for (const auto& file : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = file.path().filename().string();
    const bool ours = name.rfind("shard-", 0) == 0 || name.rfind(".shard-", 0) == 0 ||
                      name.rfind(std::string(".") + kManifestName + ".tmp-", 0) == 0;
    if (ours && keep.count(name) == 0) RemoveQuietly(file.path().string());
  }
}

}  // namespace zyphyr
