#include "io/ground_truth_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <utility>

#include "io/ann_dataset_reader.h"
#include "io/ann_dataset_writer.h"
#include "io/hdf5_handle.h"
#include "storage/atomic_file.h"
#include "storage/byte_order.h"
#include "storage/file_ops.h"
#include "storage/unique_fd.h"

namespace zyphyr {
namespace {

enum class GroundTruthKind { kBigAnn, kIvecs, kHdf5, kUnknown };

GroundTruthKind KindOf(std::string_view path) {
  auto ends = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
  };
  if (ends(".ibin") || ends(".bin")) return GroundTruthKind::kBigAnn;
  if (ends(".ivecs")) return GroundTruthKind::kIvecs;
  if (ends(".hdf5")) return GroundTruthKind::kHdf5;
  return GroundTruthKind::kUnknown;
}

// The whole file (ground truth is small: 10,000 queries x 100 ids is 8 MB).
Result<std::vector<unsigned char>> ReadWholeFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  std::vector<unsigned char> bytes(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pread(fd.get(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return Status::IOError(path + ": cannot read: " + (n == 0 ? "unexpected end of file" : std::strerror(errno)));
    done += static_cast<std::size_t>(n);
  }
  return bytes;
}

Result<GroundTruthTable> ReadBigAnn(const std::string& path, const std::vector<unsigned char>& bytes) {
  const std::uint64_t size = bytes.size();
  if (size < 8)
    return Status::InvalidArgument(path + ": file of " + std::to_string(size) +
                                   " bytes is shorter than its 8-byte header");
  const std::uint64_t queries = LoadLe<std::uint32_t>(bytes.data());
  const std::uint64_t k = LoadLe<std::uint32_t>(bytes.data() + 4);
  if (queries == 0) return Status::InvalidArgument(path + ": header says 0 queries");
  if (k == 0) return Status::InvalidArgument(path + ": header says k 0");
  const std::uint64_t expected = 8 + queries * k * 8;
  if (size != expected) {
    return Status::InvalidArgument(path + ": size " + std::to_string(size) + " bytes does not match the header's " +
                                   std::to_string(queries) + " queries x k " + std::to_string(k) + " (" +
                                   std::to_string(expected) +
                                   " bytes): " + (size < expected ? "truncated" : "trailing bytes"));
  }
  GroundTruthTable table;
  table.queries = queries;
  table.k = k;
  table.ids.resize(queries * k);
  table.stored_distances.resize(queries * k);
  const unsigned char* ids = bytes.data() + 8;
  const unsigned char* distances = ids + queries * k * 4;
  for (std::size_t i = 0; i < table.ids.size(); ++i) {
    table.ids[i] = LoadLe<std::uint32_t>(ids + 4 * i);
    table.stored_distances[i] = LoadLe<float>(distances + 4 * i);
  }
  return table;
}

Result<GroundTruthTable> ReadIvecs(const std::string& path, const std::vector<unsigned char>& bytes) {
  const std::uint64_t size = bytes.size();
  if (size < 4)
    return Status::InvalidArgument(path + ": file of " + std::to_string(size) +
                                   " bytes is shorter than its 4-byte header");
  const std::int32_t first_k = LoadLe<std::int32_t>(bytes.data());
  if (first_k <= 0) return Status::InvalidArgument(path + ": first row's k is " + std::to_string(first_k));
  const std::uint64_t k = static_cast<std::uint64_t>(first_k);
  const std::uint64_t row_bytes = 4 + 4 * k;
  if (size % row_bytes != 0) {
    return Status::InvalidArgument(path + ": size " + std::to_string(size) +
                                   " bytes is not a whole number of rows of k " + std::to_string(k) + " (" +
                                   std::to_string(row_bytes) + " bytes each): truncated or not a .ivecs file");
  }
  GroundTruthTable table;
  table.queries = size / row_bytes;
  table.k = k;
  table.ids.resize(table.queries * k);
  for (std::size_t q = 0; q < table.queries; ++q) {
    const unsigned char* row = bytes.data() + q * row_bytes;
    const std::int32_t row_k = LoadLe<std::int32_t>(row);
    if (row_k != first_k) {
      return Status::InvalidArgument(path + ": .ivecs row " + std::to_string(q) + " has " + std::to_string(row_k) +
                                     " ids, row 0 has " + std::to_string(k));
    }
    for (std::size_t j = 0; j < k; ++j) table.ids[q * k + j] = LoadLe<std::int32_t>(row + 4 + 4 * j);
  }
  return table;
}

// An HDF5 file holding only `neighbors` and `distances` (as WriteGroundTruthFile writes it).
Result<GroundTruthTable> ReadHdf5GroundTruthOnly(const std::string& path, hid_t file) {
  Hdf5Lock lock;
  Hdf5Handle neighbors;
  Hdf5Handle distances;
  MatrixShape ids_shape;
  MatrixShape dist_shape;
  ZYPHYR_RETURN_IF_ERROR(OpenMatrix(file, path, "neighbors", MatrixElements::kInteger, &neighbors, &ids_shape));
  ZYPHYR_RETURN_IF_ERROR(OpenMatrix(file, path, "distances", MatrixElements::kFloat, &distances, &dist_shape));
  if (ids_shape.rows != dist_shape.rows || ids_shape.cols != dist_shape.cols) {
    return Status::InvalidArgument(path + ": datasets 'neighbors' (" + std::to_string(ids_shape.rows) + " x " +
                                   std::to_string(ids_shape.cols) + ") and 'distances' (" +
                                   std::to_string(dist_shape.rows) + " x " + std::to_string(dist_shape.cols) +
                                   ") differ in shape");
  }
  if (ids_shape.rows == 0) return Status::InvalidArgument(path + ": dataset 'neighbors' has 0 queries");
  if (ids_shape.cols == 0) return Status::InvalidArgument(path + ": dataset 'neighbors' has k 0");
  ZYPHYR_RETURN_IF_ERROR(CheckAddressable(path, "neighbors", ids_shape, sizeof(std::int64_t)));
  GroundTruthTable table;
  table.queries = ids_shape.rows;
  table.k = ids_shape.cols;
  table.ids.resize(table.queries * table.k);
  table.stored_distances.resize(table.queries * table.k);
  ZYPHYR_RETURN_IF_ERROR(
      ReadRows(neighbors.get(), path, "neighbors", H5T_NATIVE_INT64, 0, table.queries, table.k, table.ids.data()));
  ZYPHYR_RETURN_IF_ERROR(ReadRows(distances.get(), path, "distances", H5T_NATIVE_FLOAT, 0, table.queries, table.k,
                                  table.stored_distances.data()));
  ZYPHYR_RETURN_IF_ERROR(CheckFinite(path, "distances", 0, table.k, table.stored_distances));
  return table;
}

Result<GroundTruthTable> ReadHdf5(const std::string& path) {
  bool has_train = false;
  {
    Hdf5Lock lock;
    Result<Hdf5Handle> file = OpenHdf5ForReading(path);
    if (!file.ok()) return file.status();
    Result<bool> train = LinkExists(file->get(), path, "train");
    if (!train.ok()) return train.status();
    has_train = *train;
    if (!has_train) return ReadHdf5GroundTruthOnly(path, file->get());
  }
  // A whole ann-benchmarks file: its reader validates it and tells the inner-product sign.
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path);
  if (!reader.ok()) return reader.status();
  Result<std::vector<std::int64_t>> ids = reader->ReadNeighbors();
  if (!ids.ok()) return ids.status();
  Result<std::vector<float>> distances = reader->ReadDistances();
  if (!distances.ok()) return distances.status();
  GroundTruthTable table;
  table.queries = reader->ground_truth_shape().rows;
  table.k = reader->ground_truth_shape().cols;
  table.ids = std::move(ids).value();
  table.stored_distances = std::move(distances).value();
  return table;
}

Status CheckIds(const GroundTruthTable& table, const std::string& path, std::size_t base_rows) {
  for (std::size_t i = 0; i < table.ids.size(); ++i) {
    const std::int64_t id = table.ids[i];
    if (id >= 0 && (base_rows == 0 || static_cast<std::uint64_t>(id) < base_rows)) continue;
    const std::string where = path + ": row " + std::to_string(i / table.k) + " column " + std::to_string(i % table.k) +
                              " holds id " + std::to_string(id);
    if (base_rows == 0) return Status::InvalidArgument(where + ", which is negative");
    return Status::InvalidArgument(where + ", outside [0, " + std::to_string(base_rows) + ")");
  }
  return Status::Ok();
}

// Writes `bytes` to `path` atomically.
Status WriteBytesAtomically(const std::string& path, const std::vector<unsigned char>& bytes) {
  Result<PendingFile> pending = PendingFile::Create(path);
  if (!pending.ok()) return pending.status();
  UniqueFd fd(::open(pending->temp_path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (fd.get() < 0)
    return Status::IOError(path + ": cannot create " + pending->temp_path() + ": " + std::strerror(errno));
  ZYPHYR_RETURN_IF_ERROR(WriteAll(SystemFileOps(), fd.get(), bytes.data(), bytes.size(), path));
  if (const int err = fd.Close(); err != 0) return Status::IOError(path + ": cannot write: " + std::strerror(err));
  return pending->Commit();
}

Status WriteHdf5(const std::string& path, Metric metric, std::size_t queries, std::size_t k,
                 const std::vector<std::int64_t>& ids, const std::vector<float>& distances) {
  Result<PendingFile> pending = PendingFile::Create(path);
  if (!pending.ok()) return pending.status();
  {
    Hdf5Lock lock;
    Hdf5Handle file(Hdf5Kind::kFile, H5Fcreate(pending->temp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    if (!file.valid()) return Status::IOError(path + ": cannot create: " + Hdf5ErrorDetail());
    ZYPHYR_RETURN_IF_ERROR(WriteStringAttribute(file.get(), path, "distance", AnnDistanceName(metric)));
    const hid_t id_type = GroundTruthFitsInt32(ids) ? H5T_STD_I32LE : H5T_STD_I64LE;
    Result<Hdf5Handle> neighbors = CreateDataset(file.get(), path, "neighbors", id_type, {queries, k}, 0);
    if (!neighbors.ok()) return neighbors.status();
    ZYPHYR_RETURN_IF_ERROR(WriteRows(neighbors->get(), path, "neighbors", H5T_NATIVE_INT64, 0, queries, k, ids.data()));
    Result<Hdf5Handle> dists = CreateDataset(file.get(), path, "distances", H5T_IEEE_F32LE, {queries, k}, 0);
    if (!dists.ok()) return dists.status();
    ZYPHYR_RETURN_IF_ERROR(
        WriteRows(dists->get(), path, "distances", H5T_NATIVE_FLOAT, 0, queries, k, distances.data()));
    neighbors->Close();
    dists->Close();
    if (!file.Close()) return Status::IOError(path + ": cannot write: " + Hdf5ErrorDetail());
  }
  return pending->Commit();
}

}  // namespace

bool IsGroundTruthPath(const std::string& path) { return KindOf(path) != GroundTruthKind::kUnknown; }

Result<GroundTruthTable> ReadGroundTruthFile(const std::string& path, std::size_t base_rows) {
  const GroundTruthKind kind = KindOf(path);
  if (kind == GroundTruthKind::kUnknown) {
    return Status::InvalidArgument(path + ": unknown ground-truth extension (expected .ibin, .bin, .ivecs or .hdf5)");
  }
  Result<GroundTruthTable> table = Status::Internal(path + ": not read");
  if (kind == GroundTruthKind::kHdf5) {
    table = ReadHdf5(path);
  } else {
    Result<std::vector<unsigned char>> bytes = ReadWholeFile(path);
    if (!bytes.ok()) return bytes.status();
    table = kind == GroundTruthKind::kBigAnn ? ReadBigAnn(path, *bytes) : ReadIvecs(path, *bytes);
  }
  if (!table.ok()) return table.status();
  ZYPHYR_RETURN_IF_ERROR(CheckIds(*table, path, base_rows));
  return table;
}

Status CheckGroundTruthCovers(const GroundTruthTable& table, const std::string& path, std::size_t queries,
                              std::size_t k) {
  if (table.queries < queries) {
    return Status::InvalidArgument(path + ": has " + std::to_string(table.queries) + " queries, fewer than the " +
                                   std::to_string(queries) + " searched");
  }
  if (table.k < k)
    return Status::InvalidArgument(path + ": has k " + std::to_string(table.k) + ", fewer than --k " +
                                   std::to_string(k));
  return Status::Ok();
}

Status WriteGroundTruthFile(const std::string& path, Metric metric, std::size_t queries, std::size_t k,
                            const std::vector<std::int64_t>& ids, const std::vector<float>& distances, bool overwrite,
                            std::span<const double> keys) {
  const GroundTruthKind kind = KindOf(path);
  if (kind == GroundTruthKind::kUnknown) {
    return Status::InvalidArgument(path + ": unknown ground-truth extension (expected .ibin, .bin, .ivecs or .hdf5)");
  }
  if (queries == 0) return Status::InvalidArgument(path + ": ground truth of 0 queries");
  if (k == 0) return Status::InvalidArgument(path + ": ground truth of k 0");
  if (ids.size() != queries * k || distances.size() != queries * k) {
    return Status::InvalidArgument(path + ": " + std::to_string(ids.size()) + " ids and " +
                                   std::to_string(distances.size()) + " distances; expected " +
                                   std::to_string(queries) + " x " + std::to_string(k) + " = " +
                                   std::to_string(queries * k) + " of each");
  }
  if (!keys.empty() && keys.size() != queries * k) {
    return Status::InvalidArgument(path + ": " + std::to_string(keys.size()) + " keys; expected " +
                                   std::to_string(queries) + " x " + std::to_string(k) + " = " +
                                   std::to_string(queries * k));
  }
  const std::uint64_t id_limit = kind == GroundTruthKind::kBigAnn ? std::numeric_limits<std::uint32_t>::max()
                                                                  : std::numeric_limits<std::int32_t>::max();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= 0 && (kind == GroundTruthKind::kHdf5 || static_cast<std::uint64_t>(ids[i]) <= id_limit)) continue;
    return Status::InvalidArgument(path + ": row " + std::to_string(i / k) + " column " + std::to_string(i % k) +
                                   " holds id " + std::to_string(ids[i]) + ", which the format cannot store");
  }
  if (kind != GroundTruthKind::kIvecs && queries > std::numeric_limits<std::uint32_t>::max()) {
    return Status::InvalidArgument(path + ": " + std::to_string(queries) + " queries exceed the format's limit");
  }
  for (std::size_t i = 0; i < distances.size(); ++i) {
    if (std::isfinite(distances[i])) continue;
    return Status::InvalidArgument(path + ": row " + std::to_string(i / k) + " column " + std::to_string(i % k) +
                                   (std::isnan(distances[i]) ? " distance is NaN" : " distance is Inf"));
  }
  struct stat st {};
  if (!overwrite && ::stat(path.c_str(), &st) == 0) {
    return Status::InvalidArgument(path + ": already exists (pass --force to replace it)");
  }
  if (kind == GroundTruthKind::kHdf5) return WriteHdf5(path, metric, queries, k, ids, distances);

  std::vector<unsigned char> bytes;
  if (kind == GroundTruthKind::kBigAnn) {
    bytes.resize(8 + queries * k * 8);
    StoreLe<std::uint32_t>(bytes.data(), static_cast<std::uint32_t>(queries));
    StoreLe<std::uint32_t>(bytes.data() + 4, static_cast<std::uint32_t>(k));
    unsigned char* id_out = bytes.data() + 8;
    unsigned char* dist_out = id_out + queries * k * 4;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      StoreLe<std::uint32_t>(id_out + 4 * i, static_cast<std::uint32_t>(ids[i]));
      // big-ann stores squared L2 distances; the reported one is the true L2.
      const double d = distances[i];
      float stored = distances[i];
      if (metric == Metric::kL2) stored = static_cast<float>(keys.empty() ? d * d : keys[i]);
      StoreLe<float>(dist_out + 4 * i, stored);
    }
  } else {
    const std::size_t row_bytes = 4 + 4 * k;
    bytes.resize(queries * row_bytes);
    for (std::size_t q = 0; q < queries; ++q) {
      unsigned char* row = bytes.data() + q * row_bytes;
      StoreLe<std::int32_t>(row, static_cast<std::int32_t>(k));
      for (std::size_t j = 0; j < k; ++j)
        StoreLe<std::int32_t>(row + 4 + 4 * j, static_cast<std::int32_t>(ids[q * k + j]));
    }
  }
  return WriteBytesAtomically(path, bytes);
}

}  // namespace zyphyr
