#include "bench/harness/bench_data.h"

#include <filesystem>

#include "io/ann_dataset_reader.h"
#include "io/ground_truth_file.h"
#include "io/query_file.h"
#include "io/vector_file.h"
#include "src/eval/ground_truth.h"
#include "src/eval/recall.h"

namespace zyphyr {
namespace {

// Keeps the first k of each query's `width` ids and distances.
void KeepFirstK(const std::vector<std::int64_t>& ids, const std::vector<float>& distances, std::size_t width,
                std::size_t k, BenchData* data) {
  data->true_distances.resize(data->test_rows);
  data->true_ids.reserve(data->test_rows * k);
  for (std::size_t q = 0; q < data->test_rows; ++q) {
    const float* row = distances.data() + q * width;
    data->true_distances[q].assign(row, row + k);
    const std::int64_t* id_row = ids.data() + q * width;
    data->true_ids.insert(data->true_ids.end(), id_row, id_row + k);
  }
}

// The ground truth of a row-file set: the file's ids, their distances
// recomputed from the rows in memory; or computed exactly when no file.
Status RowFileGroundTruth(const BenchDataOptions& options, BenchData* data) {
  if (options.groundtruth.empty()) {
    GroundTruthOptions gt_options;
    gt_options.k = options.k;
    gt_options.threads = options.threads;
    gt_options.progress = options.ground_truth_progress;
    Result<GroundTruth> truth = ComputeGroundTruth(data->train, data->test, data->dim, data->metric, gt_options);
    if (!truth.ok()) return truth.status();
    data->ground_truth_computed = true;
    KeepFirstK(truth->ids, truth->distances, truth->k, options.k, data);
    return Status::Ok();
  }
  Result<GroundTruthTable> table = ReadGroundTruthFile(options.groundtruth, data->train_rows);
  if (!table.ok()) return table.status();
  ZYPHYR_RETURN_IF_ERROR(CheckGroundTruthCovers(*table, options.groundtruth, data->test_rows, options.k));
  // Reported convention (src/core/metric.h): recall orientation, but <q, x> itself under ip.
  const double sign = data->metric == Metric::kInnerProduct ? -1.0 : 1.0;
  std::vector<float> distances(data->test_rows * options.k);
  std::vector<std::int64_t> ids(data->test_rows * options.k);
  for (std::size_t q = 0; q < data->test_rows; ++q) {
    for (std::size_t j = 0; j < options.k; ++j) {
      const std::int64_t id = table->ids[q * table->k + j];
      ids[q * options.k + j] = id;
      const std::span<const float> row(data->train.data() + static_cast<std::size_t>(id) * data->dim, data->dim);
      distances[q * options.k + j] = static_cast<float>(sign * RecallDistance(data->metric, data->query(q), row));
    }
  }
  KeepFirstK(ids, distances, options.k, options.k, data);
  return Status::Ok();
}

Result<BenchData> LoadRowFiles(const std::string& path, const BenchDataOptions& options) {
  if (options.queries.empty()) return Status::InvalidArgument("--queries is required with the row file " + path);
  if (!options.metric) {
    return Status::InvalidArgument("--metric is required for " + path + ": row files carry no metric");
  }
  Result<VectorFile> base = VectorFile::Open(path, options.max_rows);
  if (!base.ok()) return base.status();
  Result<QueryFile> queries = QueryFile::Open(options.queries);
  if (!queries.ok()) return queries.status();
  if (queries->dim() != base->dim()) {
    return Status::InvalidArgument(options.queries + ": queries have dimension " + std::to_string(queries->dim()) +
                                   ", " + path + " has " + std::to_string(base->dim()));
  }
  BenchData data;
  data.path = path;
  data.name = std::filesystem::path(path).stem().string();
  data.metric = *options.metric;
  data.distance_name = std::string(AnnDistanceName(data.metric));
  data.element_type = base->element_type();
  data.dim = base->dim();
  data.train_rows = base->rows();
  data.test_rows = queries->rows();
  if (options.k > data.train_rows) {
    return Status::InvalidArgument("--k " + std::to_string(options.k) + " exceeds the " +
                                   std::to_string(data.train_rows) + " rows of " + path);
  }
  data.train.resize(data.train_rows * data.dim);
  ZYPHYR_RETURN_IF_ERROR(base->ReadRows(0, data.train_rows, data.train));
  Result<std::vector<float>> test = queries->ReadAll();
  if (!test.ok()) return test.status();
  data.test = std::move(*test);
  ZYPHYR_RETURN_IF_ERROR(RowFileGroundTruth(options, &data));
  return data;
}

}  // namespace

Result<BenchData> LoadBenchData(const std::string& path, const BenchDataOptions& options) {
  if (options.k == 0) return Status::InvalidArgument("--k must be at least 1");
  if (IsVectorFilePath(path)) return LoadRowFiles(path, options);
  if (!options.queries.empty() || !options.groundtruth.empty() || options.metric || options.max_rows != 0) {
    return Status::InvalidArgument("--queries, --groundtruth, --metric and --rows apply to row files; " + path +
                                   " holds its own test rows, ground truth and metric");
  }
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
  KeepFirstK(ids, distances, width, options.k, &data);
  return data;
}

}  // namespace zyphyr
