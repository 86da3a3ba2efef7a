#include "io/ann_dataset_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "io/ann_dataset_reader.h"
#include "tests/io/hdf5_test_util.h"

namespace zyphyr {
namespace {

using testing::ScratchDir;

std::vector<float> RandomFloats(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> dist(0.0f, 10.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

bool SameBytes(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

struct GroundTruth {
  std::size_t k = 3;
  std::vector<std::int64_t> ids;
  std::vector<float> distances;
};

// Distances nearest first in the reported convention (which the reader gives back unchanged): ascending, or
// descending under ip (inner products, larger is closer).
GroundTruth MakeGroundTruth(std::size_t test_rows, std::size_t train_rows, std::size_t k, Metric metric = Metric::kL2) {
  GroundTruth gt;
  gt.k = k;
  const float step = metric == Metric::kInnerProduct ? -0.5f : 0.5f;
  for (std::size_t i = 0; i < test_rows * k; ++i) {
    gt.ids.push_back(static_cast<std::int64_t>((i * 7) % train_rows));
    gt.distances.push_back(step * static_cast<float>(i));
  }
  return gt;
}

// Writes a complete file: train written back half first (rows in any order), test, optional ground truth.
void WriteDataset(const std::string& path, const AnnDatasetLayout& layout, const std::vector<float>& train,
                  const std::vector<float>& test, const GroundTruth* gt) {
  Result<AnnDatasetWriter> writer = AnnDatasetWriter::Create(path, layout);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  const std::size_t half = layout.train_rows / 2;
  const std::span<const float> all(train);
  ASSERT_TRUE(writer->WriteTrainRows(half, all.subspan(half * layout.dim)).ok());
  ASSERT_TRUE(writer->WriteTrainRows(0, all.first(half * layout.dim)).ok());
  ASSERT_TRUE(writer->WriteTestRows(0, test).ok());
  if (gt != nullptr) {
    Status st = writer->WriteGroundTruth(gt->k, gt->ids, gt->distances);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  Status st = writer->Commit();
  ASSERT_TRUE(st.ok()) << st.ToString();
}

void CheckRoundTrip(Metric metric) {
  ScratchDir dir;
  const AnnDatasetLayout layout{metric, 19, 301, 23};
  const std::vector<float> train = RandomFloats(layout.train_rows * layout.dim, 1);
  const std::vector<float> test = RandomFloats(layout.test_rows * layout.dim, 2);
  const GroundTruth gt = MakeGroundTruth(layout.test_rows, layout.train_rows, 4, metric);
  const std::string path = dir.File("data.hdf5");
  ASSERT_NO_FATAL_FAILURE(WriteDataset(path, layout, train, test, &gt));
  EXPECT_EQ(dir.List(), std::vector<std::string>{"data.hdf5"});  // No temporary left behind.

  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ(reader->metric(), metric);
  EXPECT_EQ(reader->distance_name(), AnnDistanceName(metric));
  EXPECT_EQ(reader->dim(), layout.dim);
  EXPECT_EQ(reader->train_shape().rows, layout.train_rows);
  EXPECT_EQ(reader->test_shape().rows, layout.test_rows);
  EXPECT_EQ(reader->ground_truth_shape().rows, layout.test_rows);
  EXPECT_EQ(reader->ground_truth_shape().cols, gt.k);
  Result<std::vector<float>> train_read = reader->ReadTrain();
  ASSERT_TRUE(train_read.ok());
  EXPECT_TRUE(SameBytes(*train_read, train));
  Result<std::vector<float>> test_read = reader->ReadTest();
  ASSERT_TRUE(test_read.ok());
  EXPECT_TRUE(SameBytes(*test_read, test));
  for (std::size_t begin : {std::size_t{0}, std::size_t{150}, layout.train_rows - 1}) {
    std::vector<float> row(layout.dim);
    ASSERT_TRUE(reader->ReadTrainRows(begin, 1, row).ok());
    EXPECT_TRUE(SameBytes(
        row, std::vector<float>(train.begin() + begin * layout.dim, train.begin() + (begin + 1) * layout.dim)))
        << begin;
  }
  Result<std::vector<std::int64_t>> ids = reader->ReadNeighbors();
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(*ids, gt.ids);
  Result<std::vector<float>> dists = reader->ReadDistances();
  ASSERT_TRUE(dists.ok());
  EXPECT_TRUE(SameBytes(*dists, gt.distances));

  // The attributes and stored types ann-benchmarks' files have.
  Hdf5Lock lock;
  Result<Hdf5Handle> file = OpenHdf5ForReading(path);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*ReadStringAttribute(file->get(), path, "type"), "dense");
  EXPECT_EQ(*ReadStringAttribute(file->get(), path, "point_type"), "float");
  EXPECT_EQ(*ReadIntegerAttribute(file->get(), path, "dimension"), 19);
  ASSERT_NO_FATAL_FAILURE(testing::ExpectStoredTypes(
      file->get(), path, {{"train", "float32"}, {"neighbors", "int32"}, {"distances", "float32"}}));
}

TEST(AnnDatasetWriterTest, RoundTripL2) { CheckRoundTrip(Metric::kL2); }
TEST(AnnDatasetWriterTest, RoundTripCosine) { CheckRoundTrip(Metric::kCosine); }
TEST(AnnDatasetWriterTest, RoundTripInnerProduct) { CheckRoundTrip(Metric::kInnerProduct); }

TEST(AnnDatasetWriterTest, DistanceNames) {
  EXPECT_EQ(AnnDistanceName(Metric::kL2), "euclidean");
  EXPECT_EQ(AnnDistanceName(Metric::kCosine), "angular");
  EXPECT_EQ(AnnDistanceName(Metric::kInnerProduct), "ip");
}

TEST(AnnDatasetWriterTest, ReadsAcrossBlockAndChunkBoundaries) {
  ScratchDir dir;
  // 2 full read blocks and a partial one; dim 40 gives chunks of 6553 rows, so blocks and chunks interleave.
  const AnnDatasetLayout layout{Metric::kL2, 40, 2 * kReadBlockRows + 77, 3};
  const std::vector<float> train = RandomFloats(layout.train_rows * layout.dim, 3);
  const std::vector<float> test = RandomFloats(layout.test_rows * layout.dim, 4);
  const std::string path = dir.File("big.hdf5");
  ASSERT_NO_FATAL_FAILURE(WriteDataset(path, layout, train, test, nullptr));
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_FALSE(reader->has_ground_truth());
  Result<std::vector<float>> all = reader->ReadTrain();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(SameBytes(*all, train));
  const std::size_t begin = kReadBlockRows - 5, count = 11;  // Crosses the first block boundary.
  std::vector<float> rows(count * layout.dim);
  ASSERT_TRUE(reader->ReadTrainRows(begin, count, rows).ok());
  EXPECT_TRUE(SameBytes(
      rows, std::vector<float>(train.begin() + begin * layout.dim, train.begin() + (begin + count) * layout.dim)));
}

TEST(AnnDatasetWriterTest, GroundTruthStorageType) {
  EXPECT_TRUE(GroundTruthFitsInt32(std::vector<std::int64_t>{0, 5, (1LL << 31) - 1}));
  EXPECT_FALSE(GroundTruthFitsInt32(std::vector<std::int64_t>{0, 1LL << 31}));
  EXPECT_TRUE(GroundTruthFitsInt32({}));
}

TEST(AnnDatasetWriterTest, Refusals) {
  ScratchDir dir;
  const std::string path = dir.File("x.hdf5");
  const auto expect = [&](const Status& st, StatusCode code, const std::string& message) {
    EXPECT_EQ(st.code(), code) << st.ToString();
    EXPECT_EQ(st.message(), path + ": " + message);
  };
  expect(AnnDatasetWriter::Create(path, {Metric::kL2, 0, 5, 2}).status(), StatusCode::kInvalidArgument,
         "cannot write a dataset with dimension 0");
  expect(AnnDatasetWriter::Create(path, {Metric::kL2, 3, 0, 2}).status(), StatusCode::kInvalidArgument,
         "cannot write a dataset with 0 train rows");
  expect(AnnDatasetWriter::Create(path, {Metric::kL2, 3, 5, 0}).status(), StatusCode::kInvalidArgument,
         "cannot write a dataset with 0 test rows");
  const std::string nested = dir.File("no/such/dir/y.hdf5");
  Status missing_dir = AnnDatasetWriter::Create(nested, {Metric::kL2, 3, 5, 2}).status();
  EXPECT_EQ(missing_dir.code(), StatusCode::kIOError);
  EXPECT_EQ(missing_dir.message(), nested + ": cannot create: No such file or directory");

  Result<AnnDatasetWriter> writer = AnnDatasetWriter::Create(path, {Metric::kL2, 3, 5, 2});
  ASSERT_TRUE(writer.ok());
  const std::vector<float> seven(7, 1.0f);
  expect(writer->WriteTrainRows(0, seven), StatusCode::kInvalidArgument, "7 floats are not whole rows of dimension 3");
  const std::vector<float> two_rows(6, 1.0f);
  expect(writer->WriteTrainRows(4, two_rows), StatusCode::kInvalidArgument,
         "rows [4, 6) are past the end of dataset 'train' (5 rows)");
  expect(writer->WriteTestRows(1, two_rows), StatusCode::kInvalidArgument,
         "rows [1, 3) are past the end of dataset 'test' (2 rows)");
  std::vector<float> bad = two_rows;
  bad[4] = std::numeric_limits<float>::quiet_NaN();
  expect(writer->WriteTrainRows(2, bad), StatusCode::kInvalidArgument, "dataset 'train' row 3 column 1 is NaN");
  bad[4] = -std::numeric_limits<float>::infinity();
  expect(writer->WriteTestRows(0, bad), StatusCode::kInvalidArgument, "dataset 'test' row 1 column 1 is Inf");

  const std::vector<std::int64_t> ids = {0, 1, 2, 3};
  const std::vector<float> dists = {0, 1, 2, 3};
  expect(writer->WriteGroundTruth(0, {}, {}), StatusCode::kInvalidArgument, "ground truth needs k >= 1");
  expect(writer->WriteGroundTruth(3, ids, dists), StatusCode::kInvalidArgument,
         "ground truth holds 4 ids; expected 2 x 3 = 6");
  expect(writer->WriteGroundTruth(2, ids, std::vector<float>{0, 1, 2}), StatusCode::kInvalidArgument,
         "ground truth holds 3 distances; expected 2 x 2 = 4");
  expect(writer->WriteGroundTruth(2, std::vector<std::int64_t>{0, 1, 5, 2}, dists), StatusCode::kInvalidArgument,
         "ground-truth id 5 at row 1 column 0 is outside [0, 5)");
  expect(writer->WriteGroundTruth(2, ids, std::vector<float>{0, 1, 2, std::nanf("")}), StatusCode::kInvalidArgument,
         "ground-truth distance at row 1 column 1 is NaN");
  ASSERT_TRUE(writer->WriteGroundTruth(2, ids, dists).ok());
  expect(writer->WriteGroundTruth(2, ids, dists), StatusCode::kInvalidArgument, "ground truth was already written");
  ASSERT_TRUE(writer->Commit().ok());
  expect(writer->Commit(), StatusCode::kInvalidArgument, "the writer was committed");
  expect(writer->WriteTrainRows(0, two_rows), StatusCode::kInvalidArgument, "the writer was committed");
  // Rows never written read back as 0.
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  std::vector<float> row(3);
  ASSERT_TRUE(reader->ReadTrainRows(4, 1, row).ok());
  EXPECT_EQ(row, (std::vector<float>{0, 0, 0}));
}

TEST(AnnDatasetWriterTest, UncommittedWriterLeavesNothing) {
  ScratchDir dir;
  const std::string path = dir.File("x.hdf5");
  {
    Result<AnnDatasetWriter> writer = AnnDatasetWriter::Create(path, {Metric::kCosine, 4, 10, 2});
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->WriteTrainRows(0, RandomFloats(40, 5)).ok());
    EXPECT_EQ(dir.List().size(), 1u);  // The temporary, under another name.
    EXPECT_NE(dir.List()[0], "x.hdf5");
    AnnDatasetWriter moved = std::move(writer).value();  // Moving hands the temporary over; nothing is removed.
    EXPECT_EQ(dir.List().size(), 1u);
  }
  EXPECT_TRUE(dir.List().empty());
}

TEST(AnnDatasetWriterTest, ExistingFileSurvivesUncommittedWriterAndIsReplacedOnCommit) {
  ScratchDir dir;
  const std::string path = dir.File("x.hdf5");
  const AnnDatasetLayout old_layout{Metric::kL2, 2, 3, 1};
  ASSERT_NO_FATAL_FAILURE(WriteDataset(path, old_layout, RandomFloats(6, 6), RandomFloats(2, 7), nullptr));
  const std::string before = testing::ReadBytes(path);
  {
    Result<AnnDatasetWriter> writer = AnnDatasetWriter::Create(path, {Metric::kInnerProduct, 5, 4, 2});
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->WriteTrainRows(0, RandomFloats(20, 8)).ok());
  }
  EXPECT_EQ(testing::ReadBytes(path), before);
  EXPECT_EQ(dir.List(), std::vector<std::string>{"x.hdf5"});

  ASSERT_NO_FATAL_FAILURE(
      WriteDataset(path, {Metric::kInnerProduct, 5, 4, 2}, RandomFloats(20, 8), RandomFloats(10, 9), nullptr));
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->metric(), Metric::kInnerProduct);
  EXPECT_EQ(reader->dim(), 5u);
  EXPECT_EQ(dir.List(), std::vector<std::string>{"x.hdf5"});
}

class AnnDatasetAddGroundTruthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(WriteDataset(path_, layout_, RandomFloats(40, 10), RandomFloats(12, 11), nullptr));
  }
  ScratchDir dir_;
  const std::string path_ = dir_.File("x.hdf5");
  const AnnDatasetLayout layout_{Metric::kL2, 4, 10, 3};
};

TEST_F(AnnDatasetAddGroundTruthTest, AddsRefusesAndReplaces) {
  const GroundTruth first = MakeGroundTruth(3, 10, 2);
  ASSERT_TRUE(AddGroundTruth(path_, first.k, first.ids, first.distances, false).ok());
  {
    Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path_);
    ASSERT_TRUE(reader.ok());
    EXPECT_EQ(*reader->ReadNeighbors(), first.ids);
    EXPECT_EQ(*reader->ReadDistances(), first.distances);
    EXPECT_TRUE(SameBytes(*reader->ReadTrain(), RandomFloats(40, 10)));
  }
  const std::string before = testing::ReadBytes(path_);
  const GroundTruth second = MakeGroundTruth(3, 10, 5);
  Status st = AddGroundTruth(path_, second.k, second.ids, second.distances, false);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), path_ +
                              ": already has ground truth (datasets 'neighbors' and 'distances'); pass --force "
                              "to recompute");
  EXPECT_EQ(testing::ReadBytes(path_), before);

  st = AddGroundTruth(path_, 4, second.ids, second.distances, true);  // Sizes disagree with 3 x 4.
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), path_ + ": ground truth holds 15 ids; expected 3 x 4 = 12");
  EXPECT_EQ(testing::ReadBytes(path_), before);

  ASSERT_TRUE(AddGroundTruth(path_, second.k, second.ids, second.distances, true).ok());
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path_);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->ground_truth_shape().cols, 5u);
  EXPECT_EQ(*reader->ReadNeighbors(), second.ids);
  EXPECT_EQ(*reader->ReadDistances(), second.distances);
  EXPECT_TRUE(SameBytes(*reader->ReadTest(), RandomFloats(12, 11)));
  EXPECT_EQ(dir_.List(), std::vector<std::string>{"x.hdf5"});
}

TEST_F(AnnDatasetAddGroundTruthTest, RefusesWhatOpenRefuses) {
  const GroundTruth gt = MakeGroundTruth(3, 10, 2);
  const std::string missing = dir_.File("missing.hdf5");
  Status st = AddGroundTruth(missing, gt.k, gt.ids, gt.distances, false);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_EQ(st.message(), missing + ": no such file");
  const std::string text = dir_.File("notes.hdf5");
  testing::WriteBytes(text, "not hdf5");
  st = AddGroundTruth(text, gt.k, gt.ids, gt.distances, false);
  EXPECT_EQ(st.message(), text + ": not an HDF5 file");
  EXPECT_EQ(testing::ReadBytes(text), "not hdf5");
}

}  // namespace
}  // namespace zyphyr
