// The manifest checked as a whole when it is read (ValidateManifest): a shard
// listed twice, names off the generation, id ranges that overlap, leave gaps
// or hold fewer ids than rows, next_id below a range, rows not adding up. And
// the manifests real builds write (one shard, range and k-means over several,
// each after inserts, deletes and a compaction) all still read.
#include "storage/index_manifest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <vector>

#include <nlohmann/json.hpp>

#include "builder/compaction.h"
#include "builder/index_insert.h"
#include "builder/open_index.h"
#include "io/ann_dataset_writer.h"
#include "mpi/communicator.h"
#include "mpi/distributed_build.h"
#include "src/core/vector_store.h"
#include "src/data/synthetic.h"
#include "storage/index_mutations.h"
#include "storage/index_verify.h"
#include "storage/stored_index.h"
#include "tests/builder/one_rank_build.h"
#include "tests/scratch_dir.h"
#include "tests/storage/example_manifest.h"

namespace zyphyr {
namespace {

using testing::ScratchDir;

constexpr char kWhere[] = "idx/manifest.json";

using testing::ExampleManifest;
using testing::ExampleShard;

// What a 2-rank range build of 3000 rows writes.
IndexManifest TwoShards() {
  return ExampleManifest(4, 1, {ExampleShard(0, 1, 1500, 0, 1500), ExampleShard(1, 1, 1500, 1500, 3000)});
}

// The manifest as JSON, edited by `edit`, read back.
template <typename Edit>
Status Edited(const IndexManifest& m, Edit edit) {
  nlohmann::json j = nlohmann::json::parse(ManifestToJson(m));
  edit(j);
  return ManifestFromJson(j.dump(2), kWhere).status();
}

void ExpectCorruption(const Status& st, const std::string& message) {
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
  EXPECT_EQ(st.message(), message);
}

TEST(ManifestValidation, AcceptsWhatTheWritersWrite) {
  EXPECT_TRUE(ManifestFromJson(ManifestToJson(TwoShards()), kWhere).ok());

  // After a compaction (generation 3): deleted rows left their ids in the
  // ranges, the last shard's range grew over the inserts, and next_id passed
  // ids inserted and then deleted.
  IndexManifest compacted = TwoShards();
  compacted.generation = 3;
  compacted.shards = {ExampleShard(0, 3, 1490, 0, 1500), ExampleShard(1, 3, 1600, 1500, 3100)};
  compacted.rows = 3090;
  compacted.next_id = 3150;
  auto read = ManifestFromJson(ManifestToJson(compacted), kWhere);
  ASSERT_TRUE(read.ok()) << read.status().ToString();

  // Under k-means each shard spans the ids of the whole data set.
  IndexManifest kmeans = TwoShards();
  kmeans.partition = "kmeans";
  kmeans.shards = {ExampleShard(0, 1, 1200, 0, 2999), ExampleShard(1, 1, 1800, 2, 3000)};
  for (ManifestShard& s : kmeans.shards) s.centroid.assign(4, 0.5f);
  read = ManifestFromJson(ManifestToJson(kmeans), kWhere);
  ASSERT_TRUE(read.ok()) << read.status().ToString();

  // An empty index: one shard, no ids.
  IndexManifest empty = TwoShards();
  empty.rows = 0;
  empty.next_id = 0;
  empty.shards = {ExampleShard(0, 1, 0, 0, 0)};
  EXPECT_TRUE(ManifestFromJson(ManifestToJson(empty), kWhere).ok());
}

TEST(ManifestValidation, RefusesAShardListedTwice) {
  const IndexManifest m = TwoShards();
  ExpectCorruption(Edited(m, [](nlohmann::json& j) { j["shards"][1] = j["shards"][0]; }),
                   "idx/manifest.json: shard 1 has the same file as shard 0 (shard-0000-g1.zys)");
  ExpectCorruption(Edited(m, [](nlohmann::json& j) { j["shards"][1]["file"] = "shard-0000-g1.zys"; }),
                   "idx/manifest.json: shard 1 has the same file as shard 0 (shard-0000-g1.zys)");
  ExpectCorruption(Edited(m, [](nlohmann::json& j) { j["shards"][0]["log"] = "shard-0001-g1.log"; }),
                   "idx/manifest.json: shard 1 has the same log as shard 0 (shard-0001-g1.log)");
  ExpectCorruption(Edited(m, [](nlohmann::json& j) { j["shards"][1]["uid"] = j["shards"][0]["uid"]; }),
                   "idx/manifest.json: shard 1 has the same uid as shard 0 (0000000000001000)");
  // K-means ranges may overlap, shards still may not repeat.
  IndexManifest kmeans = m;
  kmeans.partition = "kmeans";
  for (ManifestShard& s : kmeans.shards) s.centroid.assign(4, 0.5f);
  ExpectCorruption(Edited(kmeans, [](nlohmann::json& j) { j["shards"][1] = j["shards"][0]; }),
                   "idx/manifest.json: shard 1 has the same file as shard 0 (shard-0000-g1.zys)");
}

TEST(ManifestValidation, RefusesNamesOtherThanTheGenerationGives) {
  const IndexManifest m = TwoShards();
  ExpectCorruption(
      Edited(m, [](nlohmann::json& j) { j["shards"][1]["file"] = "shard-0001-g2.zys"; }),
      "idx/manifest.json: shards[1]: file is 'shard-0001-g2.zys', expected 'shard-0001-g1.zys' (shard 1 of "
      "generation 1)");
  ExpectCorruption(Edited(m,
                          [](nlohmann::json& j) {
                            j["shards"][0]["file"] = "shard-0001-g1.zys";
                            j["shards"][1]["file"] = "shard-0000-g1.zys";
                          }),
                   "idx/manifest.json: shards[0]: file is 'shard-0001-g1.zys', expected 'shard-0000-g1.zys' (shard "
                   "0 of generation 1)");
  ExpectCorruption(Edited(m, [](nlohmann::json& j) { j["generation"] = 2; }),
                   "idx/manifest.json: shards[0]: file is 'shard-0000-g1.zys', expected 'shard-0000-g2.zys' (shard "
                   "0 of generation 2)");
  ExpectCorruption(Edited(m, [](nlohmann::json& j) { j["shards"][1]["log"] = "other.log"; }),
                   "idx/manifest.json: shards[1]: log is 'other.log', expected 'shard-0001-g1.log' (shard 1 of "
                   "generation 1)");
}

TEST(ManifestValidation, RefusesRangesThatOverlapLeaveGapsOrComeOutOfOrder) {
  const IndexManifest m = TwoShards();
  ExpectCorruption(Edited(m, [](nlohmann::json& j) { j["shards"][1]["id_begin"] = 1000; }),
                   "idx/manifest.json: shards 0 and 1 have overlapping id ranges [0, 1500) and [1000, 3000)");
  ExpectCorruption(Edited(m,
                          [](nlohmann::json& j) {
                            j["shards"][1]["id_begin"] = 2000;
                            j["shards"][1]["rows"] = 1000;
                            j["rows"] = 2500;
                          }),
                   "idx/manifest.json: id ranges leave [1500, 2000) uncovered between shards 0 and 1");
  ExpectCorruption(Edited(m,
                          [](nlohmann::json& j) {
                            std::swap(j["shards"][0]["id_begin"], j["shards"][1]["id_begin"]);
                            std::swap(j["shards"][0]["id_end"], j["shards"][1]["id_end"]);
                          }),
                   "idx/manifest.json: id ranges of shards 0 and 1 are out of order: [1500, 3000) then [0, 1500) "
                   "(range partition: each shard starts where the one before ends)");
  ExpectCorruption(Edited(m, [](nlohmann::json& j) { j["shards"][1]["id_end"] = 1400; }),
                   "idx/manifest.json: shards[1]: id_end is below id_begin");

  // Three shards: the first and the last overlap, not neighbours.
  IndexManifest three = m;
  three.rows = 4500;
  three.next_id = 4500;
  three.shards.push_back(ExampleShard(2, 1, 1500, 3000, 4500));
  ExpectCorruption(Edited(three,
                          [](nlohmann::json& j) {
                            j["shards"][2]["id_begin"] = 0;
                            j["shards"][2]["id_end"] = 1500;
                          }),
                   "idx/manifest.json: shards 0 and 2 have overlapping id ranges [0, 1500) and [0, 1500)");
}

TEST(ManifestValidation, RefusesRowsThatDoNotFitOrDoNotAddUp) {
  const IndexManifest m = TwoShards();
  ExpectCorruption(Edited(m,
                          [](nlohmann::json& j) {
                            j["shards"][0]["rows"] = 1600;
                            j["rows"] = 3100;
                          }),
                   "idx/manifest.json: shards[0]: 1600 rows, more than the 1500 ids of its id range [0, 1500)");
  ExpectCorruption(Edited(m, [](nlohmann::json& j) { j["rows"] = 2500; }),
                   "idx/manifest.json: shards hold 3000 rows, field 'rows' says 2500");
  ExpectCorruption(Edited(m, [](nlohmann::json& j) { j["shards"][1]["rows"] = 1000; }),
                   "idx/manifest.json: shards hold 2500 rows, field 'rows' says 3000");
}

TEST(ManifestValidation, RefusesNextIdBelowARange) {
  ExpectCorruption(Edited(TwoShards(), [](nlohmann::json& j) { j["next_id"] = 2999; }),
                   "idx/manifest.json: field 'next_id' is 2999, below the end of shard 1's id range [1500, 3000) "
                   "(inserts would reuse ids)");
}

TEST(ManifestValidation, WriteManifestRefusesWhatNoReaderWouldRead) {
  ScratchDir dir;
  IndexManifest m = TwoShards();
  m.shards[1] = m.shards[0];
  Status st = WriteManifest(dir.path(), m);
  ExpectCorruption(st, dir.File("manifest.json") + ": shard 1 has the same file as shard 0 (shard-0000-g1.zys)");
  EXPECT_TRUE(dir.List().empty());
}

// Real index directories.

constexpr std::size_t kDim = 8;
constexpr std::size_t kRows = 600;

// An ann-benchmarks file of kRows clustered rows at `path`.
std::vector<float> WriteDataset(const std::string& path) {
  std::vector<float> train = ClusteredGaussian(kRows, kDim, 3, 5).value().rows;
  std::vector<float> test = ClusteredGaussian(10, kDim, 3, 5, SampleStream::kQueries).value().rows;
  auto writer = AnnDatasetWriter::Create(path, AnnDatasetLayout{Metric::kL2, kDim, kRows, 10});
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  if (!writer.ok()) return train;
  EXPECT_TRUE(writer->WriteTrainRows(0, train).ok());
  EXPECT_TRUE(writer->WriteTestRows(0, test).ok());
  EXPECT_TRUE(writer->Commit().ok());
  return train;
}

// Built alone (one rank, no MPI), as `zyphyr build --shards N` does.
void BuildShards(const std::string& data, const std::string& dir, std::size_t shards, const std::string& partition) {
  Communicator alone;
  const DistributedBuildParams p = testing::FileBuildParams(data, dir, shards, partition, 6, 32, 3);
  auto built = DistributedBuild(alone, p);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
}

IndexManifest Read(const std::string& dir) {
  auto m = ReadManifest(dir);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return m.ok() ? *m : IndexManifest{};
}

// Inserts 20 rows, deletes 10 of the built ones (from every shard), 2 of the
// inserted ones, compacts, and checks the manifest at each step.
void MutateAndCompact(const std::string& dir, const std::vector<float>& rows) {
  const IndexManifest built = Read(dir);
  ASSERT_TRUE(InsertIntoIndex(dir, std::span<const float>(rows).first(20 * kDim), 20).ok());
  Read(dir);
  std::vector<std::uint64_t> doomed = {kRows, kRows + 19};
  for (std::uint64_t id = 0; id < kRows; id += kRows / 10) doomed.push_back(id);
  auto deleted = DeleteFromIndex(dir, doomed);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  auto compacted = CompactIndex(dir, 1);
  ASSERT_TRUE(compacted.ok()) << compacted.status().ToString();
  const IndexManifest m = Read(dir);
  EXPECT_EQ(m.generation, 2u);
  EXPECT_EQ(m.rows, kRows + 20 - doomed.size());
  EXPECT_EQ(m.next_id, kRows + 20);
  ASSERT_EQ(m.shards.size(), built.shards.size());
  for (std::size_t i = 0; i < m.shards.size(); ++i) {
    EXPECT_EQ(m.shards[i].file, ShardFileName(i, 2));
    EXPECT_EQ(m.shards[i].id_begin, built.shards[i].id_begin);
    EXPECT_LE(m.shards[i].rows, m.shards[i].id_end - m.shards[i].id_begin);
  }
  auto opened = OpenSearchableIndex(dir);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ((*opened)->live_rows(), m.rows);
  auto verified = VerifyPath(dir);
  EXPECT_TRUE(verified.ok()) << verified.status().ToString();
}

TEST(ManifestValidation, RealManifestsReadBeforeAndAfterACompaction) {
  ScratchDir dir;
  const std::string data = dir.File("data.hdf5");
  const std::vector<float> rows = WriteDataset(data);

  // One shard, over rows in memory.
  {
    DistributedBuildParams params;
    params.hnsw.M = 6;
    params.hnsw.ef_construction = 32;
    params.hnsw.threads = 1;
    ASSERT_TRUE(testing::BuildOnOneRank(dir.File("one"), rows, kDim, Metric::kL2, params).ok());
    ASSERT_NO_FATAL_FAILURE(MutateAndCompact(dir.File("one"), rows));
    const IndexManifest m = Read(dir.File("one"));
    ASSERT_EQ(m.shards.size(), 1u);
    EXPECT_EQ(m.shards[0].id_end, kRows + 19);  // The last insert was deleted: next_id is past it.
  }

  // Three range shards: contiguous ranges, the last one grown over the inserts.
  ASSERT_NO_FATAL_FAILURE(BuildShards(data, dir.File("range"), 3, "range"));
  const IndexManifest range = Read(dir.File("range"));
  ASSERT_EQ(range.shards.size(), 3u);
  EXPECT_EQ(range.shards[0].id_begin, 0u);
  EXPECT_EQ(range.shards[1].id_begin, range.shards[0].id_end);
  EXPECT_EQ(range.shards[2].id_end, kRows);
  ASSERT_NO_FATAL_FAILURE(MutateAndCompact(dir.File("range"), rows));
  const IndexManifest range_compacted = Read(dir.File("range"));
  EXPECT_EQ(range_compacted.shards[1].id_end, range.shards[1].id_end);
  EXPECT_EQ(range_compacted.shards[2].id_end, kRows + 19);

  // Three k-means shards: each range spans ids from all over the data set,
  // so they overlap.
  ASSERT_NO_FATAL_FAILURE(BuildShards(data, dir.File("kmeans"), 3, "kmeans"));
  const IndexManifest kmeans = Read(dir.File("kmeans"));
  ASSERT_EQ(kmeans.shards.size(), 3u);
  EXPECT_LT(kmeans.shards[1].id_begin, kmeans.shards[0].id_end);
  ASSERT_NO_FATAL_FAILURE(MutateAndCompact(dir.File("kmeans"), rows));
}

// Ranges shifted by hand so that each still has room for its rows: the
// manifest reads, but opening the shard finds ids outside its range.
TEST(ManifestValidation, OpeningRefusesAShardWhoseIdsLieOutsideItsRange) {
  ScratchDir dir;
  const std::string data = dir.File("data.hdf5");
  WriteDataset(data);
  const std::string idx = dir.File("idx");
  ASSERT_NO_FATAL_FAILURE(BuildShards(data, idx, 2, "range"));
  const std::string path = idx + "/manifest.json";
  nlohmann::json j = nlohmann::json::parse(ManifestToJson(Read(idx)));
  j["shards"][0]["id_end"] = 310;
  j["shards"][1]["id_begin"] = 310;
  j["shards"][1]["id_end"] = 610;
  j["next_id"] = 610;
  std::ofstream(path, std::ios::trunc) << j.dump(2);
  ASSERT_TRUE(ReadManifest(idx).ok());
  auto opened = OpenSearchableIndex(idx);
  ExpectCorruption(opened.status(),
                   idx + "/shard-0001-g1.zys: does not match the manifest (ids 300 to 599, manifest says [310, 610))");
}

TEST(IndexManifest, RoundTripsAndRefusesBadFields) {
  IndexManifest m = ExampleManifest(784, 3, {ExampleShard(0, 3, 10, 0, 12)});
  m.metric = Metric::kCosine;
  m.shards[0].uid = 0xfedcba9876543210ull;
  const std::string json = ManifestToJson(m);
  auto back = ManifestFromJson(json, "m.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ManifestToJson(*back), json);
  EXPECT_NE(json.find("\"uid\": \"fedcba9876543210\""), std::string::npos);
  EXPECT_EQ(ManifestFromJson("{", "m.json").status().message(), "m.json: not valid JSON");
  EXPECT_EQ(ManifestFromJson("{\"format\": \"other\"}", "m.json").status().message(),
            "m.json: not a Zyphyr index manifest");
  std::string no_dim = json;
  no_dim.replace(no_dim.find("\"dim\""), 5, "\"dym\"");
  EXPECT_EQ(ManifestFromJson(no_dim, "m.json").status().message(), "m.json: field 'dim' is missing");
  std::string escape = json;
  escape.replace(escape.find("shard-0000-g3.zys"), 17, "../../etc/passwd");
  EXPECT_EQ(ManifestFromJson(escape, "m.json").status().message(),
            "m.json: shards[0]: file names must be plain names inside the index directory");
  std::string v2 = json;
  v2.replace(v2.find("\"version\": 1"), 12, "\"version\": 2");
  EXPECT_EQ(ManifestFromJson(v2, "m.json").status().message(), "m.json: unsupported manifest version 2");
}

}  // namespace
}  // namespace zyphyr
