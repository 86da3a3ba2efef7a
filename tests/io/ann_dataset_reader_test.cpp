// AnnDatasetReader: opening ann-benchmarks files, their shapes and attributes, and every refusal.
// Over 400 lines: one concept, mostly straight-line refusal cases of one reader.
#include "io/ann_dataset_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tests/io/hdf5_test_util.h"

namespace zyphyr {
namespace {

using testing::Matrix;
using testing::RawFile;
using testing::RawType;
using testing::ScratchDir;
using testing::ValidRawFile;
using testing::With;
using testing::Without;

class AnnDatasetReaderTest : public ::testing::Test {
 protected:
  // HDF5 cannot truncate a file it has open, so a test holding a reader writes its next file under another name.
  std::string Write(const RawFile& spec, const std::string& name = "x.hdf5") {
    const std::string path = dir_.File(name);
    testing::WriteRawFile(path, spec);
    return path;
  }

  // Opens a file built from `spec` and expects `code` with the message "<path>: <message>".
  void ExpectRefused(const RawFile& spec, StatusCode code, const std::string& message) {
    const std::string path = Write(spec);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path);
    ASSERT_FALSE(reader.ok());
    EXPECT_EQ(reader.status().code(), code) << reader.status().ToString();
    EXPECT_EQ(reader.status().message(), path + ": " + message);
  }

  AnnDatasetReader OpenOk(const RawFile& spec, const std::string& name = "x.hdf5") {
    Result<AnnDatasetReader> reader = AnnDatasetReader::Open(Write(spec, name));
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    return std::move(reader).value();
  }

  ScratchDir dir_;
};

std::vector<double> Iota(std::size_t n, double start) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = start + static_cast<double>(i);
  return v;
}

TEST_F(AnnDatasetReaderTest, PublishedLayoutFloat32Int32) {
  RawFile spec = ValidRawFile(/*ground_truth=*/true);
  spec = With(spec, Matrix("train", RawType::kF32, 6, 3,
                           {0.25, -1.5, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12.125, 13, 14, 15, 16, 17, 18}));
  AnnDatasetReader reader = OpenOk(spec);
  EXPECT_EQ(reader.metric(), Metric::kL2);
  EXPECT_EQ(reader.distance_name(), "euclidean");
  EXPECT_EQ(reader.dim(), 3u);
  EXPECT_EQ(reader.train_shape().rows, 6u);
  EXPECT_EQ(reader.test_shape().rows, 2u);
  ASSERT_TRUE(reader.has_ground_truth());
  EXPECT_EQ(reader.ground_truth_shape().rows, 2u);
  EXPECT_EQ(reader.ground_truth_shape().cols, 2u);
  Result<std::vector<float>> train = reader.ReadTrain();
  ASSERT_TRUE(train.ok()) << train.status().ToString();
  EXPECT_EQ((*train)[0], 0.25f);
  EXPECT_EQ((*train)[1], -1.5f);
  EXPECT_EQ((*train)[11], 12.125f);
  EXPECT_EQ((*train)[17], 18.0f);
  Result<std::vector<std::int64_t>> ids = reader.ReadNeighbors();
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, (std::vector<std::int64_t>{0, 1, 2, 3}));
  Result<std::vector<float>> dists = reader.ReadDistances();
  ASSERT_TRUE(dists.ok());
  EXPECT_EQ(*dists, (std::vector<float>{0.5f, 1.0f, 1.5f, 2.0f}));
}

// Every element type the format allows for vectors is converted to float32 exactly (small integers, doubles
// rounded as a C cast would), ids to int64 and distances to float32.
TEST_F(AnnDatasetReaderTest, ConvertsStoredTypes) {
  struct Case {
    RawType vectors;
    RawType ids;
    std::vector<double> train;
  };
  const std::vector<double> doubles = {0.1, -2.5e-3, 1e10, 3, 4, 5};
  const std::vector<Case> cases = {{RawType::kF64, RawType::kI64, doubles},
                                   {RawType::kI32, RawType::kI32, {-7, 0, 2147483, 3, 4, 5}},
                                   {RawType::kU8, RawType::kU8, {0, 1, 128, 255, 4, 5}},
                                   {RawType::kI64, RawType::kU64, {-3, 1LL << 40, 2, 3, 4, 5}},
                                   {RawType::kI16, RawType::kI16, {-32768, 32767, 2, 3, 4, 5}},
                                   {RawType::kI8, RawType::kU16, {-128, 127, 2, 3, 4, 5}}};
  for (const Case& c : cases) {
    SCOPED_TRACE(static_cast<int>(c.vectors));
    RawFile spec;
    spec.datasets = {Matrix("train", c.vectors, 2, 3, c.train), Matrix("test", c.vectors, 1, 3, {9, 8, 7}),
                     Matrix("neighbors", c.ids, 1, 2, {1, 0}), Matrix("distances", RawType::kF64, 1, 2, {0.1, 2})};
    AnnDatasetReader reader = OpenOk(spec);
    Result<std::vector<float>> train = reader.ReadTrain();
    ASSERT_TRUE(train.ok()) << train.status().ToString();
    for (std::size_t i = 0; i < c.train.size(); ++i) EXPECT_EQ((*train)[i], static_cast<float>(c.train[i])) << i;
    std::vector<float> test(3);
    ASSERT_TRUE(reader.ReadTestRows(0, 1, test).ok());
    EXPECT_EQ(test, (std::vector<float>{9, 8, 7}));
    Result<std::vector<std::int64_t>> ids = reader.ReadNeighbors();
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    EXPECT_EQ(*ids, (std::vector<std::int64_t>{1, 0}));
    Result<std::vector<float>> dists = reader.ReadDistances();
    ASSERT_TRUE(dists.ok());
    EXPECT_EQ(*dists, (std::vector<float>{0.1f, 2.0f}));
  }
}

TEST_F(AnnDatasetReaderTest, DistanceAttributeFixedOrVariableLength) {
  const std::vector<std::pair<std::string, Metric>> names = {{"euclidean", Metric::kL2},
                                                             {"angular", Metric::kCosine},
                                                             {"ip", Metric::kInnerProduct},
                                                             {"dot", Metric::kInnerProduct}};
  for (bool fixed : {true, false}) {
    for (const auto& [name, metric] : names) {
      RawFile spec = ValidRawFile();
      spec.distance = name;
      spec.fixed_length_strings = fixed;
      AnnDatasetReader reader = OpenOk(spec);
      EXPECT_EQ(reader.metric(), metric) << name;
      EXPECT_EQ(reader.distance_name(), name);
    }
  }
}

TEST_F(AnnDatasetReaderTest, DimensionAttributeMustMatchTrain) {
  RawFile spec = ValidRawFile();
  spec.dimension = 3;
  EXPECT_EQ(OpenOk(spec).dim(), 3u);
  spec.dimension = 4;
  ExpectRefused(spec, StatusCode::kInvalidArgument, "attribute 'dimension' is 4 but dataset 'train' has 3 columns");
}

TEST_F(AnnDatasetReaderTest, RefusesMissingOrForeignFiles) {
  const std::string missing = dir_.File("missing.hdf5");
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(missing);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(reader.status().message(), missing + ": no such file");

  const std::string text = dir_.File("x.hdf5");
  testing::WriteBytes(text, "distance,train\neuclidean,1 2 3\n");
  reader = AnnDatasetReader::Open(text);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(reader.status().message(), text + ": not an HDF5 file");

  reader = AnnDatasetReader::Open(dir_.path());
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().message(), dir_.path() + ": not an HDF5 file");
}

// A file cut short is still recognised as HDF5; opening it fails with HDF5's reason attached.
TEST_F(AnnDatasetReaderTest, TruncatedFileReportsHdf5Detail) {
  const std::string path = Write(ValidRawFile());
  std::string bytes = testing::ReadBytes(path);
  testing::WriteBytes(path, bytes.substr(0, bytes.size() / 2));
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kIOError);
  const std::string prefix = path + ": cannot open: ";
  ASSERT_EQ(reader.status().message().substr(0, prefix.size()), prefix) << reader.status().message();
  EXPECT_GT(reader.status().message().size(), prefix.size());
  EXPECT_EQ(reader.status().message().find("unknown HDF5 error"), std::string::npos) << reader.status().message();
}

TEST_F(AnnDatasetReaderTest, RefusesBadVectorDatasets) {
  const auto kBad = StatusCode::kInvalidArgument;
  const RawFile valid = ValidRawFile();
  ExpectRefused(Without(valid, "train"), kBad, "no dataset 'train'");
  ExpectRefused(Without(valid, "test"), kBad, "no dataset 'test'");
  RawFile group = Without(valid, "train");
  group.groups = {"train"};
  ExpectRefused(group, kBad, "'train' is not a dataset");
  ExpectRefused(With(valid, {"train", RawType::kF32, {2, 3, 4}, {}}), kBad,
                "dataset 'train' has 3 dimensions; expected 2 (rows x columns)");
  ExpectRefused(With(valid, {"test", RawType::kF32, {3}, {1, 2, 3}}), kBad,
                "dataset 'test' has 1 dimension; expected 2 (rows x columns)");
  ExpectRefused(With(valid, {"train", RawType::kF32, {}, {1}}), kBad,
                "dataset 'train' has 0 dimensions; expected 2 (rows x columns)");
  ExpectRefused(With(valid, Matrix("train", RawType::kF32, 0, 3)), kBad, "dataset 'train' is empty (0 rows)");
  ExpectRefused(With(valid, Matrix("test", RawType::kF32, 2, 0)), kBad, "dataset 'test' is empty (0 columns)");
  ExpectRefused(With(valid, {"train", RawType::kString, {6, 3}, {}}), kBad,
                "dataset 'train' has unsupported element type string; expected float32, float64 or integers");
  ExpectRefused(With(valid, {"test", RawType::kCompound, {2, 3}, {}}), kBad,
                "dataset 'test' has unsupported element type compound; expected float32, float64 or integers");
  ExpectRefused(With(valid, {"train", RawType::kEnum, {6, 3}, {}}), kBad,
                "dataset 'train' has unsupported element type enum; expected float32, float64 or integers");
  ExpectRefused(With(valid, {"train", RawType::kBitfield, {6, 3}, {}}), kBad,
                "dataset 'train' has unsupported element type bitfield; expected float32, float64 or integers");
  ExpectRefused(With(valid, Matrix("test", RawType::kF32, 2, 100)), kBad,
                "dataset 'test' has 100 columns but 'train' has 3");
}

TEST_F(AnnDatasetReaderTest, RefusesBadDistanceAttribute) {
  const auto kBad = StatusCode::kInvalidArgument;
  RawFile spec = ValidRawFile();
  spec.distance.reset();
  ExpectRefused(spec, kBad, "no 'distance' attribute (expected euclidean, angular or ip)");
  spec.distance = "hamming";
  ExpectRefused(spec, kBad, "distance 'hamming' is not supported (expected euclidean, angular or ip)");
  spec.fixed_length_strings = false;
  spec.distance = "jaccard";
  ExpectRefused(spec, kBad, "distance 'jaccard' is not supported (expected euclidean, angular or ip)");

  spec.distance.reset();
  const std::string path = Write(spec);
  {
    Hdf5Lock lock;
    Hdf5Handle file(Hdf5Kind::kFile, H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
    ASSERT_TRUE(file.valid());
    ASSERT_TRUE(WriteInt64Attribute(file.get(), path, "distance", 2).ok());
  }
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), kBad);
  EXPECT_EQ(reader.status().message(), path + ": attribute 'distance' holds int64; expected a string");
}

TEST_F(AnnDatasetReaderTest, RefusesBadGroundTruth) {
  const auto kBad = StatusCode::kInvalidArgument;
  const RawFile valid = ValidRawFile(/*ground_truth=*/true);
  ExpectRefused(Without(valid, "distances"), kBad, "dataset 'neighbors' exists but 'distances' does not");
  ExpectRefused(Without(valid, "neighbors"), kBad, "dataset 'distances' exists but 'neighbors' does not");
  ExpectRefused(With(valid, Matrix("neighbors", RawType::kI32, 5, 2)), kBad,
                "dataset 'neighbors' has 5 rows but 'test' has 2");
  ExpectRefused(With(valid, Matrix("distances", RawType::kF32, 3, 2)), kBad,
                "dataset 'distances' has 3 rows but 'test' has 2");
  ExpectRefused(With(valid, Matrix("neighbors", RawType::kF64, 2, 2)), kBad,
                "dataset 'neighbors' has unsupported element type float64; expected integers");
  ExpectRefused(With(valid, Matrix("distances", RawType::kI32, 2, 2)), kBad,
                "dataset 'distances' has unsupported element type int32; expected float32 or float64");
  ExpectRefused(With(valid, Matrix("neighbors", RawType::kI64, 2, 0)), kBad,
                "dataset 'neighbors' is empty (0 columns)");
  ExpectRefused(With(valid, {"neighbors", RawType::kI64, {2}, {0, 1}}), kBad,
                "dataset 'neighbors' has 1 dimension; expected 2 (rows x columns)");
  ExpectRefused(
      With(With(valid, Matrix("neighbors", RawType::kI32, 2, 100)), Matrix("distances", RawType::kF32, 2, 10)), kBad,
      "datasets 'neighbors' (100 columns) and 'distances' (10 columns) differ in width");
}

TEST_F(AnnDatasetReaderTest, NanAndInfNameRowAndColumn) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> train = Iota(18, 0);
  train[3 * 4 + 2] = nan;  // Row 4, column 2.
  std::vector<double> test = Iota(6, 0);
  test[1 * 3 + 0] = -inf;  // Row 1, column 0.
  RawFile spec = With(With(ValidRawFile(true), Matrix("train", RawType::kF32, 6, 3, train)),
                      Matrix("test", RawType::kF64, 2, 3, test));
  spec = With(spec, Matrix("distances", RawType::kF32, 2, 2, {0, 1, inf, 2}));
  AnnDatasetReader reader = OpenOk(spec);
  const std::string& path = reader.path();

  std::vector<float> rows(6);
  EXPECT_TRUE(reader.ReadTrainRows(2, 2, rows).ok());  // Rows 2 and 3 are clean.
  Status st = reader.ReadTrainRows(3, 2, rows);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), path + ": dataset 'train' row 4 column 2 is NaN");
  Result<std::vector<float>> all = reader.ReadTrain();
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().message(), path + ": dataset 'train' row 4 column 2 is NaN");
  Result<std::vector<float>> queries = reader.ReadTest();
  ASSERT_FALSE(queries.ok());
  EXPECT_EQ(queries.status().message(), path + ": dataset 'test' row 1 column 0 is Inf");
  Result<std::vector<float>> dists = reader.ReadDistances();
  ASSERT_FALSE(dists.ok());
  EXPECT_EQ(dists.status().message(), path + ": dataset 'distances' row 1 column 0 is Inf");
}

// Under ip the file's sign convention is told from the order of its rows; distances come back as inner products,
// nearest (largest) first, either way.
TEST_F(AnnDatasetReaderTest, InnerProductDistancesOfEitherSignReadAsInnerProducts) {
  for (const char* name : {"ip", "dot"}) {
    SCOPED_TRACE(name);
    RawFile spec = ValidRawFile(true);
    spec.distance = name;
    // -<q, x>, ascending ("smaller is closer"); row 1 a tie all along.
    AnnDatasetReader negated = OpenOk(With(spec, Matrix("distances", RawType::kF64, 2, 2, {-2, -1.5, 3, 3})));
    Result<std::vector<float>> dists = negated.ReadDistances();
    ASSERT_TRUE(dists.ok()) << dists.status().ToString();
    EXPECT_EQ(*dists, (std::vector<float>{2, 1.5f, -3, -3}));
    // <q, x>, descending, as Zyphyr writes it: unchanged.
    AnnDatasetReader plain = OpenOk(With(spec, Matrix("distances", RawType::kF32, 2, 2, {2, 1.5, 3, 3})), "y.hdf5");
    dists = plain.ReadDistances();
    ASSERT_TRUE(dists.ok()) << dists.status().ToString();
    EXPECT_EQ(*dists, (std::vector<float>{2, 1.5f, 3, 3}));
  }
}

// One neighbour per query: every row is constant, so the order cannot tell the sign; the stored values are
// compared with the inner products recomputed from the vectors instead. Test rows [0 1 2] and [3 4 5]; train rows 4
// ([5 6 0]) and 1 ([3 4 5]) give 6 and 50.
TEST_F(AnnDatasetReaderTest, InnerProductSignOfSingleNeighbourGroundTruthIsToldFromTheVectors) {
  RawFile spec = With(ValidRawFile(true), Matrix("neighbors", RawType::kI32, 2, 1, {4, 1}));
  spec.distance = "ip";
  int n = 0;
  for (const std::vector<double>& stored : {std::vector<double>{6, 50}, std::vector<double>{-6, -50}}) {
    AnnDatasetReader reader =
        OpenOk(With(spec, Matrix("distances", RawType::kF32, 2, 1, stored)), "k1-" + std::to_string(n++) + ".hdf5");
    Result<std::vector<float>> dists = reader.ReadDistances();
    ASSERT_TRUE(dists.ok()) << dists.status().ToString();
    EXPECT_EQ(*dists, (std::vector<float>{6, 50}));
  }
  // Values that are neither sign of the inner products stay undecidable.
  AnnDatasetReader wrong = OpenOk(With(spec, Matrix("distances", RawType::kF32, 2, 1, {7, 9})), "k1-wrong.hdf5");
  Result<std::vector<float>> dists = wrong.ReadDistances();
  ASSERT_FALSE(dists.ok());
  EXPECT_EQ(dists.status().message(),
            wrong.path() +
                ": dataset 'distances' rows are all constant: cannot tell the inner-product sign convention (<q, x> "
                "descending or -<q, x> ascending)");
}

TEST_F(AnnDatasetReaderTest, RefusesGroundTruthOfUndecidableSignOrOrder) {
  const std::string cannot_tell =
      ": cannot tell the inner-product sign convention (<q, x> descending or -<q, x> ascending)";
  struct Case {
    const char* distance;
    std::vector<double> values;  // 2 x 2.
    std::string message;         // After "<path>: dataset 'distances' ".
  };
  const std::vector<Case> cases = {
      {"ip", {1, 1, 2, 2}, "rows are all constant" + cannot_tell},
      {"ip", {2, 1, 3, 4}, "rows disagree in order (row 0 descending, row 1 ascending)" + cannot_tell},
      {"euclidean",
       {1, 0.5, 1.5, 2},
       "row 0 is not ascending (column 1 holds 0.5 after 1): l2 distances are stored "
       "nearest (smallest) first"},
      {"angular",
       {0.25, 0.5, 0.75, 0.5},
       "row 1 is not ascending (column 1 holds 0.5 after 0.75): cosine distances "
       "are stored nearest (smallest) first"}};
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    RawFile spec = With(ValidRawFile(true), Matrix("distances", RawType::kF32, 2, 2, c.values));
    spec.distance = c.distance;
    // Opening and the ids still work: `zyphyr info` shows such a file and `dataset groundtruth --force` repairs it.
    AnnDatasetReader reader = OpenOk(spec, "bad" + std::to_string(n++) + ".hdf5");
    EXPECT_TRUE(reader.ReadNeighbors().ok());
    Result<std::vector<float>> dists = reader.ReadDistances();
    ASSERT_FALSE(dists.ok());
    EXPECT_EQ(dists.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(dists.status().message(), reader.path() + ": dataset 'distances' " + c.message);
  }
}

TEST_F(AnnDatasetReaderTest, NeighborIdsMustIndexTrain) {
  for (double bad : {-1.0, 6.0}) {
    AnnDatasetReader reader =
        OpenOk(With(ValidRawFile(true), Matrix("neighbors", RawType::kI64, 2, 2, {0, 1, 5, bad})));
    Result<std::vector<std::int64_t>> ids = reader.ReadNeighbors();
    ASSERT_FALSE(ids.ok());
    EXPECT_EQ(ids.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(ids.status().message(), reader.path() + ": dataset 'neighbors' row 1 column 1 holds id " +
                                          std::to_string(static_cast<int>(bad)) + ", outside [0, 6)");
  }
}

TEST_F(AnnDatasetReaderTest, RowRangesAndOutputSize) {
  AnnDatasetReader reader = OpenOk(With(ValidRawFile(), Matrix("train", RawType::kF32, 6, 3, Iota(18, 100))));
  const std::string& path = reader.path();
  std::vector<float> one(3);
  ASSERT_TRUE(reader.ReadTrainRows(5, 1, one).ok());
  EXPECT_EQ(one, (std::vector<float>{115, 116, 117}));
  EXPECT_TRUE(reader.ReadTrainRows(6, 0, {}).ok());

  std::vector<float> two(6);
  Status st = reader.ReadTrainRows(5, 2, two);
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(st.message(), path + ": rows [5, 7) of dataset 'train' are past its end (6 rows)");
  st = reader.ReadTestRows(std::numeric_limits<std::size_t>::max(), 2, two);
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(st.message(), path + ": rows [18446744073709551615, overflow) of dataset 'test' are past its end (2 rows)");
  st = reader.ReadTrainRows(0, 2, one);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), path + ": output holds 3 floats; 2 rows of dataset 'train' need 6");
}

TEST_F(AnnDatasetReaderTest, NoGroundTruthIsNotFound) {
  AnnDatasetReader reader = OpenOk(ValidRawFile());
  EXPECT_FALSE(reader.has_ground_truth());
  EXPECT_EQ(reader.ground_truth_shape().rows, 0u);
  EXPECT_EQ(reader.ground_truth_shape().cols, 0u);
  const std::string expected = reader.path() + ": no ground truth (datasets 'neighbors' and 'distances'); run " +
                               "'zyphyr dataset groundtruth --data " + reader.path() + "'";
  Result<std::vector<std::int64_t>> ids = reader.ReadNeighbors();
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ids.status().message(), expected);
  Result<std::vector<float>> dists = reader.ReadDistances();
  ASSERT_FALSE(dists.ok());
  EXPECT_EQ(dists.status().message(), expected);
}

TEST_F(AnnDatasetReaderTest, MovedReaderKeepsFileOpen) {
  Result<AnnDatasetReader> opened = AnnDatasetReader::Open(Write(ValidRawFile()));
  ASSERT_TRUE(opened.ok());
  AnnDatasetReader moved = std::move(opened).value();
  AnnDatasetReader target = OpenOk(ValidRawFile(), "y.hdf5");
  target = std::move(moved);
  EXPECT_TRUE(target.ReadTrain().ok());
}

// Hdf5Handle / error capture (io/hdf5_handle.h).
TEST(Hdf5HandleTest, ErrorDetailIsTheInnermostMessage) {
  ScratchDir dir;
  const std::string path = dir.File("text.hdf5");
  testing::WriteBytes(path, std::string(4096, 'x'));
  Hdf5Lock lock;
  Hdf5Handle file(Hdf5Kind::kFile, H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  ASSERT_FALSE(file.valid());
  EXPECT_EQ(Hdf5ErrorDetail(), "file signature not found");
  EXPECT_TRUE(H5Fis_hdf5(path.c_str()) == 0);
  EXPECT_EQ(Hdf5ErrorDetail(), "unknown HDF5 error");  // The stack was cleared by the successful call.
}

TEST(Hdf5HandleTest, ClosesOnceAndMoves) {
  Hdf5Lock lock;
  Hdf5Handle space(Hdf5Kind::kDataspace, H5Screate(H5S_SCALAR));
  const hid_t id = space.get();
  ASSERT_GT(H5Iis_valid(id), 0);
  Hdf5Handle moved = std::move(space);
  EXPECT_FALSE(space.valid());  // NOLINT(bugprone-use-after-move): moved-from state is specified.
  EXPECT_EQ(moved.get(), id);
  EXPECT_TRUE(moved.Close());
  EXPECT_LE(H5Iis_valid(id), 0);
  EXPECT_TRUE(moved.Close());  // Closing an empty handle succeeds.
  EXPECT_EQ(Hdf5TypeName(H5T_STD_U16BE), "uint16");
  EXPECT_EQ(Hdf5TypeName(H5T_IEEE_F64LE), "float64");
  EXPECT_EQ(Hdf5TypeName(H5T_C_S1), "string");
}

}  // namespace
}  // namespace zyphyr
