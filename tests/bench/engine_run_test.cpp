#include "bench/harness/engine_run.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bench/harness/bench_data.h"
#include "io/ann_dataset_writer.h"
#include "io/ann_result_file.h"
#include "src/data/synthetic.h"
#include "src/eval/ground_truth.h"
#include "src/eval/recall.h"

namespace zyphyr {
namespace {

class EngineRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The process id too: CTest runs each test alone and the whole suite
    // again (isa.*) at the same time.
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("engine_run_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
            std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A clustered dataset file with (or without) ground truth for 20 neighbours; with `negated`, ground-truth
  // distances of the opposite sign (-<q, x> under ip, as "smaller is closer" tools write them).
  std::string WriteDataset(const std::string& name, Metric metric, bool with_truth, bool negated = false) {
    Result<Dataset> train = ClusteredGaussian(kTrain, kDim, 6, 3, SampleStream::kBase);
    Result<Dataset> test = ClusteredGaussian(kTest, kDim, 6, 3, SampleStream::kQueries);
    EXPECT_TRUE(train.ok() && test.ok());
    const std::string path = (dir_ / name).string();
    Result<AnnDatasetWriter> writer = AnnDatasetWriter::Create(path, AnnDatasetLayout{metric, kDim, kTrain, kTest});
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    EXPECT_TRUE(writer->WriteTrainRows(0, train->rows).ok());
    EXPECT_TRUE(writer->WriteTestRows(0, test->rows).ok());
    if (with_truth) {
      GroundTruthOptions options;
      options.k = 20;
      Result<GroundTruth> truth = ComputeGroundTruth(train->rows, test->rows, kDim, metric, options);
      EXPECT_TRUE(truth.ok());
      if (negated) {
        for (float& d : truth->distances) d = -d;
      }
      EXPECT_TRUE(writer->WriteGroundTruth(truth->k, truth->ids, truth->distances).ok());
    }
    EXPECT_TRUE(writer->Commit().ok());
    return path;
  }

  static constexpr std::size_t kTrain = 2000, kDim = 16, kTest = 50;
  std::filesystem::path dir_;
};

BenchDataOptions DataOptions(std::size_t k, std::size_t threads) {
  BenchDataOptions options;
  options.k = k;
  options.threads = threads;
  return options;
}

TEST_F(EngineRunTest, LoadsTheDatasetAndTheFirstKTrueDistances) {
  const std::string path = WriteDataset("toy-16-euclidean.hdf5", Metric::kL2, true);
  Result<BenchData> data = LoadBenchData(path, DataOptions(10, 1));
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->name, "toy-16-euclidean");
  EXPECT_EQ(data->distance_name, "euclidean");
  EXPECT_EQ(data->train.size(), kTrain * kDim);
  ASSERT_EQ(data->true_distances.size(), kTest);
  EXPECT_EQ(data->true_distances[0].size(), 10u);
  EXPECT_FALSE(data->ground_truth_computed);
  EXPECT_LE(data->true_distances[0][0], data->true_distances[0][9]);

  Result<BenchData> too_many = LoadBenchData(path, DataOptions(21, 1));
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().message(), "--k 21 exceeds the 20 neighbours of the ground truth in " + path);
}

TEST_F(EngineRunTest, ComputesGroundTruthWhenTheFileHasNone) {
  const std::string with = WriteDataset("with.hdf5", Metric::kCosine, true);
  const std::string without = WriteDataset("without.hdf5", Metric::kCosine, false);
  Result<BenchData> a = LoadBenchData(with, DataOptions(10, 1));
  Result<BenchData> b = LoadBenchData(without, DataOptions(10, 2));
  ASSERT_TRUE(a.ok() && b.ok()) << b.status().ToString();
  EXPECT_TRUE(b->ground_truth_computed);
  EXPECT_EQ(a->true_distances, b->true_distances);
}

// Recall under ip does not depend on the sign the file's ground truth uses. The figures are checked against the
// ids found, recounted here by hand: with ef 1 on a sparse graph some neighbours are missed.
TEST_F(EngineRunTest, InnerProductRecallIsTheSameWhicheverSignTheFileStores) {
  const std::string plain = WriteDataset("ip.hdf5", Metric::kInnerProduct, true);
  const std::string negated = WriteDataset("ip-negated.hdf5", Metric::kInnerProduct, true, true);
  Result<BenchData> a = LoadBenchData(plain, DataOptions(10, 1));
  Result<BenchData> b = LoadBenchData(negated, DataOptions(10, 1));
  ASSERT_TRUE(a.ok() && b.ok()) << b.status().ToString();
  EXPECT_EQ(a->true_distances, b->true_distances);
  EXPECT_EQ(a->true_ids, b->true_ids);
  EXPECT_GE(a->true_distances[0][0], a->true_distances[0][9]);  // Inner products, nearest (largest) first.

  BenchSettings settings;
  settings.k = 10;
  settings.efs = {1};
  settings.build.M = 2;
  settings.build.ef_construction = 8;
  settings.build.threads = 1;
  std::vector<EfRun> runs;
  for (const BenchData* data : {&*a, &*b}) {
    Result<std::unique_ptr<Engine>> engine = MakeEngine("zyphyr");
    ASSERT_TRUE(engine.ok());
    settings.results_dir = (dir_ / ("results-" + std::to_string(runs.size()))).string();
    Result<EngineReport> report = RunEngine(**engine, *data, settings, {});
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    runs.push_back(report->runs[0]);
  }
  EXPECT_DOUBLE_EQ(runs[0].recall, runs[1].recall);
  EXPECT_DOUBLE_EQ(runs[0].id_recall, runs[1].id_recall);
  EXPECT_LT(runs[0].id_recall, 1.0);
  EXPECT_LT(runs[1].recall, 1.0);

  // The distance-based figure by hand: a returned id is a hit when its <q, x> reaches the 10th true one's.
  Result<AnnResult> result = ReadAnnResult(runs[1].result_file);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  std::size_t hits = 0, id_hits = 0;
  for (std::size_t q = 0; q < kTest; ++q) {
    const std::vector<std::int64_t> truth(a->true_ids.begin() + q * 10, a->true_ids.begin() + (q + 1) * 10);
    for (std::size_t j = 0; j < 10; ++j) {
      const std::int32_t id = result->neighbors[q * 10 + j];
      if (id < 0) continue;
      double dot = 0.0;
      for (std::size_t d = 0; d < kDim; ++d)
        dot += static_cast<double>(a->test[q * kDim + d]) * a->train[id * kDim + d];
      if (dot >= a->true_distances[q][9] - kRecallEpsilon) ++hits;
      if (std::find(truth.begin(), truth.end(), id) != truth.end()) ++id_hits;
    }
  }
  EXPECT_DOUBLE_EQ(runs[1].recall, static_cast<double>(hits) / (kTest * 10));
  EXPECT_DOUBLE_EQ(runs[1].id_recall, static_cast<double>(id_hits) / (kTest * 10));
}

TEST_F(EngineRunTest, SweepsEfAndWritesAnnBenchmarksResultFiles) {
  const std::string path = WriteDataset("toy-16-euclidean.hdf5", Metric::kL2, true);
  Result<BenchData> data = LoadBenchData(path, DataOptions(10, 1));
  ASSERT_TRUE(data.ok());
  Result<std::unique_ptr<Engine>> engine = MakeEngine("zyphyr");
  ASSERT_TRUE(engine.ok());
  BenchSettings settings;
  settings.k = 10;
  settings.efs = {4, 64};
  settings.threads = 2;
  settings.build.M = 8;
  settings.build.ef_construction = 64;
  settings.build.threads = 1;
  settings.results_dir = (dir_ / "results").string();
  std::vector<std::size_t> sweep_calls;
  RunProgress progress;
  progress.sweep = [&](std::size_t done, std::size_t total) {
    EXPECT_EQ(total, 2u);
    sweep_calls.push_back(done);
  };
  Result<EngineReport> report = RunEngine(**engine, *data, settings, progress);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(sweep_calls, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(report->name, "zyphyr");
  EXPECT_GT(report->build_seconds, 0.0);
  EXPECT_GT(report->index_bytes, kTrain * kDim * sizeof(float));
  EXPECT_GT(report->peak_rss_bytes, 0u);
  ASSERT_EQ(report->runs.size(), 2u);
  EXPECT_GE(report->runs[1].recall, 0.98);
  EXPECT_LE(report->runs[0].recall, report->runs[1].recall);
  EXPECT_GT(report->runs[1].qps_single, 0.0);
  EXPECT_GT(report->runs[1].qps_threads, 0.0);
  EXPECT_DOUBLE_EQ(report->runs[1].mean_results, 10.0);

  const std::string expected_file =
      (dir_ / "results" / "toy-16-euclidean" / "10" / "zyphyr" / "M8_efC64_ef64.hdf5").string();
  EXPECT_EQ(report->runs[1].result_file, expected_file);
  Result<AnnResult> result = ReadAnnResult(expected_file);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->algo, "zyphyr");
  EXPECT_EQ(result->name, "zyphyr(M=8,efC=64,ef=64)");
  EXPECT_EQ(result->dataset, "toy-16-euclidean");
  EXPECT_EQ(result->distance, "euclidean");
  EXPECT_EQ(result->count, 10u);
  EXPECT_FALSE(result->batch_mode);
  ASSERT_EQ(result->times.size(), kTest);
  ASSERT_EQ(result->neighbors.size(), kTest * 10);
  // Result distances are the true L2 distances of the returned ids, nearest first.
  for (std::size_t q = 0; q < kTest; ++q) {
    for (std::size_t j = 0; j < 10; ++j) {
      const std::int32_t id = result->neighbors[q * 10 + j];
      ASSERT_GE(id, 0);
      double sum = 0.0;
      for (std::size_t d = 0; d < kDim; ++d) {
        const double diff = static_cast<double>(data->test[q * kDim + d]) - data->train[id * kDim + d];
        sum += diff * diff;
      }
      EXPECT_NEAR(result->distances[q * 10 + j], std::sqrt(sum), 1e-4);
    }
  }
}

}  // namespace
}  // namespace zyphyr
