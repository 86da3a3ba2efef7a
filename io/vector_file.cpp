#include "io/vector_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "storage/byte_order.h"

namespace zyphyr {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string ExtensionOf(VectorFileFormat format, ElementType type) {
  if (format == VectorFileFormat::kTexmex) return type == ElementType::kFloat32 ? ".fvecs" : ".bvecs";
  switch (type) {
    case ElementType::kFloat32:
      return ".fbin";
    case ElementType::kUint8:
      return ".u8bin";
    case ElementType::kInt8:
      return ".i8bin";
  }
  return ".fbin";
}

// Rows converted per pread when a conversion buffer is needed: about 4 MiB.
constexpr std::size_t kStagingBytes = std::size_t{4} << 20;

std::string Range(std::size_t begin, std::size_t count) {
  std::string text("[");  // Appended piece by piece: GCC 12 warns (-Wrestrict) on "[" + std::string.
  text += std::to_string(begin);
  text += ", ";
  text += std::to_string(begin + count);
  text += ")";
  return text;
}

}  // namespace

bool VectorFileKind(std::string_view path, VectorFileFormat* format, ElementType* type) {
  struct Kind {
    std::string_view extension;
    VectorFileFormat format;
    ElementType type;
  };
  static constexpr Kind kKinds[] = {
      {".fbin", VectorFileFormat::kBigAnn, ElementType::kFloat32},
      {".u8bin", VectorFileFormat::kBigAnn, ElementType::kUint8},
      {".i8bin", VectorFileFormat::kBigAnn, ElementType::kInt8},
      {".fvecs", VectorFileFormat::kTexmex, ElementType::kFloat32},
      {".bvecs", VectorFileFormat::kTexmex, ElementType::kUint8},
  };
  for (const Kind& kind : kKinds) {
    if (EndsWith(path, kind.extension)) {
      *format = kind.format;
      *type = kind.type;
      return true;
    }
  }
  return false;
}

VectorFile::VectorFile(VectorFile&& other) noexcept
    : path_(std::move(other.path_)),
      format_(other.format_),
      type_(other.type_),
      rows_(other.rows_),
      dim_(other.dim_),
      fd_(std::exchange(other.fd_, -1)),
      bytes_read_(std::move(other.bytes_read_)) {}

VectorFile& VectorFile::operator=(VectorFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    format_ = other.format_;
    type_ = other.type_;
    rows_ = other.rows_;
    dim_ = other.dim_;
    fd_ = std::exchange(other.fd_, -1);
    bytes_read_ = std::move(other.bytes_read_);
  }
  return *this;
}

VectorFile::~VectorFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t VectorFile::bytes_read() const { return bytes_read_ ? bytes_read_->load() : 0; }

Result<VectorFile> VectorFile::Open(const std::string& path, std::size_t max_rows) {
  VectorFile file;
  file.path_ = path;
  file.bytes_read_ = std::make_unique<std::atomic<std::uint64_t>>(0);
  if (!VectorFileKind(path, &file.format_, &file.type_)) {
    return Status::InvalidArgument(path + ": unknown extension (expected .fbin, .u8bin, .i8bin, .fvecs or .bvecs)");
  }
  file.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file.fd_ < 0) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(file.fd_, &st) != 0) return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::IOError(path + ": cannot open: not a regular file");
  const std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
  const std::uint64_t element = ElementBytes(file.type_);
  const std::string type_name(ElementTypeName(file.type_));

  if (file.format_ == VectorFileFormat::kBigAnn) {
    if (size < 8)
      return Status::InvalidArgument(path + ": file of " + std::to_string(size) +
                                     " bytes is shorter than its 8-byte header");
    unsigned char header[8];
    ZYPHYR_RETURN_IF_ERROR(file.PreadAll(header, 8, 0, 0, 0));
    const std::uint64_t rows = LoadLe<std::uint32_t>(header);
    const std::uint64_t dim = LoadLe<std::uint32_t>(header + 4);
    if (rows == 0) return Status::InvalidArgument(path + ": header says 0 rows");
    if (dim == 0) return Status::InvalidArgument(path + ": header says dimension 0");
    const std::uint64_t expected = 8 + rows * dim * element;  // < 2^66 / 2^2: no overflow (u32 x u32 x 4).
    if (size != expected) {
      return Status::InvalidArgument(path + ": size " + std::to_string(size) + " bytes does not match the header's " +
                                     std::to_string(rows) + " rows x " + std::to_string(dim) + " dimensions of " +
                                     type_name + " (" + std::to_string(expected) +
                                     " bytes): " + (size < expected ? "truncated" : "trailing bytes"));
    }
    file.rows_ = rows;
    file.dim_ = dim;
  } else {
    if (size < 4)
      return Status::InvalidArgument(path + ": file of " + std::to_string(size) +
                                     " bytes is shorter than its 4-byte header");
    unsigned char prefix[4];
    ZYPHYR_RETURN_IF_ERROR(file.PreadAll(prefix, 4, 0, 0, 0));
    const std::int32_t dim = LoadLe<std::int32_t>(prefix);
    if (dim <= 0) return Status::InvalidArgument(path + ": first row's dimension is " + std::to_string(dim));
    const std::uint64_t row_bytes = 4 + static_cast<std::uint64_t>(dim) * element;
    if (size % row_bytes != 0) {
      return Status::InvalidArgument(
          path + ": size " + std::to_string(size) + " bytes is not a whole number of rows of dimension " +
          std::to_string(static_cast<std::uint64_t>(dim)) + " (" + std::to_string(row_bytes) +
          " bytes each): truncated or not a " + ExtensionOf(file.format_, file.type_) + " file");
    }
    file.rows_ = size / row_bytes;
    file.dim_ = static_cast<std::size_t>(dim);
  }
  if (max_rows > file.rows_) {
    return Status::InvalidArgument(path + ": --rows " + std::to_string(max_rows) + " exceeds the " +
                                   std::to_string(file.rows_) + " rows of the file");
  }
  if (max_rows > 0) file.rows_ = max_rows;
  return file;
}

Status VectorFile::PreadAll(void* out, std::size_t size, std::uint64_t offset, std::size_t begin,
                            std::size_t count) const {
  auto* p = static_cast<unsigned char*>(out);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd_, p + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = n == 0 ? "unexpected end of file" : std::strerror(errno);
      if (count == 0) return Status::IOError(path_ + ": cannot read: " + why);
      return Status::IOError(path_ + ": cannot read rows " + Range(begin, count) + ": " + why);
    }
    done += static_cast<std::size_t>(n);
    bytes_read_->fetch_add(static_cast<std::uint64_t>(n));
  }
  return Status::Ok();
}

Status VectorFile::CheckRange(std::size_t begin, std::size_t count) const {
  if (begin > rows_ || count > rows_ - begin) {
    return Status::OutOfRange(path_ + ": rows " + Range(begin, count) + " are past its end (" + std::to_string(rows_) +
                              " rows)");
  }
  return Status::Ok();
}

Status VectorFile::ReadStored(std::size_t begin, std::size_t count, std::uint8_t* out) const {
  const std::size_t element = ElementBytes(type_);
  const std::size_t row_bytes = dim_ * element;
  if (format_ == VectorFileFormat::kBigAnn) {
    return PreadAll(out, count * row_bytes, 8 + static_cast<std::uint64_t>(begin) * row_bytes, begin, count);
  }
  // TEXMEX: whole rows with their prefixes, staged, each prefix checked.
  const std::size_t stored_row = 4 + row_bytes;
  const std::size_t chunk_rows = std::max<std::size_t>(1, kStagingBytes / stored_row);
  std::vector<unsigned char> staging(std::min(count, chunk_rows) * stored_row);
  for (std::size_t done = 0; done < count;) {
    const std::size_t n = std::min(chunk_rows, count - done);
    const std::size_t first = begin + done;
    ZYPHYR_RETURN_IF_ERROR(
        PreadAll(staging.data(), n * stored_row, static_cast<std::uint64_t>(first) * stored_row, begin, count));
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned char* row = staging.data() + i * stored_row;
      const std::int32_t dim = LoadLe<std::int32_t>(row);
      if (dim < 0 || static_cast<std::size_t>(dim) != dim_) {
        return Status::InvalidArgument(path_ + ": row " + std::to_string(first + i) + " has dimension " +
                                       std::to_string(dim) + ", the file's rows have " + std::to_string(dim_));
      }
      std::memcpy(out + (done + i) * row_bytes, row + 4, row_bytes);
    }
    done += n;
  }
  return Status::Ok();
}

Status VectorFile::ReadRawRows(std::size_t begin, std::size_t count, std::span<std::uint8_t> out) const {
  ZYPHYR_RETURN_IF_ERROR(CheckRange(begin, count));
  const std::size_t need = count * dim_ * ElementBytes(type_);
  if (out.size() != need) {
    return Status::InvalidArgument(path_ + ": output holds " + std::to_string(out.size()) + " bytes; " +
                                   std::to_string(count) + " rows need " + std::to_string(need));
  }
  if (count == 0) return Status::Ok();
  return ReadStored(begin, count, out.data());
}

Status VectorFile::ReadRows(std::size_t begin, std::size_t count, std::span<float> out) const {
  ZYPHYR_RETURN_IF_ERROR(CheckRange(begin, count));
  if (out.size() != count * dim_) {
    return Status::InvalidArgument(path_ + ": output holds " + std::to_string(out.size()) + " floats; " +
                                   std::to_string(count) + " rows need " + std::to_string(count * dim_));
  }
  if (count == 0) return Status::Ok();
  if (type_ == ElementType::kFloat32) {
    ZYPHYR_RETURN_IF_ERROR(ReadStored(begin, count, reinterpret_cast<std::uint8_t*>(out.data())));
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (std::isfinite(out[i])) continue;
      return Status::InvalidArgument(path_ + ": row " + std::to_string(begin + i / dim_) + " column " +
                                     std::to_string(i % dim_) + (std::isnan(out[i]) ? " is NaN" : " is Inf"));
    }
    return Status::Ok();
  }
  // Byte rows: read a bounded chunk at a time and widen.
  const std::size_t chunk_rows = std::max<std::size_t>(1, kStagingBytes / dim_);
  std::vector<std::uint8_t> staging(std::min(count, chunk_rows) * dim_);
  for (std::size_t done = 0; done < count;) {
    const std::size_t n = std::min(chunk_rows, count - done);
    ZYPHYR_RETURN_IF_ERROR(ReadStored(begin + done, n, staging.data()));
    float* dst = out.data() + done * dim_;
    if (type_ == ElementType::kInt8) {
      for (std::size_t i = 0; i < n * dim_; ++i) dst[i] = static_cast<float>(static_cast<std::int8_t>(staging[i]));
    } else {
      for (std::size_t i = 0; i < n * dim_; ++i) dst[i] = static_cast<float>(staging[i]);
    }
    done += n;
  }
  return Status::Ok();
}

}  // namespace zyphyr
