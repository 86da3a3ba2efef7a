#include "io/vector_file_writer.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "io/vector_file.h"
#include "storage/byte_order.h"
#include "storage/file_ops.h"

namespace zyphyr {
namespace {

// The shortest text that reads back as `value` (e.g. "300.5").
std::string FloatText(float value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

}  // namespace

VectorFileWriter::VectorFileWriter(VectorFileWriter&&) noexcept = default;
VectorFileWriter& VectorFileWriter::operator=(VectorFileWriter&&) noexcept = default;
// Members go in reverse order: the descriptor closes, then an uncommitted temporary is removed.
VectorFileWriter::~VectorFileWriter() = default;

Result<VectorFileWriter> VectorFileWriter::Create(const std::string& path, std::size_t rows, std::size_t dim,
                                                  bool overwrite) {
  VectorFileFormat format;
  ElementType type;
  if (!VectorFileKind(path, &format, &type)) {
    return Status::InvalidArgument(path + ": unknown extension (expected .fbin, .u8bin, .i8bin, .fvecs or .bvecs)");
  }
  if (rows == 0) return Status::InvalidArgument(path + ": 0 rows");
  if (dim == 0) return Status::InvalidArgument(path + ": dimension 0");
  const bool texmex = format == VectorFileFormat::kTexmex;
  const std::uint64_t limit =
      texmex ? std::numeric_limits<std::int32_t>::max() : std::numeric_limits<std::uint32_t>::max();
  if (rows > limit)
    return Status::InvalidArgument(path + ": " + std::to_string(rows) + " rows exceed the format's limit of " +
                                   std::to_string(limit));
  if (dim > limit) {
    return Status::InvalidArgument(path + ": dimension " + std::to_string(dim) + " exceeds the format's limit of " +
                                   std::to_string(limit));
  }
  struct stat st {};
  if (!overwrite && ::stat(path.c_str(), &st) == 0) {
    return Status::InvalidArgument(path + ": already exists (pass --force to replace it)");
  }
  Result<PendingFile> pending = PendingFile::Create(path);
  if (!pending.ok()) return pending.status();
  VectorFileWriter writer;
  writer.path_ = path;
  writer.type_ = type;
  writer.texmex_ = texmex;
  writer.rows_ = rows;
  writer.dim_ = dim;
  const std::string tmp = pending->temp_path();
  writer.pending_.emplace(std::move(pending).value());
  writer.fd_ = UniqueFd(::open(tmp.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (writer.fd_.get() < 0) return Status::IOError(path + ": cannot create " + tmp + ": " + std::strerror(errno));
  if (!texmex) {
    unsigned char header[8];
    StoreLe<std::uint32_t>(header, static_cast<std::uint32_t>(rows));
    StoreLe<std::uint32_t>(header + 4, static_cast<std::uint32_t>(dim));
    ZYPHYR_RETURN_IF_ERROR(WriteAll(SystemFileOps(), writer.fd_.get(), header, sizeof(header), path));
  }
  return writer;
}

Status VectorFileWriter::Usable(std::size_t rows) const {
  if (!pending_) return Status::InvalidArgument(path_ + ": the writer was committed");
  if (rows > rows_ - written_) {
    return Status::InvalidArgument(path_ + ": " + std::to_string(written_ + rows) + " rows would exceed the " +
                                   std::to_string(rows_) + " announced");
  }
  return Status::Ok();
}

Status VectorFileWriter::WriteStored(const std::uint8_t* data, std::size_t count) {
  const std::size_t row_bytes = dim_ * ElementBytes(type_);
  if (!texmex_) {
    ZYPHYR_RETURN_IF_ERROR(WriteAll(SystemFileOps(), fd_.get(), data, count * row_bytes, path_));
  } else {
    // Rows with their i32 prefixes, a bounded block at a time.
    const std::size_t stored_row = 4 + row_bytes;
    const std::size_t block = std::max<std::size_t>(1, (std::size_t{4} << 20) / stored_row);
    std::vector<unsigned char> buffer(std::min(count, block) * stored_row);
    for (std::size_t done = 0; done < count;) {
      const std::size_t n = std::min(block, count - done);
      for (std::size_t i = 0; i < n; ++i) {
        unsigned char* row = buffer.data() + i * stored_row;
        StoreLe<std::int32_t>(row, static_cast<std::int32_t>(dim_));
        std::memcpy(row + 4, data + (done + i) * row_bytes, row_bytes);
      }
      ZYPHYR_RETURN_IF_ERROR(WriteAll(SystemFileOps(), fd_.get(), buffer.data(), n * stored_row, path_));
      done += n;
    }
  }
  written_ += count;
  return Status::Ok();
}

Status VectorFileWriter::AppendRaw(std::span<const std::uint8_t> rows) {
  const std::size_t row_bytes = dim_ * ElementBytes(type_);
  if (row_bytes == 0 || rows.size() % row_bytes != 0) {
    return Status::InvalidArgument(path_ + ": " + std::to_string(rows.size()) +
                                   " bytes are not whole rows of dimension " + std::to_string(dim_) + " (" +
                                   std::string(ElementTypeName(type_)) + ")");
  }
  const std::size_t count = rows.size() / row_bytes;
  ZYPHYR_RETURN_IF_ERROR(Usable(count));
  return WriteStored(rows.data(), count);
}

Status VectorFileWriter::Append(std::span<const float> rows) {
  if (dim_ == 0 || rows.size() % dim_ != 0) {
    return Status::InvalidArgument(path_ + ": " + std::to_string(rows.size()) +
                                   " floats are not whole rows of dimension " + std::to_string(dim_));
  }
  const std::size_t count = rows.size() / dim_;
  ZYPHYR_RETURN_IF_ERROR(Usable(count));
  auto where = [&](std::size_t i) {
    return path_ + ": row " + std::to_string(written_ + i / dim_) + " column " + std::to_string(i % dim_);
  };
  if (type_ == ElementType::kFloat32) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (!std::isfinite(rows[i]))
        return Status::InvalidArgument(where(i) + (std::isnan(rows[i]) ? " is NaN" : " is Inf"));
    }
    return WriteStored(reinterpret_cast<const std::uint8_t*>(rows.data()), count);
  }
  const float lo = ElementMin(type_);
  const float hi = ElementMax(type_);
  std::vector<std::uint8_t> bytes(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const float v = rows[i];
    if (!(v >= lo && v <= hi) || std::nearbyint(v) != v) {
      return Status::InvalidArgument(where(i) + " holds " + FloatText(v) + ", not a " +
                                     std::string(ElementTypeName(type_)) + " (" + FloatText(lo) + ".." + FloatText(hi) +
                                     ")");
    }
    bytes[i] = type_ == ElementType::kInt8 ? static_cast<std::uint8_t>(static_cast<std::int8_t>(v))
                                           : static_cast<std::uint8_t>(v);
  }
  return WriteStored(bytes.data(), count);
}

Status VectorFileWriter::Commit() {
  if (!pending_) return Status::InvalidArgument(path_ + ": the writer was committed");
  std::optional<PendingFile> pending = std::move(pending_);
  pending_.reset();
  if (written_ != rows_) {
    return Status::InvalidArgument(path_ + ": " + std::to_string(written_) + " of " + std::to_string(rows_) +
                                   " rows written");
  }
  ZYPHYR_RETURN_IF_ERROR(SyncFd(SystemFileOps(), fd_.get(), path_));
  if (const int err = fd_.Close(); err != 0) return Status::IOError(path_ + ": cannot write: " + std::strerror(err));
  return pending->Commit();
}

Status WriteVectorFile(const std::string& path, std::size_t dim, std::span<const float> rows, bool overwrite) {
  if (dim == 0) return Status::InvalidArgument(path + ": dimension 0");
  if (rows.size() % dim != 0) {
    return Status::InvalidArgument(path + ": " + std::to_string(rows.size()) +
                                   " floats are not whole rows of dimension " + std::to_string(dim));
  }
  Result<VectorFileWriter> writer = VectorFileWriter::Create(path, rows.size() / dim, dim, overwrite);
  if (!writer.ok()) return writer.status();
  ZYPHYR_RETURN_IF_ERROR(writer->Append(rows));
  return writer->Commit();
}

}  // namespace zyphyr
