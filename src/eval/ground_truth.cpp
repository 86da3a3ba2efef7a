#include "src/eval/ground_truth.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "src/eval/ground_truth_computation.h"

namespace zyphyr {

using ground_truth_internal::Computation;

Result<GroundTruth> ComputeGroundTruth(const RowReader& read_train, std::size_t train_rows,
                                       std::span<const float> queries, std::size_t dim, Metric metric,
                                       const GroundTruthOptions& options) {
  if (dim == 0) return Status::InvalidArgument("ground truth: dimension must be at least 1");
  if (options.k == 0) return Status::InvalidArgument("ground truth: k must be at least 1");
  if (train_rows == 0) return Status::InvalidArgument("ground truth: the train set has no rows");
  if (options.train_block_rows == 0) {
    return Status::InvalidArgument("ground truth: train_block_rows must be at least 1");
  }
  if (queries.size() % dim != 0) {
    return Status::InvalidArgument("ground truth: " + std::to_string(queries.size()) +
                                   " query floats is not a multiple of the dimension " + std::to_string(dim));
  }
  if (queries.empty()) return Status::InvalidArgument("ground truth: no queries");

  const std::size_t k = std::min(options.k, train_rows);
  Computation computation(queries, dim, metric, k, options.threads);
  ZYPHYR_RETURN_IF_ERROR(computation.PrepareQueries());

  const std::size_t block_rows = std::min(options.train_block_rows, train_rows);
  std::vector<float> block(block_rows * dim);
  for (std::size_t begin = 0; begin < train_rows; begin += block_rows) {
    const std::size_t count = std::min(block_rows, train_rows - begin);
    std::span<float> rows(block.data(), count * dim);
    ZYPHYR_RETURN_IF_ERROR(read_train(begin, count, rows));
    ZYPHYR_RETURN_IF_ERROR(computation.PrepareBlock(rows, count, begin));
    computation.ProcessBlock(rows, count, begin);
    if (options.progress) options.progress(begin + count, train_rows);
  }
  return computation.Finish();
}

Result<GroundTruth> ComputeGroundTruth(std::span<const float> train, std::span<const float> queries, std::size_t dim,
                                       Metric metric, const GroundTruthOptions& options) {
  if (dim == 0) return Status::InvalidArgument("ground truth: dimension must be at least 1");
  if (train.size() % dim != 0) {
    return Status::InvalidArgument("ground truth: " + std::to_string(train.size()) +
                                   " train floats is not a multiple of the dimension " + std::to_string(dim));
  }
  RowReader reader = [train, dim](std::size_t begin, std::size_t count, std::span<float> out) {
    std::memcpy(out.data(), train.data() + begin * dim, count * dim * sizeof(float));
    return Status::Ok();
  };
  return ComputeGroundTruth(reader, train.size() / dim, queries, dim, metric, options);
}

}  // namespace zyphyr
