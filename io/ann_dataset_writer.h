// AnnDatasetWriter and AddGroundTruth: write ann-benchmarks dataset files (docs/formats.md) that AnnDatasetReader and
// ann-benchmarks' own tools read. Writes are atomic (storage/atomic_file.h): the file is built under a temporary name in
// the destination's directory and appears at its path only when complete.
//
// Every error message starts with the path as given, then ": ".
//
// Thread safety: one writer must not be used from two threads at once; different writers may. Their HDF5 calls are
// serialized by one process-wide lock (io/hdf5_handle.h).
#ifndef ZYPHYR_IO_ANN_DATASET_WRITER_H_
#define ZYPHYR_IO_ANN_DATASET_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "src/core/metric.h"
#include "src/core/status.h"

namespace zyphyr {

struct AnnDatasetLayout {
  Metric metric = Metric::kL2;
  std::size_t dim = 0;
  std::size_t train_rows = 0;
  std::size_t test_rows = 0;
};

// True when every id fits in int32, so `neighbors` is stored as int32 (as in published files); int64 otherwise.
bool GroundTruthFitsInt32(std::span<const std::int64_t> ids);

// Writes a new ann-benchmarks file. The file is built under a temporary name in the same directory and appears at
// `path` only on Commit() (fsync + rename + fsync of the directory), so a crash leaves the old file (or none), never a
// half-written one. Destroying an uncommitted writer removes the temporary file. Move-only. Rows never written read
// back as 0.
class AnnDatasetWriter {
 public:
  // Creates the temporary file with the file attributes distance ("euclidean" for l2, "angular" for cosine, "ip" for
  // inner product), type "dense", point_type "float", dimension (int64), and the float32 datasets train (train_rows x
  // dim) and test (test_rows x dim), chunked by whole rows (chunks of at most ~1 MiB), so rows can be written in any
  // order. Errors: InvalidArgument "<path>: cannot write a dataset with dimension 0" (or "with 0 train rows",
  // "with 0 test rows"), "<path>: 'train' (R x C) is too large" (or 'test'); IOError "<path>: cannot create: <errno
  // text>" when the temporary file cannot be created (e.g. "x/y.hdf5: cannot create: No such file or directory"), or
  // with the HDF5 detail when a later step fails.
  static Result<AnnDatasetWriter> Create(const std::string& path, const AnnDatasetLayout& layout);

  AnnDatasetWriter(AnnDatasetWriter&& other) noexcept;
  AnnDatasetWriter& operator=(AnnDatasetWriter&& other) noexcept;
  AnnDatasetWriter(const AnnDatasetWriter&) = delete;
  AnnDatasetWriter& operator=(const AnnDatasetWriter&) = delete;
  ~AnnDatasetWriter();

  // Writes rows [begin, begin + rows.size() / dim) of `train` (resp. `test`); `rows` is row-major. An empty span
  // writes nothing. Errors: InvalidArgument "<path>: 7 floats are not whole rows of dimension 3" (ragged),
  // "<path>: rows [b, e) are past the end of dataset 'train' (N rows)", "<path>: dataset 'train' row r column c is
  // NaN" (or "is Inf"; nothing is written then), "<path>: the writer was committed" (spent or moved-from writer);
  // IOError with the HDF5 detail.
  Status WriteTrainRows(std::size_t begin, std::span<const float> rows);
  Status WriteTestRows(std::size_t begin, std::span<const float> rows);

  // Writes `neighbors` (test_rows x k; int32 when GroundTruthFitsInt32, int64 otherwise) and `distances` (test_rows x
  // k, float32), row-major. At most once per writer. Errors: InvalidArgument "<path>: ground truth needs k >= 1",
  // "<path>: ground truth holds 12 ids; expected 10 x 2 = 20" (same for "distances"), "<path>: ground-truth id v at
  // row r column c is outside [0, N)", "<path>: ground-truth distance at row r column c is NaN" (or "is Inf"),
  // "<path>: ground truth was already written", "<path>: the writer was committed"; IOError with the HDF5 detail.
  Status WriteGroundTruth(std::size_t k, std::span<const std::int64_t> neighbors, std::span<const float> distances);

  // Closes the file, fsyncs it, renames it to `path` and fsyncs the directory. IOError on failure (the temporary is
  // then removed and any earlier file at `path` is untouched). Afterwards, success or not, the writer is spent.
  Status Commit();

 private:
  struct Impl;

  AnnDatasetWriter(std::string path, std::unique_ptr<Impl> impl);
  Status WriteVectorRows(bool train, std::size_t begin, std::span<const float> rows);
  Status Spent() const;

  std::string path_;
  std::unique_ptr<Impl> impl_;  // Null once committed or moved from.
};

// Adds (or with replace=true replaces) `neighbors`/`distances` in an existing valid dataset file. Atomic: the file is
// copied to a temporary in the same directory (keeping its permission bits), modified, fsynced and renamed over the
// original, so the original is intact on any failure. (HDF5 does not reclaim the space of replaced datasets; a
// replaced file grows by the size of the old ground truth.)
// Errors: those of AnnDatasetReader::Open; InvalidArgument "<path>: already has ground truth (datasets 'neighbors'
// and 'distances'); pass --force to recompute" when present and !replace; the InvalidArgument errors of
// WriteGroundTruth when sizes do not match test_rows x k or ids/distances are out of range; IOError on write failure.
Status AddGroundTruth(const std::string& path, std::size_t k, std::span<const std::int64_t> neighbors,
                      std::span<const float> distances, bool replace);

}  // namespace zyphyr

#endif  // ZYPHYR_IO_ANN_DATASET_WRITER_H_
