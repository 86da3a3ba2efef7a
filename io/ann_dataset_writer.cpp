#include "io/ann_dataset_writer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "io/ann_dataset_reader.h"
#include "io/hdf5_handle.h"
#include "storage/atomic_file.h"

namespace zyphyr {

// Members close in reverse order: datasets, then the file, then the pending temporary is removed (if uncommitted).
struct AnnDatasetWriter::Impl {
  Impl(PendingFile pending_file, const AnnDatasetLayout& file_layout)
      : pending(std::move(pending_file)), layout(file_layout) {}

  PendingFile pending;
  AnnDatasetLayout layout;
  Hdf5Handle file;
  Hdf5Handle train;
  Hdf5Handle test;
  bool ground_truth_written = false;
};

namespace {

// Chunks of whole rows, at most 1 MiB (at least one row), so any row range touches few chunks.
std::uint64_t ChunkRows(std::size_t rows, std::size_t dim) {
  const std::size_t per_chunk = (std::size_t{1} << 20) / (dim * sizeof(float));
  return std::max<std::size_t>(1, std::min(rows, per_chunk));
}

std::string ValueText(float value) { return std::isnan(value) ? " is NaN" : " is Inf"; }

Status CheckGroundTruth(const std::string& path, std::size_t test_rows, std::size_t train_rows, std::size_t k,
                        std::span<const std::int64_t> ids, std::span<const float> distances) {
  if (k == 0) return Status::InvalidArgument(path + ": ground truth needs k >= 1");
  if (k > std::numeric_limits<std::size_t>::max() / test_rows) {
    return Status::InvalidArgument(path + ": ground truth of " + std::to_string(test_rows) + " x " + std::to_string(k) +
                                   " is too large");
  }
  const std::string expected =
      "; expected " + std::to_string(test_rows) + " x " + std::to_string(k) + " = " + std::to_string(test_rows * k);
  if (ids.size() != test_rows * k) {
    return Status::InvalidArgument(path + ": ground truth holds " + std::to_string(ids.size()) + " ids" + expected);
  }
  if (distances.size() != test_rows * k) {
    return Status::InvalidArgument(path + ": ground truth holds " + std::to_string(distances.size()) + " distances" +
                                   expected);
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= 0 && static_cast<std::uint64_t>(ids[i]) < train_rows) continue;
    return Status::InvalidArgument(path + ": ground-truth id " + std::to_string(ids[i]) + " at row " +
                                   std::to_string(i / k) + " column " + std::to_string(i % k) + " is outside [0, " +
                                   std::to_string(train_rows) + ")");
  }
  for (std::size_t i = 0; i < distances.size(); ++i) {
    if (std::isfinite(distances[i])) continue;
    return Status::InvalidArgument(path + ": ground-truth distance at row " + std::to_string(i / k) + " column " +
                                   std::to_string(i % k) + ValueText(distances[i]));
  }
  return Status::Ok();
}

// Creates and fills `neighbors` and `distances` (checked by CheckGroundTruth).
Status WriteGroundTruthDatasets(hid_t file, const std::string& path, std::size_t test_rows, std::size_t k,
                                std::span<const std::int64_t> ids, std::span<const float> distances) {
  Hdf5Lock lock;
  const hid_t id_type = GroundTruthFitsInt32(ids) ? H5T_STD_I32LE : H5T_STD_I64LE;
  Result<Hdf5Handle> neighbors = CreateDataset(file, path, "neighbors", id_type, {test_rows, k}, 0);
  if (!neighbors.ok()) return neighbors.status();
  ZYPHYR_RETURN_IF_ERROR(WriteRows(neighbors->get(), path, "neighbors", H5T_NATIVE_INT64, 0, test_rows, k, ids.data()));
  Result<Hdf5Handle> dists = CreateDataset(file, path, "distances", H5T_IEEE_F32LE, {test_rows, k}, 0);
  if (!dists.ok()) return dists.status();
  return WriteRows(dists->get(), path, "distances", H5T_NATIVE_FLOAT, 0, test_rows, k, distances.data());
}

}  // namespace

bool GroundTruthFitsInt32(std::span<const std::int64_t> ids) {
  return std::all_of(ids.begin(), ids.end(), [](std::int64_t id) {
    return id >= std::numeric_limits<std::int32_t>::min() && id <= std::numeric_limits<std::int32_t>::max();
  });
}

AnnDatasetWriter::AnnDatasetWriter(std::string path, std::unique_ptr<Impl> impl)
    : path_(std::move(path)), impl_(std::move(impl)) {}
AnnDatasetWriter::AnnDatasetWriter(AnnDatasetWriter&& other) noexcept = default;
AnnDatasetWriter& AnnDatasetWriter::operator=(AnnDatasetWriter&& other) noexcept = default;
AnnDatasetWriter::~AnnDatasetWriter() = default;

Result<AnnDatasetWriter> AnnDatasetWriter::Create(const std::string& path, const AnnDatasetLayout& layout) {
  if (layout.dim == 0) return Status::InvalidArgument(path + ": cannot write a dataset with dimension 0");
  if (layout.train_rows == 0) return Status::InvalidArgument(path + ": cannot write a dataset with 0 train rows");
  if (layout.test_rows == 0) return Status::InvalidArgument(path + ": cannot write a dataset with 0 test rows");
  if (AnnDistanceName(layout.metric) == "unknown") {
    return Status::InvalidArgument(path + ": unknown metric " + std::to_string(static_cast<int>(layout.metric)));
  }
  const std::size_t max_floats = std::numeric_limits<std::size_t>::max() / sizeof(float);
  for (const auto& [name, rows] : {std::pair{"train", layout.train_rows}, std::pair{"test", layout.test_rows}}) {
    if (layout.dim > max_floats / rows) {
      return Status::InvalidArgument(path + ": '" + name + "' (" + std::to_string(rows) + " x " +
                                     std::to_string(layout.dim) + ") is too large");
    }
  }
  Result<PendingFile> pending = PendingFile::Create(path);
  if (!pending.ok()) return pending.status();

  Hdf5Lock lock;
  auto impl = std::make_unique<Impl>(std::move(pending).value(), layout);
  impl->file = Hdf5Handle(Hdf5Kind::kFile,
                          H5Fcreate(impl->pending.temp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  if (!impl->file.valid()) return Status::IOError(path + ": cannot create: " + Hdf5ErrorDetail());
  const hid_t file = impl->file.get();
  ZYPHYR_RETURN_IF_ERROR(WriteStringAttribute(file, path, "distance", AnnDistanceName(layout.metric)));
  ZYPHYR_RETURN_IF_ERROR(WriteStringAttribute(file, path, "type", "dense"));
  ZYPHYR_RETURN_IF_ERROR(WriteStringAttribute(file, path, "point_type", "float"));
  ZYPHYR_RETURN_IF_ERROR(WriteInt64Attribute(file, path, "dimension", static_cast<std::int64_t>(layout.dim)));
  Result<Hdf5Handle> train = CreateDataset(file, path, "train", H5T_IEEE_F32LE, {layout.train_rows, layout.dim},
                                           ChunkRows(layout.train_rows, layout.dim));
  if (!train.ok()) return train.status();
  impl->train = std::move(train).value();
  Result<Hdf5Handle> test = CreateDataset(file, path, "test", H5T_IEEE_F32LE, {layout.test_rows, layout.dim},
                                          ChunkRows(layout.test_rows, layout.dim));
  if (!test.ok()) return test.status();
  impl->test = std::move(test).value();
  return AnnDatasetWriter(path, std::move(impl));
}

Status AnnDatasetWriter::Spent() const { return Status::InvalidArgument(path_ + ": the writer was committed"); }

Status AnnDatasetWriter::WriteVectorRows(bool train, std::size_t begin, std::span<const float> rows) {
  if (impl_ == nullptr) return Spent();
  const char* name = train ? "train" : "test";
  const std::size_t dim = impl_->layout.dim;
  const std::size_t total = train ? impl_->layout.train_rows : impl_->layout.test_rows;
  if (rows.size() % dim != 0) {
    return Status::InvalidArgument(path_ + ": " + std::to_string(rows.size()) +
                                   " floats are not whole rows of dimension " + std::to_string(dim));
  }
  const std::size_t count = rows.size() / dim;
  if (count > total || begin > total - count) {
    const std::string end =
        begin <= std::numeric_limits<std::size_t>::max() - count ? std::to_string(begin + count) : "overflow";
    return Status::InvalidArgument(path_ + ": rows [" + std::to_string(begin) + ", " + end +
                                   ") are past the end of dataset '" + name + "' (" + std::to_string(total) + " rows)");
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (std::isfinite(rows[i])) continue;
    return Status::InvalidArgument(path_ + ": dataset '" + name + "' row " + std::to_string(begin + i / dim) +
                                   " column " + std::to_string(i % dim) + ValueText(rows[i]));
  }
  const Hdf5Handle& dataset = train ? impl_->train : impl_->test;
  return WriteRows(dataset.get(), path_, name, H5T_NATIVE_FLOAT, begin, count, dim, rows.data());
}

Status AnnDatasetWriter::WriteTrainRows(std::size_t begin, std::span<const float> rows) {
  return WriteVectorRows(true, begin, rows);
}

Status AnnDatasetWriter::WriteTestRows(std::size_t begin, std::span<const float> rows) {
  return WriteVectorRows(false, begin, rows);
}

Status AnnDatasetWriter::WriteGroundTruth(std::size_t k, std::span<const std::int64_t> neighbors,
                                          std::span<const float> distances) {
  if (impl_ == nullptr) return Spent();
  if (impl_->ground_truth_written) return Status::InvalidArgument(path_ + ": ground truth was already written");
  const AnnDatasetLayout& layout = impl_->layout;
  ZYPHYR_RETURN_IF_ERROR(CheckGroundTruth(path_, layout.test_rows, layout.train_rows, k, neighbors, distances));
  impl_->ground_truth_written = true;  // Even a failed write may have created a dataset; a retry would collide.
  return WriteGroundTruthDatasets(impl_->file.get(), path_, layout.test_rows, k, neighbors, distances);
}

Status AnnDatasetWriter::Commit() {
  if (impl_ == nullptr) return Spent();
  std::unique_ptr<Impl> impl = std::move(impl_);
  {
    Hdf5Lock lock;
    // Closing the file is where HDF5 writes its remaining metadata; report that failure, not a later one.
    if (!impl->train.Close() || !impl->test.Close() || !impl->file.Close()) {
      return Status::IOError(path_ + ": cannot write: " + Hdf5ErrorDetail());
    }
  }
  return impl->pending.Commit();
}

Status AddGroundTruth(const std::string& path, std::size_t k, std::span<const std::int64_t> neighbors,
                      std::span<const float> distances, bool replace) {
  std::size_t test_rows = 0;
  std::size_t train_rows = 0;
  bool had_ground_truth = false;
  {
    Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path);
    if (!reader.ok()) return reader.status();
    test_rows = reader->test_shape().rows;
    train_rows = reader->train_shape().rows;
    had_ground_truth = reader->has_ground_truth();
  }
  if (had_ground_truth && !replace) {
    return Status::InvalidArgument(path + ": already has ground truth (datasets 'neighbors' and 'distances'); pass " +
                                   "--force to recompute");
  }
  ZYPHYR_RETURN_IF_ERROR(CheckGroundTruth(path, test_rows, train_rows, k, neighbors, distances));
  Result<PendingFile> pending = PendingFile::Create(path);
  if (!pending.ok()) return pending.status();
  ZYPHYR_RETURN_IF_ERROR(CopyFileContents(path, pending->temp_path()));
  {
    Hdf5Lock lock;
    Hdf5Handle file(Hdf5Kind::kFile, H5Fopen(pending->temp_path().c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    if (!file.valid()) return Status::IOError(path + ": cannot open a copy for writing: " + Hdf5ErrorDetail());
    if (had_ground_truth &&
        (H5Ldelete(file.get(), "neighbors", H5P_DEFAULT) < 0 || H5Ldelete(file.get(), "distances", H5P_DEFAULT) < 0)) {
      return Status::IOError(path + ": cannot remove the old ground truth: " + Hdf5ErrorDetail());
    }
    ZYPHYR_RETURN_IF_ERROR(WriteGroundTruthDatasets(file.get(), path, test_rows, k, neighbors, distances));
    if (!file.Close()) return Status::IOError(path + ": cannot write: " + Hdf5ErrorDetail());
  }
  return pending->Commit();
}

}  // namespace zyphyr
