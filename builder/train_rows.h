// TrainRows: the rows a build indexes (their ids are their row numbers),
// read a block at a time: the 'train' rows of an ann-benchmarks file or the
// rows of a big-ann / TEXMEX row file (`zyphyr build`, each rank reading its
// own part), or rows already in memory (`zyphyr bench`, tests).
#ifndef ZYPHYR_BUILDER_TRAIN_ROWS_H_
#define ZYPHYR_BUILDER_TRAIN_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "src/core/element_type.h"
#include "src/core/metric.h"
#include "src/core/status.h"

namespace zyphyr {

class TrainRows {
 public:
  virtual ~TrainRows() = default;
  virtual std::size_t rows() const = 0;
  virtual std::size_t dim() const = 0;
  // The metric the rows are meant for (a build may override it); none for
  // row files, which carry no metric.
  virtual std::optional<Metric> metric() const = 0;
  // How the dataset publishes its rows (uint8 for .u8bin and .bvecs, int8
  // for .i8bin, float32 otherwise): what shards store unless told otherwise.
  virtual ElementType element_type() const = 0;
  // Rows [begin, begin + count) into `out` (exactly count * dim() floats),
  // row-major. Errors: those of the underlying file.
  virtual Status Read(std::size_t begin, std::size_t count, std::span<float> out) const = 0;
  // Bytes read from a row file so far (VectorFile::bytes_read); 0 for HDF5
  // files and rows in memory.
  virtual std::uint64_t bytes_read() const { return 0; }
};

// The rows of the file at `path`: an ann-benchmarks HDF5 file's 'train', or
// a row file (io/vector_file.h: .fbin, .u8bin, .i8bin, .fvecs, .bvecs, told
// by the extension). `max_rows` > 0 keeps only the first max_rows rows (the
// published 10M / 100M subsets are prefixes); InvalidArgument "--rows 100
// exceeds the 10 rows of <path>" when there are fewer. Errors: those of
// AnnDatasetReader::Open and VectorFile::Open.
Result<std::unique_ptr<TrainRows>> OpenTrainRows(const std::string& path, std::size_t max_rows = 0);

// Rows already in memory: row-major, `dim` floats each, meant for `metric`,
// published as `element_type` (their values then fit it).
struct InMemoryRows {
  std::span<const float> values;
  std::size_t dim = 0;
  Metric metric = Metric::kL2;
  ElementType element_type = ElementType::kFloat32;
};

// `rows`, whose values must outlive the object.
std::unique_ptr<TrainRows> TrainRowsInMemory(const InMemoryRows& rows);

}  // namespace zyphyr

#endif  // ZYPHYR_BUILDER_TRAIN_ROWS_H_
