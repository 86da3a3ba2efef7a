// VectorFileWriter: writes a row file of io/vector_file.h (big-ann .fbin /
// .u8bin / .i8bin or TEXMEX .fvecs / .bvecs, told by the extension) a block
// of rows at a time, so that 10M+ rows never sit in memory. The file is
// written under a temporary name beside `path` and renamed into place (after
// fsync) by Commit: an interrupted or failed write leaves no file and never
// damages an existing one. Destroying a writer that was not committed
// removes the temporary file.
#ifndef ZYPHYR_IO_VECTOR_FILE_WRITER_H_
#define ZYPHYR_IO_VECTOR_FILE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "src/core/element_type.h"
#include "src/core/status.h"
#include "storage/atomic_file.h"
#include "storage/unique_fd.h"

namespace zyphyr {

class VectorFileWriter {
 public:
  // A writer of exactly `rows` rows of `dim` components (both >= 1, each
  // < 2^31 for TEXMEX, < 2^32 for big-ann) to `path`. An existing file is
  // refused unless `overwrite`. Errors (after "<path>: "): InvalidArgument
  // "unknown extension (...)", "0 rows", "dimension 0", "already exists (pass
  // --force to replace it)"; IOError "cannot create <tmp>: <strerror>".
  static Result<VectorFileWriter> Create(const std::string& path, std::size_t rows, std::size_t dim,
                                         bool overwrite = false);

  VectorFileWriter(VectorFileWriter&&) noexcept;
  VectorFileWriter& operator=(VectorFileWriter&&) noexcept;
  ~VectorFileWriter();

  ElementType element_type() const { return type_; }

  // Appends rows given as floats (a whole number of rows). Byte types:
  // every value must be an integer in the type's range, else
  // InvalidArgument "<path>: row 17 column 3 holds 300.5, not a uint8
  // (0..255)" (int8: "-128..127"); float: finite, else "<path>: row 17
  // column 3 is NaN" (or "is Inf"). Rows are numbered across calls. Nothing
  // of a refused call is written. Other errors: InvalidArgument "<path>: 7
  // floats are not whole rows of dimension 3", "<path>: 12 rows would exceed
  // the 10 announced", "<path>: the writer was committed"; IOError "<path>:
  // cannot write: <strerror>".
  Status Append(std::span<const float> rows);
  // Appends rows already in the element type (count * dim * ElementBytes;
  // int8 as its two's-complement bytes). InvalidArgument "<path>: 7 bytes
  // are not whole rows of dimension 3 (uint8)" and the other errors above.
  Status AppendRaw(std::span<const std::uint8_t> rows);

  // Checks that every announced row was written ("<path>: 5 of 10 rows
  // written"), fsyncs, renames into place and fsyncs the directory. The
  // writer is spent afterwards, success or not (a failed commit removes the
  // temporary file).
  Status Commit();

 private:
  VectorFileWriter() = default;
  Status Usable(std::size_t rows) const;
  // Writes `count` rows of stored elements (TEXMEX prefixes added here).
  Status WriteStored(const std::uint8_t* data, std::size_t count);

  std::string path_;
  std::optional<PendingFile> pending_;  // Empty once committed.
  UniqueFd fd_;                         // On the temporary file; closed before the rename.
  ElementType type_ = ElementType::kFloat32;
  bool texmex_ = false;
  std::size_t rows_ = 0;
  std::size_t dim_ = 0;
  std::size_t written_ = 0;
};

// The whole file in one call (tests, small sets): Create, Append, Commit.
Status WriteVectorFile(const std::string& path, std::size_t dim, std::span<const float> rows,
                       bool overwrite = false);

}  // namespace zyphyr

#endif  // ZYPHYR_IO_VECTOR_FILE_WRITER_H_
