#include "bench/harness/bench_data.h"

#include <filesystem>

#include "io/ann_dataset_reader.h"
#include "src/eval/ground_truth.h"

namespace zyphyr {

Result<BenchData> LoadBenchData(const std::string& path, const BenchDataOptions& options) {
  if (options.k == 0) return Status::InvalidArgument("--k must be at least 1");
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path);
  if (!reader.ok()) return reader.status();
  BenchData data;
  data.path = path;
  data.name = std::filesystem::path(path).stem().string();
  data.distance_name = reader->distance_name();
  data.metric = reader->metric();
  data.dim = reader->dim();
  data.train_rows = reader->train_shape().rows;
  data.test_rows = reader->test_shape().rows;

  if (reader->has_ground_truth() && options.k > reader->ground_truth_shape().cols) {
    return Status::InvalidArgument("--k " + std::to_string(options.k) + " exceeds the " +
                                   std::to_string(reader->ground_truth_shape().cols) +
                                   " neighbours of the ground truth in " + path);
  }
  if (options.k > data.train_rows) {
    return Status::InvalidArgument("--k " + std::to_string(options.k) + " exceeds the " +
                                   std::to_string(data.train_rows) + " rows of 'train' in " + path);
  }
  Result<std::vector<float>> train = reader->ReadTrain();
  if (!train.ok()) return train.status();
  data.train = std::move(*train);
  Result<std::vector<float>> test = reader->ReadTest();
  if (!test.ok()) return test.status();
  data.test = std::move(*test);

  std::vector<float> distances;
  std::vector<std::int64_t> ids;
  std::size_t width = 0;
  if (reader->has_ground_truth()) {
    Result<std::vector<float>> stored = reader->ReadDistances();
    if (!stored.ok()) return stored.status();
    distances = std::move(*stored);
    Result<std::vector<std::int64_t>> stored_ids = reader->ReadNeighbors();
    if (!stored_ids.ok()) return stored_ids.status();
    ids = std::move(*stored_ids);
    width = reader->ground_truth_shape().cols;
  } else {
    GroundTruthOptions gt_options;
    gt_options.k = options.k;
    gt_options.threads = options.threads;
    gt_options.progress = options.ground_truth_progress;
    Result<GroundTruth> truth = ComputeGroundTruth(data.train, data.test, data.dim, data.metric, gt_options);
    if (!truth.ok()) return truth.status();
    distances = std::move(truth->distances);
    ids = std::move(truth->ids);
    width = truth->k;
    data.ground_truth_computed = true;
  }
  data.true_distances.resize(data.test_rows);
  data.true_ids.reserve(data.test_rows * options.k);
  for (std::size_t q = 0; q < data.test_rows; ++q) {
    const float* row = distances.data() + q * width;
    data.true_distances[q].assign(row, row + options.k);
    const std::int64_t* id_row = ids.data() + q * width;
    data.true_ids.insert(data.true_ids.end(), id_row, id_row + options.k);
  }
  return data;
}

}  // namespace zyphyr
