// TrainRows: the rows a build indexes (their ids are their row numbers),
// read a block at a time: the 'train' rows of an ann-benchmarks file
// (`zyphyr build`, each rank reading its own part), or rows already in memory
// (`zyphyr bench`, tests).
#ifndef ZYPHYR_BUILDER_TRAIN_ROWS_H_
#define ZYPHYR_BUILDER_TRAIN_ROWS_H_

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "src/core/metric.h"
#include "src/core/status.h"

namespace zyphyr {

class TrainRows {
 public:
  virtual ~TrainRows() = default;
  virtual std::size_t rows() const = 0;
  virtual std::size_t dim() const = 0;
  virtual Metric metric() const = 0;  // The metric the rows are meant for (a build may override it).
  // Rows [begin, begin + count) into `out` (exactly count * dim() floats),
  // row-major. Errors: those of the underlying file.
  virtual Status Read(std::size_t begin, std::size_t count, std::span<float> out) const = 0;
};

// The 'train' rows of the ann-benchmarks file at `path`. Errors: those of
// AnnDatasetReader::Open.
Result<std::unique_ptr<TrainRows>> OpenTrainRows(const std::string& path);

// Rows already in memory: row-major, `dim` floats each, meant for `metric`.
struct InMemoryRows {
  std::span<const float> values;
  std::size_t dim = 0;
  Metric metric = Metric::kL2;
};

// `rows`, whose values must outlive the object.
std::unique_ptr<TrainRows> TrainRowsInMemory(const InMemoryRows& rows);

}  // namespace zyphyr

#endif  // ZYPHYR_BUILDER_TRAIN_ROWS_H_
