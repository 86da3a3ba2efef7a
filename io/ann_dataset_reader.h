// AnnDatasetReader: an ann-benchmarks dataset file (HDF5; docs/formats.md) opened
// read-only and validated, with its vectors and ground truth read as float32 / int64.
//
// Every error message starts with the path as given, then ": ", e.g.
//   "fashion-mnist-784-euclidean.hdf5: dataset 'test' has 100 columns but 'train' has 784".
//
// Thread safety: a reader may be used from several threads; its calls (like every HDF5 call in io/) are serialized
// by one process-wide lock (io/hdf5_handle.h), so concurrent reads do not run in parallel.
#ifndef ZYPHYR_IO_ANN_DATASET_READER_H_
#define ZYPHYR_IO_ANN_DATASET_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/hdf5_matrix.h"
#include "src/core/metric.h"
#include "src/core/status.h"
#include "src/eval/true_distances.h"

namespace zyphyr {

// Whole-dataset reads go through blocks of at most this many rows, so HDF5's conversion buffers stay bounded.
inline constexpr std::size_t kReadBlockRows = 8192;

// The value of the file attribute `distance` for a metric: "euclidean" (l2), "angular" (cosine), "ip".
std::string_view AnnDistanceName(Metric metric);

// An ann-benchmarks dataset file opened read-only. Move-only; the file stays open until destruction. Calling any
// method but the destructor or an assignment on a moved-from reader is a bug and aborts.
class AnnDatasetReader {
 public:
  // Opens `path` and validates: the file exists and is HDF5; datasets `train` and `test` exist, are 2-D, have at
  // least one row and one column, the same number of columns, and a supported element type (float32, float64, or an
  // integer type of any size/sign — converted to float32); the file attribute `distance` (string, fixed or variable
  // length) maps euclidean -> Metric::kL2, angular -> Metric::kCosine, ip or dot -> Metric::kInnerProduct; if
  // `neighbors` or `distances` exist, both must exist, be 2-D with test.rows rows and the same column count >= 1,
  // neighbors an integer type (any size/sign), distances float32/float64. The optional `dimension` attribute, when
  // present, must be an integer equal to the width of train.
  //
  // Errors (message after "<path>: "):
  //   NotFound        "no such file"
  //   InvalidArgument "not an HDF5 file"
  //                   "no dataset 'train'" (or 'test'); "'train' is not a dataset" (e.g. a group)
  //                   "dataset 'train' has 3 dimensions; expected 2 (rows x columns)"
  //                   "dataset 'train' is empty (0 rows)" / "... (0 columns)"
  //                   "dataset 'train' has unsupported element type string; expected float32, float64 or integers"
  //                   "dataset 'test' has 100 columns but 'train' has 784"
  //                   "no 'distance' attribute (expected euclidean, angular or ip)"
  //                   "attribute 'distance' holds int64; expected a string"
  //                   "distance 'hamming' is not supported (expected euclidean, angular or ip)"
  //                   "attribute 'dimension' is 100 but dataset 'train' has 784 columns"
  //                   "dataset 'neighbors' exists but 'distances' does not" (or the other way round)
  //                   "dataset 'neighbors' has 5 rows but 'test' has 10"
  //                   "dataset 'neighbors' is empty (0 columns)"
  //                   "dataset 'neighbors' has unsupported element type float64; expected integers"
  //                   "dataset 'distances' has unsupported element type int32; expected float32 or float64"
  //                   "datasets 'neighbors' (100 columns) and 'distances' (10 columns) differ in width"
  //                   "dataset 'train' is too large (R x C)" (its size in bytes overflows size_t)
  //   IOError         "cannot open: <HDF5 detail>" (e.g. a truncated file), or another failed HDF5 call.
  static Result<AnnDatasetReader> Open(const std::string& path);

  AnnDatasetReader(AnnDatasetReader&& other) noexcept;
  AnnDatasetReader& operator=(AnnDatasetReader&& other) noexcept;
  AnnDatasetReader(const AnnDatasetReader&) = delete;
  AnnDatasetReader& operator=(const AnnDatasetReader&) = delete;
  ~AnnDatasetReader();

  const std::string& path() const { return path_; }
  Metric metric() const { return metric_; }
  const std::string& distance_name() const { return distance_name_; }  // As stored, e.g. "euclidean".
  std::size_t dim() const { return train_.cols; }
  MatrixShape train_shape() const { return train_; }
  MatrixShape test_shape() const { return test_; }
  bool has_ground_truth() const { return ground_truth_.rows > 0; }  // `neighbors` and `distances` both present.
  MatrixShape ground_truth_shape() const { return ground_truth_; }  // {0, 0} when absent.

  // Rows [begin, begin + count) of `train` (resp. `test`) as float32, row-major, into `out` (exactly count * dim()
  // floats). Stored types are converted by HDF5; every value is checked finite. count == 0 reads nothing.
  // Errors: OutOfRange "<path>: rows [b, e) of dataset 'train' are past its end (N rows)"; InvalidArgument
  // "<path>: output holds 5 floats; 2 rows of dataset 'train' need 6" when out.size() != count * dim();
  // InvalidArgument "<path>: dataset 'train' row 17 column 3 is NaN" (or "is Inf"; row and column count from 0);
  // IOError "<path>: cannot read dataset 'train': <HDF5 detail>". On error `out` holds unspecified values.
  Status ReadTrainRows(std::size_t begin, std::size_t count, std::span<float> out) const;
  Status ReadTestRows(std::size_t begin, std::size_t count, std::span<float> out) const;

  // Whole datasets, row-major, read in blocks of at most kReadBlockRows rows. Errors as for ReadTrainRows, plus
  // IOError "<path>: dataset 'train' (R x C) does not fit in memory".
  Result<std::vector<float>> ReadTrain() const;
  Result<std::vector<float>> ReadTest() const;

  // Ground truth, row-major test rows x ground_truth_shape().cols. Ids are converted to int64 and must lie in
  // [0, train rows), else InvalidArgument "<path>: dataset 'neighbors' row r column c holds id v, outside [0, N)".
  // Distances are converted to float32 and must be finite ("<path>: dataset 'distances' row r column c is NaN").
  // They come back in the reported convention (src/core/metric.h), whatever sign the file used: under ip a file whose
  // rows ascend holds -<q, x> ("smaller is closer") and is negated, one whose rows descend holds <q, x> as Zyphyr
  // writes it (see src/eval/true_distances.h). Refused (InvalidArgument), after "<path>: dataset 'distances' ":
  //   under l2/angular "row 3 is not ascending (column 2 holds 0.5 after 0.75): l2 distances are stored nearest
  //   (smallest) first"; under ip "row 3 is neither ascending nor descending", "rows disagree in order (row 0
  //   descending, row 3 ascending): cannot tell the inner-product sign convention (<q, x> descending or -<q, x>
  //   ascending)" and "rows are all constant: cannot tell ..." (ground truth of a single neighbour, unless recomputing
  //   the first queries' first neighbours from the vectors tells the sign).
  // NotFound "<path>: no ground truth (datasets 'neighbors' and 'distances'); run 'zyphyr dataset groundtruth --data
  // <path>'" when absent. IOError as above.
  Result<std::vector<std::int64_t>> ReadNeighbors() const;
  Result<std::vector<float>> ReadDistances() const;

 private:
  struct Impl;      // The open HDF5 handles.
  enum class Part;  // train, test, neighbors or distances.

  AnnDatasetReader();
  Status ReadFloatRows(Part part, std::size_t begin, std::size_t count, std::span<float> out) const;
  Result<std::vector<float>> ReadWholeFloat(Part part) const;
  // ip: whether the stored distances are <q, x> or -<q, x>, told by recomputing those of the first neighbours of
  // the first queries from the vectors; nothing when no stored value tells (near zero, unreadable, out of range).
  std::optional<TrueDistanceSign> SignFromVectors(std::span<const float> distances) const;
  Status NoGroundTruth() const;

  std::string path_;
  Metric metric_ = Metric::kL2;
  std::string distance_name_;
  MatrixShape train_;
  MatrixShape test_;
  MatrixShape ground_truth_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_IO_ANN_DATASET_READER_H_
