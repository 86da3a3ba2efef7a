#include "io/ann_dataset_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>
#include <utility>

#include "io/hdf5_handle.h"
#include "io/hdf5_internal.h"
#include "io/hdf5_matrix.h"
#include "src/core/check.h"
#include "src/eval/true_distances.h"

namespace zyphyr {

enum class AnnDatasetReader::Part { kTrain, kTest, kNeighbors, kDistances };

// Declared in the order they must close in reverse: datasets before the file.
struct AnnDatasetReader::Impl {
  Hdf5Handle file;
  Hdf5Handle train;
  Hdf5Handle test;
  Hdf5Handle neighbors;
  Hdf5Handle distances;
};

namespace {

using hdf5_internal::Quoted;

constexpr const char* kExpectedDistances = "(expected euclidean, angular or ip)";

// "[b, e)" without wrapping when begin + count overflows.
std::string RangeText(std::size_t begin, std::size_t count) {
  std::string text = "[";  // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "[" + std::string.
  text += std::to_string(begin);
  text += ", ";
  text += begin <= std::numeric_limits<std::size_t>::max() - count ? std::to_string(begin + count) : "overflow";
  text += ")";
  return text;
}

// The vectors `train` or `test`: 2-D, non-empty, float or integer.
Status OpenVectors(hid_t file, const std::string& path, const char* name, Hdf5Handle* dataset, MatrixShape* shape) {
  ZYPHYR_RETURN_IF_ERROR(OpenMatrix(file, path, name, MatrixElements::kFloatOrInteger, dataset, shape));
  if (shape->rows == 0) return Status::InvalidArgument(path + ": dataset " + Quoted(name) + " is empty (0 rows)");
  if (shape->cols == 0) return Status::InvalidArgument(path + ": dataset " + Quoted(name) + " is empty (0 columns)");
  return CheckAddressable(path, name, *shape, sizeof(float));
}

// `neighbors` or `distances`: as many rows as `test`, at least one column.
Status OpenGroundTruth(hid_t file, const std::string& path, const char* name, MatrixElements accept,
                       std::size_t test_rows, Hdf5Handle* dataset, MatrixShape* shape) {
  ZYPHYR_RETURN_IF_ERROR(OpenMatrix(file, path, name, accept, dataset, shape));
  if (shape->rows != test_rows) {
    return Status::InvalidArgument(path + ": dataset " + Quoted(name) + " has " + std::to_string(shape->rows) +
                                   " rows but 'test' has " + std::to_string(test_rows));
  }
  if (shape->cols == 0) return Status::InvalidArgument(path + ": dataset " + Quoted(name) + " is empty (0 columns)");
  return CheckAddressable(path, name, *shape, sizeof(std::int64_t));
}

Result<Metric> ParseDistance(const std::string& path, const std::string& name) {
  if (name == "euclidean") return Metric::kL2;
  if (name == "angular") return Metric::kCosine;
  if (name == "ip" || name == "dot") return Metric::kInnerProduct;
  return Status::InvalidArgument(path + ": distance '" + name + "' is not supported " + kExpectedDistances);
}

}  // namespace

std::string_view AnnDistanceName(Metric metric) {
  switch (metric) {
    case Metric::kL2:
      return "euclidean";
    case Metric::kCosine:
      return "angular";
    case Metric::kInnerProduct:
      return "ip";
  }
  return "unknown";
}

AnnDatasetReader::AnnDatasetReader() = default;
AnnDatasetReader::AnnDatasetReader(AnnDatasetReader&& other) noexcept = default;
AnnDatasetReader& AnnDatasetReader::operator=(AnnDatasetReader&& other) noexcept = default;
AnnDatasetReader::~AnnDatasetReader() = default;

Result<AnnDatasetReader> AnnDatasetReader::Open(const std::string& path) {
  Hdf5Lock lock;
  Result<Hdf5Handle> file = OpenHdf5ForReading(path);
  if (!file.ok()) return file.status();
  AnnDatasetReader reader;
  reader.path_ = path;
  reader.impl_ = std::make_unique<Impl>();
  Impl& impl = *reader.impl_;
  impl.file = std::move(file).value();
  const hid_t f = impl.file.get();

  ZYPHYR_RETURN_IF_ERROR(OpenVectors(f, path, "train", &impl.train, &reader.train_));
  ZYPHYR_RETURN_IF_ERROR(OpenVectors(f, path, "test", &impl.test, &reader.test_));
  if (reader.test_.cols != reader.train_.cols) {
    return Status::InvalidArgument(path + ": dataset 'test' has " + std::to_string(reader.test_.cols) +
                                   " columns but 'train' has " + std::to_string(reader.train_.cols));
  }

  Result<std::string> distance = ReadStringAttribute(f, path, "distance");
  if (!distance.ok()) {
    if (distance.status().code() != StatusCode::kNotFound) return distance.status();
    return Status::InvalidArgument(path + ": no 'distance' attribute " + kExpectedDistances);
  }
  Result<Metric> metric = ParseDistance(path, *distance);
  if (!metric.ok()) return metric.status();
  reader.metric_ = *metric;
  reader.distance_name_ = std::move(distance).value();

  Result<std::int64_t> dimension = ReadIntegerAttribute(f, path, "dimension");
  if (!dimension.ok() && dimension.status().code() != StatusCode::kNotFound) return dimension.status();
  if (dimension.ok() && (*dimension < 0 || static_cast<std::uint64_t>(*dimension) != reader.train_.cols)) {
    return Status::InvalidArgument(path + ": attribute 'dimension' is " + std::to_string(*dimension) +
                                   " but dataset 'train' has " + std::to_string(reader.train_.cols) + " columns");
  }

  Result<bool> has_neighbors = LinkExists(f, path, "neighbors");
  if (!has_neighbors.ok()) return has_neighbors.status();
  Result<bool> has_distances = LinkExists(f, path, "distances");
  if (!has_distances.ok()) return has_distances.status();
  if (*has_neighbors && !*has_distances) {
    return Status::InvalidArgument(path + ": dataset 'neighbors' exists but 'distances' does not");
  }
  if (*has_distances && !*has_neighbors) {
    return Status::InvalidArgument(path + ": dataset 'distances' exists but 'neighbors' does not");
  }
  if (*has_neighbors) {
    MatrixShape ids, dists;
    ZYPHYR_RETURN_IF_ERROR(
        OpenGroundTruth(f, path, "neighbors", MatrixElements::kInteger, reader.test_.rows, &impl.neighbors, &ids));
    ZYPHYR_RETURN_IF_ERROR(
        OpenGroundTruth(f, path, "distances", MatrixElements::kFloat, reader.test_.rows, &impl.distances, &dists));
    if (ids.cols != dists.cols) {
      return Status::InvalidArgument(path + ": datasets 'neighbors' (" + std::to_string(ids.cols) +
                                     " columns) and 'distances' (" + std::to_string(dists.cols) +
                                     " columns) differ in width");
    }
    reader.ground_truth_ = ids;
  }
  return reader;
}

Status AnnDatasetReader::ReadFloatRows(Part part, std::size_t begin, std::size_t count, std::span<float> out) const {
  ZYPHYR_CHECK(impl_ != nullptr);
  const char* name = part == Part::kTrain ? "train" : part == Part::kTest ? "test" : "distances";
  const MatrixShape shape = part == Part::kTrain ? train_ : part == Part::kTest ? test_ : ground_truth_;
  const Hdf5Handle& dataset = part == Part::kTrain  ? impl_->train
                              : part == Part::kTest ? impl_->test
                                                    : impl_->distances;
  if (count > shape.rows || begin > shape.rows - count) {
    return Status::OutOfRange(path_ + ": rows " + RangeText(begin, count) + " of dataset " + Quoted(name) +
                              " are past its end (" + std::to_string(shape.rows) + " rows)");
  }
  if (out.size() != count * shape.cols) {
    return Status::InvalidArgument(path_ + ": output holds " + std::to_string(out.size()) + " floats; " +
                                   std::to_string(count) + " rows of dataset " + Quoted(name) + " need " +
                                   std::to_string(count * shape.cols));
  }
  ZYPHYR_RETURN_IF_ERROR(ReadRows(dataset.get(), path_, name, H5T_NATIVE_FLOAT, begin, count, shape.cols, out.data()));
  return CheckFinite(path_, name, begin, shape.cols, out);
}

Result<std::vector<float>> AnnDatasetReader::ReadWholeFloat(Part part) const {
  const char* name = part == Part::kTrain ? "train" : part == Part::kTest ? "test" : "distances";
  const MatrixShape shape = part == Part::kTrain ? train_ : part == Part::kTest ? test_ : ground_truth_;
  std::vector<float> out;
  try {
    out.resize(shape.rows * shape.cols);  // Open checked that the product fits.
  } catch (const std::bad_alloc&) {
    return Status::IOError(path_ + ": dataset " + Quoted(name) + " (" + std::to_string(shape.rows) + " x " +
                           std::to_string(shape.cols) + ") does not fit in memory");
  }
  for (std::size_t begin = 0; begin < shape.rows; begin += kReadBlockRows) {
    const std::size_t count = std::min(kReadBlockRows, shape.rows - begin);
    ZYPHYR_RETURN_IF_ERROR(
        ReadFloatRows(part, begin, count, std::span<float>(out).subspan(begin * shape.cols, count * shape.cols)));
  }
  return out;
}

Status AnnDatasetReader::ReadTrainRows(std::size_t begin, std::size_t count, std::span<float> out) const {
  return ReadFloatRows(Part::kTrain, begin, count, out);
}

Status AnnDatasetReader::ReadTestRows(std::size_t begin, std::size_t count, std::span<float> out) const {
  return ReadFloatRows(Part::kTest, begin, count, out);
}

Result<std::vector<float>> AnnDatasetReader::ReadTrain() const { return ReadWholeFloat(Part::kTrain); }

Result<std::vector<float>> AnnDatasetReader::ReadTest() const { return ReadWholeFloat(Part::kTest); }

Status AnnDatasetReader::NoGroundTruth() const {
  return Status::NotFound(path_ + ": no ground truth (datasets 'neighbors' and 'distances'); run 'zyphyr dataset " +
                          "groundtruth --data " + path_ + "'");
}

Result<std::vector<float>> AnnDatasetReader::ReadDistances() const {
  ZYPHYR_CHECK(impl_ != nullptr);
  if (!has_ground_truth()) return NoGroundTruth();
  Result<std::vector<float>> distances = ReadWholeFloat(Part::kDistances);
  if (!distances.ok()) return distances.status();
  std::optional<TrueDistanceSign> recomputed;
  if (metric_ == Metric::kInnerProduct) recomputed = SignFromVectors(*distances);
  Result<TrueDistanceSign> sign =
      NormalizeTrueDistances(metric_, *distances, ground_truth_.cols, "dataset 'distances'", recomputed);
  if (!sign.ok()) return sign.status().WithContext(path_);
  return distances;
}

std::optional<TrueDistanceSign> AnnDatasetReader::SignFromVectors(std::span<const float> distances) const {
  const std::size_t cols = ground_truth_.cols;
  const std::size_t queries = std::min<std::size_t>({ground_truth_.rows, test_shape().rows, 16});
  std::vector<float> query(dim()), row(dim());
  for (std::size_t q = 0; q < queries; ++q) {
    std::vector<std::int64_t> ids(cols);
    if (!ReadRows(impl_->neighbors.get(), path_, "neighbors", H5T_NATIVE_INT64, q, 1, cols, ids.data()).ok()) break;
    const std::int64_t id = ids[0];
    if (id < 0 || static_cast<std::uint64_t>(id) >= train_shape().rows) continue;
    if (!ReadTestRows(q, 1, query).ok() || !ReadTrainRows(static_cast<std::size_t>(id), 1, row).ok()) break;
    double ip = 0, scale = 0;
    for (std::size_t j = 0; j < dim(); ++j) {
      ip += static_cast<double>(query[j]) * row[j];
      scale += std::abs(static_cast<double>(query[j]) * row[j]);
    }
    const double stored = distances[q * cols];
    const double tolerance = 1e-3 * std::max(1.0, scale);
    if (std::abs(ip) <= tolerance) continue;  // Near zero: both signs fit.
    if (std::abs(stored - ip) <= tolerance) return TrueDistanceSign::kReported;
    if (std::abs(stored + ip) <= tolerance) return TrueDistanceSign::kNegated;
  }
  return std::nullopt;
}

Result<std::vector<std::int64_t>> AnnDatasetReader::ReadNeighbors() const {
  ZYPHYR_CHECK(impl_ != nullptr);
  if (!has_ground_truth()) return NoGroundTruth();
  const MatrixShape shape = ground_truth_;
  std::vector<std::int64_t> ids;
  try {
    ids.resize(shape.rows * shape.cols);
  } catch (const std::bad_alloc&) {
    return Status::IOError(path_ + ": dataset 'neighbors' (" + std::to_string(shape.rows) + " x " +
                           std::to_string(shape.cols) + ") does not fit in memory");
  }
  for (std::size_t begin = 0; begin < shape.rows; begin += kReadBlockRows) {
    const std::size_t count = std::min(kReadBlockRows, shape.rows - begin);
    ZYPHYR_RETURN_IF_ERROR(ReadRows(impl_->neighbors.get(), path_, "neighbors", H5T_NATIVE_INT64, begin, count,
                                    shape.cols, ids.data() + begin * shape.cols));
  }
  const auto train_rows = static_cast<std::int64_t>(train_.rows);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= 0 && ids[i] < train_rows) continue;
    return Status::InvalidArgument(path_ + ": dataset 'neighbors' row " + std::to_string(i / shape.cols) + " column " +
                                   std::to_string(i % shape.cols) + " holds id " + std::to_string(ids[i]) +
                                   ", outside [0, " + std::to_string(train_.rows) + ")");
  }
  return ids;
}

}  // namespace zyphyr
