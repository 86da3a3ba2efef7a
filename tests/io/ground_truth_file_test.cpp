#include "io/ground_truth_file.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "io/ann_dataset_writer.h"
#include "tests/io/little_endian_bytes.h"
#include "tests/scratch_dir.h"

namespace zyphyr {
namespace {

using testing::ReadBytes;
using testing::ScratchDir;
using testing::WriteBytes;

using testing::U32;
using testing::I32;
using testing::F32;

// 3 queries x k 2.
const std::vector<std::int64_t> kIds = {4, 1, 0, 9, 7, 7000000};
const std::vector<float> kDistances = {0.5f, 1.5f, 2.0f, 2.0f, 0.25f, 3.0f};

void ExpectReadRefused(const std::string& path, const std::string& message, std::size_t base_rows = 0) {
  Result<GroundTruthTable> table = ReadGroundTruthFile(path, base_rows);
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().message(), path + ": " + message);
}

TEST(GroundTruthFile, WritesBigAnnWithSquaredL2AndReadsItBack) {
  ScratchDir dir;
  const std::string path = dir.File("gt.ibin");
  ASSERT_TRUE(WriteGroundTruthFile(path, Metric::kL2, 3, 2, kIds, kDistances).ok());
  std::string expected = U32(3) + U32(2);
  for (std::int64_t id : kIds) expected += U32(static_cast<std::uint32_t>(id));
  for (float d : kDistances) expected += F32(static_cast<float>(static_cast<double>(d) * d));
  EXPECT_EQ(ReadBytes(path), expected);
  Result<GroundTruthTable> table = ReadGroundTruthFile(path);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->queries, 3u);
  EXPECT_EQ(table->k, 2u);
  EXPECT_EQ(table->ids, kIds);
  EXPECT_EQ(table->stored_distances, (std::vector<float>{0.25f, 2.25f, 4.0f, 4.0f, 0.0625f, 9.0f}));

  // With the exact keys, the squared distances are rounded once.
  const std::string keyed = dir.File("gt-keyed.ibin");
  const std::vector<double> keys = {2671.0, 3312.0, 3870.0, 3870.0, 1e-30, 16777217.0};
  const std::vector<float> roots = {51.68172f, 57.54998f, 62.20932f, 62.20932f, 1e-15f, 4096.0001f};
  ASSERT_TRUE(WriteGroundTruthFile(keyed, Metric::kL2, 3, 2, kIds, roots, false, keys).ok());
  Result<GroundTruthTable> keyed_table = ReadGroundTruthFile(keyed);
  ASSERT_TRUE(keyed_table.ok()) << keyed_table.status().ToString();
  EXPECT_EQ(keyed_table->stored_distances,
            (std::vector<float>{2671.0f, 3312.0f, 3870.0f, 3870.0f, 1e-30f, 16777216.0f}));
  EXPECT_EQ(
      WriteGroundTruthFile(dir.File("short.ibin"), Metric::kL2, 3, 2, kIds, roots, false, {keys.data(), 5}).message(),
      dir.File("short.ibin") + ": 5 keys; expected 3 x 2 = 6");

  const std::string ip = dir.File("gt-ip.bin");
  ASSERT_TRUE(WriteGroundTruthFile(ip, Metric::kInnerProduct, 3, 2, kIds, kDistances).ok());
  Result<GroundTruthTable> ip_table = ReadGroundTruthFile(ip);
  ASSERT_TRUE(ip_table.ok()) << ip_table.status().ToString();
  EXPECT_EQ(ip_table->stored_distances, kDistances);
}

TEST(GroundTruthFile, WritesIvecsAndReadsItBack) {
  ScratchDir dir;
  const std::string path = dir.File("gt.ivecs");
  ASSERT_TRUE(WriteGroundTruthFile(path, Metric::kL2, 3, 2, kIds, kDistances).ok());
  std::string expected;
  for (std::size_t q = 0; q < 3; ++q) {
    expected += I32(2) + I32(static_cast<std::int32_t>(kIds[2 * q])) + I32(static_cast<std::int32_t>(kIds[2 * q + 1]));
  }
  EXPECT_EQ(ReadBytes(path), expected);
  Result<GroundTruthTable> table = ReadGroundTruthFile(path);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->ids, kIds);
  EXPECT_TRUE(table->stored_distances.empty());
}

TEST(GroundTruthFile, WritesAnHdf5FileOfGroundTruthOnlyAndReadsItBack) {
  ScratchDir dir;
  const std::string path = dir.File("gt.hdf5");
  ASSERT_TRUE(WriteGroundTruthFile(path, Metric::kCosine, 3, 2, kIds, kDistances).ok());
  Result<GroundTruthTable> table = ReadGroundTruthFile(path, 7000001);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->queries, 3u);
  EXPECT_EQ(table->k, 2u);
  EXPECT_EQ(table->ids, kIds);
  EXPECT_EQ(table->stored_distances, kDistances);
  ExpectReadRefused(path, "row 2 column 1 holds id 7000000, outside [0, 7000000)", 7000000);
}

TEST(GroundTruthFile, ReadsTheGroundTruthOfAWholeAnnBenchmarksFile) {
  ScratchDir dir;
  const std::string path = dir.File("set.hdf5");
  Result<AnnDatasetWriter> writer = AnnDatasetWriter::Create(path, AnnDatasetLayout{Metric::kL2, 2, 10, 3});
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE(writer->WriteTrainRows(0, std::vector<float>(20, 1.0f)).ok());
  ASSERT_TRUE(writer->WriteTestRows(0, std::vector<float>(6, 1.0f)).ok());
  const std::vector<std::int64_t> ids = {1, 2, 3, 4, 5, 6};
  ASSERT_TRUE(writer->WriteGroundTruth(2, ids, kDistances).ok());
  ASSERT_TRUE(writer->Commit().ok());
  Result<GroundTruthTable> table = ReadGroundTruthFile(path);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->ids, ids);
  EXPECT_EQ(table->stored_distances, kDistances);
}

TEST(GroundTruthFile, RefusesSizesThatDoNotMatchTheHeader) {
  ScratchDir dir;
  const std::string path = dir.File("gt.ibin");
  WriteBytes(path, U32(10) + U32(100) + std::string(92, '\0'));
  ExpectReadRefused(path, "size 100 bytes does not match the header's 10 queries x k 100 (8008 bytes): truncated");
  WriteBytes(path, U32(1) + U32(1) + std::string(9, '\0'));
  ExpectReadRefused(path, "size 17 bytes does not match the header's 1 queries x k 1 (16 bytes): trailing bytes");
  WriteBytes(path, U32(0) + U32(1));
  ExpectReadRefused(path, "header says 0 queries");
  WriteBytes(path, U32(1) + U32(0));
  ExpectReadRefused(path, "header says k 0");
  const std::string ivecs = dir.File("gt.ivecs");
  WriteBytes(ivecs, I32(2) + I32(0) + I32(1) + I32(1) + I32(5) + I32(6));
  ExpectReadRefused(ivecs, ".ivecs row 1 has 1 ids, row 0 has 2");
  WriteBytes(ivecs, I32(2) + I32(0) + I32(1) + I32(2));
  ExpectReadRefused(ivecs,
                    "size 16 bytes is not a whole number of rows of k 2 (12 bytes each): truncated or not a "
                    ".ivecs file");
}

TEST(GroundTruthFile, RefusesIdsOutsideTheBaseAndUnknownExtensions) {
  ScratchDir dir;
  const std::string path = dir.File("gt.ibin");
  ASSERT_TRUE(WriteGroundTruthFile(path, Metric::kL2, 3, 2, kIds, kDistances).ok());
  ExpectReadRefused(path, "row 1 column 1 holds id 9, outside [0, 8)", 8);
  ExpectReadRefused(dir.File("gt.txt"), "unknown ground-truth extension (expected .ibin, .bin, .ivecs or .hdf5)");
  ExpectReadRefused(dir.File("missing.ibin"), "no such file");
  EXPECT_EQ(WriteGroundTruthFile(dir.File("gt.csv"), Metric::kL2, 3, 2, kIds, kDistances).message(),
            dir.File("gt.csv") + ": unknown ground-truth extension (expected .ibin, .bin, .ivecs or .hdf5)");
}

TEST(GroundTruthFile, RefusesToReplaceAFileUnlessAsked) {
  ScratchDir dir;
  const std::string path = dir.File("gt.ibin");
  ASSERT_TRUE(WriteGroundTruthFile(path, Metric::kL2, 3, 2, kIds, kDistances).ok());
  const std::string before = ReadBytes(path);
  EXPECT_EQ(WriteGroundTruthFile(path, Metric::kL2, 1, 1, {0}, {0.0f}).message(),
            path + ": already exists (pass --force to replace it)");
  EXPECT_EQ(ReadBytes(path), before);
  ASSERT_TRUE(WriteGroundTruthFile(path, Metric::kL2, 1, 1, {0}, {0.0f}, /*overwrite=*/true).ok());
  EXPECT_EQ(ReadBytes(path).size(), 16u);
  EXPECT_EQ(WriteGroundTruthFile(dir.File("neg.ibin"), Metric::kL2, 1, 1, {-1}, {0.0f}).message(),
            dir.File("neg.ibin") + ": row 0 column 0 holds id -1, which the format cannot store");
}

TEST(GroundTruthFile, CheckGroundTruthCoversRefusesFewerQueriesOrSmallerK) {
  GroundTruthTable table;
  table.queries = 100;
  table.k = 10;
  EXPECT_TRUE(CheckGroundTruthCovers(table, "gt.ibin", 100, 10).ok());
  EXPECT_TRUE(CheckGroundTruthCovers(table, "gt.ibin", 50, 5).ok());
  Status queries = CheckGroundTruthCovers(table, "gt.ibin", 10000, 10);
  EXPECT_EQ(queries.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(queries.message(), "gt.ibin: has 100 queries, fewer than the 10000 searched");
  EXPECT_EQ(CheckGroundTruthCovers(table, "gt.ibin", 100, 100).message(), "gt.ibin: has k 10, fewer than --k 100");
}

}  // namespace
}  // namespace zyphyr
