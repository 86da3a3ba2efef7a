// BenchData: what one benchmark run searches and scores against, loaded from
// an ann-benchmarks dataset file (io/ann_dataset_reader.h), or from the files
// billion-scale sets are published as: a base row file, a query row file and
// a ground-truth file (io/vector_file.h, io/ground_truth_file.h).
#ifndef ZYPHYR_BENCH_HARNESS_BENCH_DATA_H_
#define ZYPHYR_BENCH_HARNESS_BENCH_DATA_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "src/core/element_type.h"
#include "src/core/metric.h"
#include "src/core/status.h"

namespace zyphyr {

struct BenchData {
  std::string path;
  std::string name;           // File name without directory and ".hdf5", e.g. "fashion-mnist-784-euclidean".
  std::string distance_name;  // As stored: "euclidean", "angular", "ip" (row files: the metric's ann-benchmarks name).
  Metric metric = Metric::kL2;
  ElementType element_type = ElementType::kFloat32;  // How the base rows are published (row files: uint8, int8).
  std::size_t dim = 0;
  std::size_t train_rows = 0;
  std::size_t test_rows = 0;
  std::vector<float> train;  // train_rows x dim.
  std::vector<float> test;   // test_rows x dim.
  // Per query, the first k true distances (reported convention, src/core/metric.h, whatever sign an ip file stores:
  // AnnDatasetReader::ReadDistances normalises it).
  std::vector<std::vector<float>> true_distances;
  std::vector<std::int64_t> true_ids;  // test_rows x k, row-major: the first k true ids of each query, nearest first.
  bool ground_truth_computed = false;  // True when the file had none and it was computed here.

  std::span<const float> query(std::size_t q) const { return {test.data() + q * dim, dim}; }
  std::size_t MemoryBytes() const { return (train.size() + test.size()) * sizeof(float); }
};

struct BenchDataOptions {
  std::size_t k = 10;
  std::size_t threads = 0;  // For computing ground truth when the file has none.
  std::function<void(std::size_t, std::size_t)> ground_truth_progress;
  // Row files only (the HDF5 file holds its own): the queries (a row file),
  // the ground truth (.ibin, .ivecs, .hdf5; computed when empty), the metric
  // (required: row files carry none) and the first base rows kept (0: all).
  std::string queries;
  std::string groundtruth;
  std::optional<Metric> metric;
  std::size_t max_rows = 0;
};

// Reads train, test and the first k ground-truth ids and distances of `path`. A file
// without ground truth gets it computed exactly (ground_truth_computed).
// `path` may be a row file (.fbin, .u8bin, .i8bin, .fvecs, .bvecs): then the
// queries come from options.queries and the ground truth from
// options.groundtruth, whose ids' true distances are recomputed here in
// double from the base rows (the files' own distance conventions differ).
// Errors, besides the readers': InvalidArgument "--queries is required with
// the row file base.u8bin", "--metric is required for base.u8bin: row files
// carry no metric", "q.fbin: queries have dimension 8, base.u8bin has 16",
// "--queries, --groundtruth, --metric and --rows apply to row files; x.hdf5
// holds its own test rows, ground truth and metric", and
// CheckGroundTruthCovers' refusals.
// Errors: those of AnnDatasetReader (among them its refusal of ground truth whose
// distances are out of order, or under ip of an undecidable sign); InvalidArgument "--k 200 exceeds the 100
// neighbours of the ground truth in x.hdf5" and "--k 0 ..." for a bad k.
Result<BenchData> LoadBenchData(const std::string& path, const BenchDataOptions& options);

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_HARNESS_BENCH_DATA_H_
