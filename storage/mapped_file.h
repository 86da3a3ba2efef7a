// MappedFile: a whole file mapped read-only (MAP_SHARED, PROT_READ), unmapped
// on destruction. Pages are read from the file when first touched, so opening
// costs the same whatever the size, and only touched pages become resident.
// The mapping stays valid if the file is renamed over or unlinked meanwhile,
// and so does fd(), a read-only descriptor of the same file kept open for
// reads beside the mapping (pread of pages that should not become resident).
//
// Thread safety: a const MappedFile may be read from any number of threads.
#ifndef ZYPHYR_STORAGE_MAPPED_FILE_H_
#define ZYPHYR_STORAGE_MAPPED_FILE_H_

#include <cstddef>
#include <string>

#include "src/core/status.h"

namespace zyphyr {

class MappedFile {
 public:
  // Errors: NotFound "<path>: no such file"; InvalidArgument "<path>: is a
  // directory"; IOError "<path>: cannot open|stat|map: <errno text>". An empty
  // file maps to data() == nullptr, size() == 0.
  static Result<MappedFile> Open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const unsigned char* data() const { return data_; }
  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  // The file, open read-only for as long as the MappedFile lives; -1 when
  // default-constructed or moved from.
  int fd() const { return fd_; }

  // Hints that [offset, offset + length) will be read at random (no
  // read-ahead), as graph walks read it. Clamped to the file; advisory only.
  void AdviseRandom(std::size_t offset, std::size_t length) const;

  // Drops the process's mapping of the whole pages inside [offset, offset +
  // length) (MADV_DONTNEED; the file is not changed, and a later read maps
  // them again from the page cache), so that what an open had to read once
  // does not stay in the process's resident memory. Advisory only.
  void DropResident(std::size_t offset, std::size_t length) const;

 private:
  void Reset() noexcept;

  const unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
  int fd_ = -1;
  std::string path_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_MAPPED_FILE_H_
