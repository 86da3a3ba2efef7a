#include "io/ann_result_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tests/io/hdf5_test_util.h"

namespace zyphyr {
namespace {

using testing::ScratchDir;

AnnResult SampleResult() {
  AnnResult r;
  r.algo = "zyphyr";
  r.name = "zyphyr(M=16,efC=200,ef=64)";
  r.dataset = "fashion-mnist-784-euclidean";
  r.distance = "euclidean";
  r.count = 3;
  r.build_time = 12.5;
  r.index_size = 123456.0;
  r.best_search_time = 1.25e-4;
  r.candidates = 2.5;
  r.batch_mode = true;
  r.run_count = 5;
  r.expect_extra = false;
  r.times = {1e-4f, 2e-4f};
  const float inf = std::numeric_limits<float>::infinity();
  r.neighbors = {7, 3, 9, 4, -1, -1};  // The second query found one result.
  r.distances = {0.5f, 0.75f, 1.0f, 0.25f, inf, inf};
  return r;
}

void ExpectSame(const AnnResult& a, const AnnResult& b) {
  EXPECT_EQ(a.algo, b.algo);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.dataset, b.dataset);
  EXPECT_EQ(a.distance, b.distance);
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.build_time, b.build_time);
  EXPECT_EQ(a.index_size, b.index_size);
  EXPECT_EQ(a.best_search_time, b.best_search_time);
  EXPECT_EQ(a.candidates, b.candidates);
  EXPECT_EQ(a.batch_mode, b.batch_mode);
  EXPECT_EQ(a.run_count, b.run_count);
  EXPECT_EQ(a.expect_extra, b.expect_extra);
  EXPECT_EQ(a.times, b.times);
  EXPECT_EQ(a.neighbors, b.neighbors);
  EXPECT_EQ(a.distances, b.distances);
}

TEST(AnnResultFileTest, RoundTrip) {
  ScratchDir dir;
  const std::string path = dir.File("result.hdf5");
  const AnnResult written = SampleResult();
  Status st = WriteAnnResult(path, written);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(dir.List(), std::vector<std::string>{"result.hdf5"});
  Result<AnnResult> read = ReadAnnResult(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ExpectSame(*read, written);

  // Overwriting keeps the file readable and replaces it whole.
  AnnResult other = written;
  other.algo = "hnswlib";
  other.expect_extra = true;
  other.batch_mode = false;
  ASSERT_TRUE(WriteAnnResult(path, other).ok());
  read = ReadAnnResult(path);
  ASSERT_TRUE(read.ok());
  ExpectSame(*read, other);
}

TEST(AnnResultFileTest, StoresTheTypesAnnBenchmarksReads) {
  ScratchDir dir;
  const std::string path = dir.File("result.hdf5");
  ASSERT_TRUE(WriteAnnResult(path, SampleResult()).ok());
  Hdf5Lock lock;
  Result<Hdf5Handle> file = OpenHdf5ForReading(path);
  ASSERT_TRUE(file.ok());
  ASSERT_NO_FATAL_FAILURE(testing::ExpectStoredTypes(
      file->get(), path, {{"times", "float32"}, {"neighbors", "int32"}, {"distances", "float32"}}));
  EXPECT_EQ(*ReadIntegerAttribute(file->get(), path, "count"), 3);
  EXPECT_EQ(*ReadIntegerAttribute(file->get(), path, "batch_mode"), 1);
}

TEST(AnnResultFileTest, RefusesInconsistentSizes) {
  ScratchDir dir;
  const std::string path = dir.File("r.hdf5");
  const auto expect = [&](const AnnResult& r, const std::string& message) {
    Status st = WriteAnnResult(path, r);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
    EXPECT_EQ(st.message(), path + ": " + message);
  };
  AnnResult r = SampleResult();
  r.neighbors.pop_back();
  expect(r, "result has 2 query times but 5 neighbor ids (expected 2 x 3 = 6)");
  r = SampleResult();
  r.distances.push_back(1);
  expect(r, "result has 2 query times but 7 distances (expected 2 x 3 = 6)");
  r = SampleResult();
  r.count = 0;
  expect(r, "result count must be at least 1");
  r = SampleResult();
  r.times.clear();
  expect(r, "result has no queries (times is empty)");
  EXPECT_TRUE(dir.List().empty());

  const std::string nested = dir.File("missing/r.hdf5");
  Status st = WriteAnnResult(nested, SampleResult());
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_EQ(st.message(), nested + ": cannot create: No such file or directory");
}

TEST(AnnResultFileTest, ReadRefusals) {
  ScratchDir dir;
  const std::string missing = dir.File("none.hdf5");
  Result<AnnResult> read = ReadAnnResult(missing);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(read.status().message(), missing + ": no such file");

  // A dataset file is not a result file.
  const std::string path = dir.File("data.hdf5");
  testing::WriteRawFile(path, testing::ValidRawFile());
  read = ReadAnnResult(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(read.status().message(), path + ": no attribute 'algo'");
}

// A file as h5py writes it: fixed-length strings here, numpy bools as enums, no expect_extra; neighbors stored as
// int64; a mismatch between count and the width of neighbors is refused.
TEST(AnnResultFileTest, ReadsH5pyStyleAttributes) {
  ScratchDir dir;
  const std::string path = dir.File("h5py.hdf5");
  testing::RawFile spec;
  spec.distance = "angular";
  spec.datasets = {{"times", testing::RawType::kF64, {2}, {0.5, 0.25}},
                   testing::Matrix("neighbors", testing::RawType::kI64, 2, 2, {1, 2, 3, -1}),
                   testing::Matrix("distances", testing::RawType::kF32, 2, 2, {0.1, 0.2, 0.3, 0.4})};
  ASSERT_NO_FATAL_FAILURE(testing::WriteRawFile(path, spec));
  const auto annotate = [&](std::int64_t count) {
    Hdf5Lock lock;
    Hdf5Handle file(Hdf5Kind::kFile, H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    ASSERT_TRUE(file.valid());
    for (const char* name : {"algo", "name", "dataset"}) testing::WriteFixedStringAttribute(file.get(), name, name);
    for (const char* name : {"build_time", "index_size", "best_search_time", "candidates"}) {
      ASSERT_TRUE(WriteFloat64Attribute(file.get(), path, name, 1.5).ok());
    }
    if (H5Aexists(file.get(), "count") > 0) {
      ASSERT_GE(H5Adelete(file.get(), "count"), 0);
    }
    ASSERT_TRUE(WriteInt64Attribute(file.get(), path, "count", count).ok());
    ASSERT_TRUE(WriteInt64Attribute(file.get(), path, "run_count", 3).ok());
    Hdf5Handle bool_type(Hdf5Kind::kDatatype, testing::MakeRawType(testing::RawType::kEnum));
    Hdf5Handle space(Hdf5Kind::kDataspace, H5Screate(H5S_SCALAR));
    Hdf5Handle attr(Hdf5Kind::kAttribute,
                    H5Acreate2(file.get(), "batch_mode", bool_type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
    const std::int8_t yes = 1;
    ASSERT_GE(H5Awrite(attr.get(), bool_type.get(), &yes), 0);
  };
  ASSERT_NO_FATAL_FAILURE(annotate(2));
  Result<AnnResult> read = ReadAnnResult(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->algo, "algo");
  EXPECT_EQ(read->distance, "angular");
  EXPECT_EQ(read->count, 2u);
  EXPECT_EQ(read->run_count, 3u);
  EXPECT_EQ(read->build_time, 1.5);
  EXPECT_TRUE(read->batch_mode);
  EXPECT_FALSE(read->expect_extra);
  EXPECT_EQ(read->times, (std::vector<float>{0.5f, 0.25f}));
  EXPECT_EQ(read->neighbors, (std::vector<std::int32_t>{1, 2, 3, -1}));
  EXPECT_EQ(read->distances, (std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f}));

  testing::WriteRawFile(path, spec);
  ASSERT_NO_FATAL_FAILURE(annotate(3));
  read = ReadAnnResult(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(read.status().message(), path + ": dataset 'neighbors' has shape 2 x 2; expected 2 x 3");
}

}  // namespace
}  // namespace zyphyr
