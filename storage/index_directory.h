// An index directory's place on disk (see storage/index_manifest.h for what
// it holds): its lock, how a new one is assembled and appears, and the files
// a replaced manifest leaves behind.
//
// A new index is assembled in a staging directory beside its final path and
// renamed into place, so it appears complete or not at all; an interrupt
// removes the staging directory (storage/interrupt_cleanup.h) and a later
// build removes those of killed builds (storage/stale_temporaries.h).
#ifndef ZYPHYR_STORAGE_INDEX_DIRECTORY_H_
#define ZYPHYR_STORAGE_INDEX_DIRECTORY_H_

#include <string>
#include <vector>

#include "src/core/status.h"
#include "storage/index_manifest.h"
#include "storage/unique_fd.h"

namespace zyphyr {

// "<dir>/<name>".
inline std::string JoinPath(const std::string& dir, const std::string& name) { return dir + "/" + name; }

// An exclusive flock(2) on DIR/.lock for the lifetime of the object: inserts,
// deletes and compactions of one index, from any processes, serialize on it.
// IOError "<dir>/.lock: cannot open: <reason>" or "... cannot lock: <reason>".
class DirectoryLock {
 public:
  static Result<DirectoryLock> Acquire(const std::string& dir);

 private:
  explicit DirectoryLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;  // Closing it releases the lock.
};

// For callers that want to refuse before reading any data: InvalidArgument
// "<dir>: already exists (remove it or choose another --index)" when anything
// (a dangling symlink included) is at `dir`.
Status CheckIndexDirectoryIsNew(const std::string& dir);

// A fresh directory beside `dir` to assemble an index in, holding its owner
// file; an interrupt removes it until it is published (storage/
// interrupt_cleanup.h). First removes the staging directories of `dir` whose
// builds were killed (storage/stale_temporaries.h). The caller removes it on
// failure with RemoveStagingDirectory. IOError "<dir>: cannot create: <reason>".
Result<std::string> CreateStagingDirectory(const std::string& dir);
void RemoveStagingDirectory(const std::string& staging);

// Writes `manifest` and the lock file into `staging` (a directory holding the
// shards the manifest names), makes them durable and renames `staging` to
// `dir`: the instant the index appears. InvalidArgument "<dir>: already
// exists (...)" when something took `dir` meanwhile; IOError.
Status PublishIndexDirectory(const std::string& staging, const std::string& dir, const IndexManifest& manifest);

// Files written into an index directory that no manifest names yet (the new
// shards of a compaction): removed on destruction and by an interrupt until
// Published() says a manifest names them.
class UnpublishedFiles {
 public:
  UnpublishedFiles() = default;
  UnpublishedFiles(const UnpublishedFiles&) = delete;
  UnpublishedFiles& operator=(const UnpublishedFiles&) = delete;
  ~UnpublishedFiles();

  void Add(const std::string& path);
  void Published();

 private:
  std::vector<std::string> paths_;
};

// Removes the shard files, logs and manifest temporaries in `dir` that
// `manifest` (the one in place) does not name: what a compaction replaced.
void RemoveFilesNotNamedBy(const std::string& dir, const IndexManifest& manifest);

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_INDEX_DIRECTORY_H_
