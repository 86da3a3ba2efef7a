// VectorFile: a row file as the billion-scale sets are published, opened
// read-only and read by row ranges with pread, so that a rank reads only the
// bytes of its own rows and nothing is ever loaded whole (docs/formats.md):
//
//   big-ann-benchmarks  .fbin / .u8bin / .i8bin   u32 rows, u32 dimension (little-endian), then rows x dimension
//                                                  float32 / uint8 / int8
//   TEXMEX              .fvecs / .bvecs            every row: i32 dimension, then that many float32 / uint8
//
// The format is told by the file's extension (case-sensitive, as published).
// These files carry no metric: the user names it.
//
// Every error message starts with the path as given, then ": ".
//
// Thread safety: const methods may be called concurrently (pread has no file
// position).
#ifndef ZYPHYR_IO_VECTOR_FILE_H_
#define ZYPHYR_IO_VECTOR_FILE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "src/core/element_type.h"
#include "src/core/status.h"

namespace zyphyr {

enum class VectorFileFormat : std::uint32_t {
  kBigAnn = 0,  // .fbin, .u8bin, .i8bin
  kTexmex = 1,  // .fvecs, .bvecs
};

// The format and element type a row file's extension names: .fbin, .u8bin,
// .i8bin, .fvecs, .bvecs. False for anything else (HDF5 files, ground truth).
bool VectorFileKind(std::string_view path, VectorFileFormat* format, ElementType* type);
inline bool IsVectorFilePath(std::string_view path) {
  VectorFileFormat f;
  ElementType t;
  return VectorFileKind(path, &f, &t);
}

class VectorFile {
 public:
  // Opens `path` and validates its size against its header, reading only the
  // header (big-ann) or the first row's dimension (TEXMEX; every row's
  // prefix is checked as its row is read). `max_rows` > 0 keeps only the
  // first max_rows rows (the published 10M / 100M subsets are prefixes):
  // rows() is then max_rows and nothing past them is ever read.
  //
  // Errors (after "<path>: "):
  //   NotFound        "no such file"
  //   InvalidArgument "unknown extension (expected .fbin, .u8bin, .i8bin, .fvecs or .bvecs)"
  //                   "file of 5 bytes is shorter than its 8-byte header" (TEXMEX: "... its 4-byte header")
  //                   "header says 0 rows" / "header says dimension 0"
  //                   "size 1000 bytes does not match the header's 10 rows x 16 dimensions of uint8 (168 bytes):
  //                    truncated" (or "... : trailing bytes")
  //                   TEXMEX: "first row's dimension is 0" (or negative), "size 1000 bytes is not a whole
  //                    number of rows of dimension 16 (68 bytes each): truncated or not a .fvecs file"
  //                   "--rows 100 exceeds the 10 rows of the file"
  //   IOError         "cannot open: <strerror>" (a directory: "cannot open: not a regular file"),
  //                   "cannot read: <strerror>"
  static Result<VectorFile> Open(const std::string& path, std::size_t max_rows = 0);

  VectorFile(VectorFile&&) noexcept;
  VectorFile& operator=(VectorFile&&) noexcept;
  ~VectorFile();

  const std::string& path() const { return path_; }
  VectorFileFormat format() const { return format_; }
  ElementType element_type() const { return type_; }
  std::size_t rows() const { return rows_; }
  std::size_t dim() const { return dim_; }

  // Rows [begin, begin + count) as float32, row-major, into `out` (exactly
  // count * dim() floats), read with pread of exactly their bytes. Float
  // files: every value checked finite. Errors: OutOfRange "<path>: rows
  // [b, e) are past its end (N rows)"; InvalidArgument "<path>: output holds
  // 5 floats; 2 rows need 6", "<path>: row 17 column 3 is NaN" (or "is Inf"),
  // TEXMEX "<path>: row 17 has dimension 12, the file's rows have 16";
  // IOError "<path>: cannot read rows [b, e): <strerror or 'unexpected end
  // of file'>".
  Status ReadRows(std::size_t begin, std::size_t count, std::span<float> out) const;

  // The same rows as stored (count * dim() * ElementBytes() bytes, TEXMEX
  // prefixes removed), no conversion. Same errors (no finiteness check).
  Status ReadRawRows(std::size_t begin, std::size_t count, std::span<std::uint8_t> out) const;

  // Bytes this object has read from the file so far (header included).
  std::uint64_t bytes_read() const;

 private:
  VectorFile() = default;
  // Rows [begin, begin + count) as stored, prefixes removed, into `out`
  // (count * dim() * ElementBytes() bytes); the range is checked already.
  Status ReadStored(std::size_t begin, std::size_t count, std::uint8_t* out) const;
  Status CheckRange(std::size_t begin, std::size_t count) const;
  // pread of exactly `size` bytes at `offset`, counted in bytes_read().
  Status PreadAll(void* out, std::size_t size, std::uint64_t offset, std::size_t begin, std::size_t count) const;

  std::string path_;
  VectorFileFormat format_ = VectorFileFormat::kBigAnn;
  ElementType type_ = ElementType::kFloat32;
  std::size_t rows_ = 0;
  std::size_t dim_ = 0;
  int fd_ = -1;
  std::unique_ptr<std::atomic<std::uint64_t>> bytes_read_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_IO_VECTOR_FILE_H_
