// Atomic file replacement: a file is built under a temporary name in its destination's directory, fsynced, renamed
// over the destination, and the directory is fsynced. A crash at any point leaves the old file (or none) at the
// destination, never a half-written one; at worst a stray temporary remains. Temporary names look like
// "<dir>/.<name>.tmp-<pid>-<counter>-<random>", so they never collide with each other or with a final name.
//
// Every error is an IOError whose message starts with the path it concerns and ends with the system's errno text,
// e.g. "x/y.hdf5: cannot create: No such file or directory".
//
// Thread safety: every function may be called concurrently; a PendingFile object is not shared between threads.
#ifndef ZYPHYR_IO_ATOMIC_FILE_H_
#define ZYPHYR_IO_ATOMIC_FILE_H_

#include <string>
#include <utility>

#include "src/core/status.h"

namespace zyphyr {

// A fresh temporary path in the directory of `final_path` (pid + process-wide counter + random). Names nothing on
// disk; CreateTempFileFor also creates the file.
std::string TempPathFor(const std::string& final_path);

// Creates a new, empty file (O_EXCL, mode 0644 before the umask) at a fresh TempPathFor(final_path) and returns its
// path. IOError "<final_path>: cannot create: <errno text>" when the directory is missing or not writable.
Result<std::string> CreateTempFileFor(const std::string& final_path);

// Flushes the contents of `path` to stable storage. IOError "<path>: cannot open: ..." or "<path>: cannot fsync: ...".
Status FsyncFile(const std::string& path);

// Flushes the directory holding `path` (so a rename or creation inside it is durable). IOError "<dir>: cannot fsync
// directory: ...". File systems that cannot fsync a directory (EINVAL) count as success.
Status FsyncParentDirectory(const std::string& path);

// rename(2) `tmp_path` over `final_path` (same directory), then FsyncParentDirectory. IOError
// "<final_path>: cannot rename <tmp_path> into place: <errno text>"; the temporary is left for the caller to remove.
Status RenameAtomically(const std::string& tmp_path, const std::string& final_path);

// unlink(2), ignoring every error (a missing file included).
void RemoveQuietly(const std::string& path) noexcept;

// Copies the bytes of `from` into `to` (created or truncated) and gives `to` the permission bits of `from`. The copy
// is not fsynced. IOError naming the path that failed ("<from>: cannot read: ...", "<to>: cannot write: ...").
Status CopyFileContents(const std::string& from, const std::string& to);

// A temporary file destined for `final_path`: created by Create, moved into place by Commit, removed by the
// destructor unless committed. Move-only. Until then an interrupted process removes it too
// (storage/interrupt_cleanup.h).
class PendingFile {
 public:
  // CreateTempFileFor(final_path); same errors.
  static Result<PendingFile> Create(const std::string& final_path);

  PendingFile(PendingFile&& other) noexcept;
  PendingFile& operator=(PendingFile&& other) noexcept;
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  ~PendingFile();

  const std::string& temp_path() const { return temp_path_; }
  const std::string& final_path() const { return final_path_; }

  // FsyncFile(temp) then RenameAtomically(temp, final); their errors. The caller must have closed every handle it
  // holds on the temporary. Afterwards (success or not) the object owns nothing: on failure the temporary is removed.
  Status Commit();

 private:
  PendingFile(std::string temp_path, std::string final_path)
      : temp_path_(std::move(temp_path)), final_path_(std::move(final_path)) {}
  void Discard() noexcept;  // Removes and forgets the temporary, if any.

  std::string temp_path_;  // Empty once committed or moved from.
  std::string final_path_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_IO_ATOMIC_FILE_H_
