// Index directories: build, open, search equal to the heap index; inserts and
// deletes through the logs; compaction; refusals.
#include "storage/stored_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "builder/compaction.h"
#include "builder/index_insert.h"
#include "builder/open_index.h"
#include "builder/shard_build.h"
#include "src/core/aligned_buffer.h"
#include "src/core/metric.h"
#include "src/core/vector_store.h"
#include "src/index/brute_force.h"
#include "storage/index_directory.h"
#include "storage/index_mutations.h"
#include "storage/index_verify.h"
#include "storage/mutation_log.h"
#include "tests/builder/one_rank_build.h"
#include "tests/scratch_dir.h"
#include "tests/storage/storage_test_util.h"

namespace zyphyr {
namespace {

using testing::MakeStore;
using testing::ReadBytes;
using testing::ScratchDir;

constexpr std::size_t kDim = 12;

struct Fixture {
  Dataset base;
  Dataset queries;
  DistributedBuildParams params;
};

Fixture MakeFixture(std::size_t n = 400) {
  Fixture f;
  f.base = *ClusteredGaussian(n, kDim, 5, 11);
  f.queries = *ClusteredGaussian(30, kDim, 5, 11, SampleStream::kQueries);
  f.params.hnsw.M = 6;
  f.params.hnsw.ef_construction = 40;
  f.params.hnsw.threads = 1;
  f.params.data = "synthetic";
  return f;
}

std::unique_ptr<StoredIndex> OpenIndex(const std::string& dir) {
  auto index = OpenSearchableIndex(dir);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return index.ok() ? std::move(*index) : nullptr;
}

std::vector<Neighbor> Search(const StoredIndex& index, std::span<const float> q, std::size_t k, std::size_t ef) {
  auto r = index.Search(q, HnswSearchOptions{k, ef});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<Neighbor>{};
}

// Exact top-k over (id, vector) pairs, L2.
std::vector<std::uint64_t> ExactIds(const std::map<std::uint64_t, std::vector<float>>& live, std::span<const float> q,
                                    std::size_t k) {
  std::vector<std::pair<double, std::uint64_t>> all;
  for (const auto& [id, v] : live) {
    double d = 0;
    for (std::size_t i = 0; i < v.size(); ++i) d += (double{v[i]} - q[i]) * (double{v[i]} - q[i]);
    all.push_back({d, id});
  }
  std::sort(all.begin(), all.end());
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 0; i < std::min(k, all.size()); ++i) ids.push_back(all[i].second);
  return ids;
}

TEST(StoredIndex, BuildThenOpenSearchesLikeTheHeapIndex) {
  ScratchDir dir;
  Fixture f = MakeFixture();
  const std::string idx = dir.File("idx");
  ASSERT_TRUE(testing::BuildOnOneRank(idx, f.base, Metric::kL2, f.params).ok());
  auto heap = HnswIndex::Build(MakeStore(f.base, Metric::kL2), f.params.hnsw);
  ASSERT_TRUE(heap.ok());
  auto stored = OpenIndex(idx);
  ASSERT_NE(stored, nullptr);
  EXPECT_EQ(stored->live_rows(), 400u);
  EXPECT_EQ(stored->next_id(), 400u);
  EXPECT_EQ(stored->manifest().shards.size(), 1u);
  EXPECT_EQ(stored->manifest().source, "synthetic");
  for (std::size_t q = 0; q < f.queries.n; ++q) {
    for (std::size_t ef : {10u, 50u}) {
      auto a = Search(*stored, f.queries.row(q), 10, ef);
      auto b = (*heap)->Search(f.queries.row(q), HnswSearchOptions{10, ef});
      ASSERT_TRUE(b.ok());
      EXPECT_EQ(a, *b) << "query " << q << " ef " << ef;
    }
  }
  // Only the manifest, the lock and the shard: no temporaries.
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(idx)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".lock", "manifest.json", "shard-0000-g1.zys"}));
  EXPECT_EQ(dir.List(), std::vector<std::string>{"idx"});
}

TEST(StoredIndex, BuildRefusesAnExistingDirectory) {
  ScratchDir dir;
  Fixture f = MakeFixture(50);
  Status st = testing::BuildOnOneRank(dir.path(), f.base, Metric::kL2, f.params);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), dir.path() + ": already exists (remove it or choose another --index)");
}

TEST(StoredIndex, InsertsAreSearchableAndDeletesNeverReturned) {
  ScratchDir dir;
  Fixture f = MakeFixture();
  const std::string idx = dir.File("idx");
  ASSERT_TRUE(testing::BuildOnOneRank(idx, f.base, Metric::kL2, f.params).ok());
  std::map<std::uint64_t, std::vector<float>> live;
  for (std::size_t i = 0; i < f.base.n; ++i) live[i] = {f.base.row(i).begin(), f.base.row(i).end()};

  // Insert the queries themselves: each is then its own nearest neighbour.
  auto first = InsertIntoIndex(idx, f.queries.rows, f.queries.n);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 400u);
  for (std::size_t i = 0; i < f.queries.n; ++i) live[400 + i] = {f.queries.row(i).begin(), f.queries.row(i).end()};
  // Delete some shard rows and some inserted ones.
  const std::vector<std::uint64_t> gone = {0, 7, 7, 123, 399, 401, 429};
  auto deleted = DeleteFromIndex(idx, gone);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 6u);
  for (std::uint64_t id : gone) live.erase(id);

  auto index = OpenIndex(idx);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->live_rows(), live.size());
  EXPECT_EQ(index->inserted_rows(), 28u);
  EXPECT_EQ(index->deleted_ids(), 6u);
  EXPECT_EQ(index->next_id(), 430u);
  EXPECT_FALSE(index->Contains(7));
  EXPECT_TRUE(index->Contains(8));
  EXPECT_TRUE(index->Contains(400));
  EXPECT_FALSE(index->Contains(401));
  for (std::size_t q = 0; q < f.queries.n; ++q) {
    auto found = Search(*index, f.queries.row(q), 10, 500);  // ef >= rows: exact.
    std::vector<std::uint64_t> ids;
    for (const Neighbor& n : found) ids.push_back(n.id);
    EXPECT_EQ(ids, ExactIds(live, f.queries.row(q), 10)) << "query " << q;
    if (400 + q != 401 && 400 + q != 429) {
      EXPECT_EQ(found[0].id, 400 + q);
      EXPECT_EQ(found[0].distance, 0.0f);
    }
  }
  // A deleted row's own vector never brings it back, at any ef.
  for (std::size_t ef : {10u, 40u, 500u}) {
    for (std::uint64_t id : {0u, 7u, 123u, 399u}) {
      for (const Neighbor& n : Search(*index, f.base.row(id), 10, ef)) EXPECT_NE(n.id, id);
    }
  }
}

TEST(StoredIndex, MutationsAreRefusedWithoutWritingAnything) {
  ScratchDir dir;
  Fixture f = MakeFixture(100);
  const std::string idx = dir.File("idx");
  ASSERT_TRUE(testing::BuildOnOneRank(idx, f.base, Metric::kL2, f.params).ok());
  ASSERT_TRUE(DeleteFromIndex(idx, std::vector<std::uint64_t>{5}).ok());
  const std::string log = ReadBytes(idx + "/shard-0000-g1.log");

  std::vector<float> bad(2 * kDim, 1.0f);
  bad[kDim + 3] = std::nanf("");
  auto nan = InsertIntoIndex(idx, bad, 2);
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.status().message(), "vector 1 has a non-finite component (NaN) at index 3");
  auto wrong_dim = InsertIntoIndex(idx, std::vector<float>(10, 1.0f), 1);
  ASSERT_FALSE(wrong_dim.ok());
  EXPECT_EQ(wrong_dim.status().message(), "vectors have dimension 10, the index " + idx + " has 12");
  auto unknown = DeleteFromIndex(idx, std::vector<std::uint64_t>{3, 100});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "id 100 is not in the index");
  auto again = DeleteFromIndex(idx, std::vector<std::uint64_t>{5});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().message(), "id 5 is already deleted");
  EXPECT_EQ(ReadBytes(idx + "/shard-0000-g1.log"), log);
}

TEST(StoredIndex, CompactionFoldsTheLogIntoANewGeneration) {
  ScratchDir dir;
  Fixture f = MakeFixture();
  const std::string idx = dir.File("idx");
  ASSERT_TRUE(testing::BuildOnOneRank(idx, f.base, Metric::kL2, f.params).ok());
  ASSERT_TRUE(InsertIntoIndex(idx, f.queries.rows, f.queries.n).ok());
  ASSERT_TRUE(DeleteFromIndex(idx, std::vector<std::uint64_t>{1, 2, 3, 410}).ok());
  auto before = OpenIndex(idx);
  ASSERT_NE(before, nullptr);
  std::vector<std::vector<Neighbor>> expected;
  for (std::size_t q = 0; q < f.queries.n; ++q) expected.push_back(Search(*before, f.queries.row(q), 10, 500));
  before.reset();

  auto report = CompactIndex(idx, 2);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->generation, 2u);
  EXPECT_EQ(report->rows, 400u + 30u - 4u);
  EXPECT_EQ(report->inserted, 29u);
  EXPECT_EQ(report->deleted, 4u);
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(idx)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".lock", "manifest.json", "shard-0000-g2.zys"}));

  auto after = OpenIndex(idx);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->manifest().generation, 2u);
  EXPECT_EQ(after->live_rows(), 426u);
  EXPECT_EQ(after->inserted_rows(), 0u);
  EXPECT_EQ(after->deleted_ids(), 0u);
  EXPECT_EQ(after->next_id(), 430u);
  // The same neighbours (distances may differ in the last bit: the batch and
  // pairwise kernels sum in different orders, and the new graph is walked in
  // another order).
  for (std::size_t q = 0; q < f.queries.n; ++q) {
    auto found = Search(*after, f.queries.row(q), 10, 500);
    ASSERT_EQ(found.size(), expected[q].size());
    for (std::size_t i = 0; i < found.size(); ++i) {
      EXPECT_EQ(found[i].id, expected[q][i].id) << "query " << q << " rank " << i;
      EXPECT_NEAR(found[i].distance, expected[q][i].distance, 1e-5f * (1 + expected[q][i].distance));
    }
  }
  // Ids keep counting after the compaction.
  auto next = InsertIntoIndex(idx, f.queries.row(0), 1);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 430u);
}

TEST(StoredIndex, ShardFromAnotherBuildIsRefused) {
  ScratchDir dir;
  Fixture f = MakeFixture(100);
  ASSERT_TRUE(testing::BuildOnOneRank(dir.File("a"), f.base, Metric::kL2, f.params).ok());
  ASSERT_TRUE(testing::BuildOnOneRank(dir.File("b"), f.base, Metric::kL2, f.params).ok());
  std::filesystem::copy_file(dir.File("b/shard-0000-g1.zys"), dir.File("a/shard-0000-g1.zys"),
                             std::filesystem::copy_options::overwrite_existing);
  auto index = OpenSearchableIndex(dir.File("a"));
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.status().message(),
            dir.File("a/shard-0000-g1.zys") +
                ": does not match the manifest (header checksum differs from the manifest's (a shard of another "
                "build?))");
  auto missing = OpenSearchableIndex(dir.File("nothing"));
  EXPECT_EQ(missing.status().message(), dir.File("nothing") + ": no such directory");
  auto not_index = OpenSearchableIndex(dir.path());
  EXPECT_EQ(not_index.status().message(), dir.path() + ": not an index directory (no manifest.json)");
}

TEST(IndexManifest, RoundTripsAndRefusesBadFields) {
  IndexManifest m;
  m.dim = 784;
  m.metric = Metric::kCosine;
  m.M = 16;
  m.ef_construction = 200;
  m.seed = 42;
  m.rows = 10;
  m.next_id = 12;
  m.generation = 3;
  m.source = "x.hdf5";
  m.shards.push_back(
      {"shard-0000-g3.zys", "shard-0000-g3.log", 0xfedcba9876543210ull, 10, 0, 12, 8192, 0xdeadbeef, {}});
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

namespace zyphyr {
namespace {

TEST(StoredIndex, ConcurrentSearchesMatchSerialOnes) {
  ScratchDir dir;
  Fixture f = MakeFixture();
  const std::string idx = dir.File("idx");
  ASSERT_TRUE(testing::BuildOnOneRank(idx, f.base, Metric::kL2, f.params).ok());
  ASSERT_TRUE(InsertIntoIndex(idx, std::span<const float>(f.queries.rows).first(10 * kDim), 10).ok());
  ASSERT_TRUE(DeleteFromIndex(idx, std::vector<std::uint64_t>{3, 4, 405}).ok());
  auto index = OpenIndex(idx);
  ASSERT_NE(index, nullptr);
  std::vector<std::vector<Neighbor>> serial;
  for (std::size_t q = 0; q < f.queries.n; ++q) serial.push_back(Search(*index, f.queries.row(q), 10, 32));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (std::size_t q = t % 2; q < f.queries.n; ++q) {
          auto r = index->Search(f.queries.row(q), HnswSearchOptions{10, 32});
          if (!r.ok() || *r != serial[q]) ++mismatches;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace zyphyr

namespace zyphyr {
namespace {

// Manifests under "partition": "kmeans": centroids round trip bit-exact and
// bad ones are refused.

IndexManifest KmeansManifest() {
  IndexManifest m;
  m.dim = 4;
  m.metric = Metric::kL2;
  m.M = 8;
  m.ef_construction = 64;
  m.seed = 7;
  m.rows = 30;
  m.next_id = 31;
  m.generation = 2;
  m.partition = "kmeans";
  m.source = "k.hdf5";
  m.shards.push_back({"shard-0000-g2.zys",
                      "shard-0000-g2.log",
                      0x1111,
                      10,
                      0,
                      10,
                      4096,
                      0xaabbccdd,
                      {0.1f, -0.0f, 1.0f / 3.0f, std::numeric_limits<float>::denorm_min()}});
  m.shards.push_back({"shard-0001-g2.zys",
                      "shard-0001-g2.log",
                      0x2222,
                      20,
                      10,
                      31,
                      8192,
                      0x01020304,
                      {std::numeric_limits<float>::max(), -std::numeric_limits<float>::min(), 1e-7f, -123456.789f}});
  return m;
}

std::vector<std::uint32_t> FloatBits(const std::vector<float>& v) {
  std::vector<std::uint32_t> bits;
  for (float x : v) bits.push_back(std::bit_cast<std::uint32_t>(x));
  return bits;
}

TEST(IndexManifest, KmeansCentroidsRoundTripBitExact) {
  const IndexManifest m = KmeansManifest();
  const std::string json = ManifestToJson(m);
  EXPECT_NE(json.find("\"partition\": \"kmeans\""), std::string::npos);
  EXPECT_NE(json.find("\"centroid\""), std::string::npos);
  auto back = ManifestFromJson(json, "m.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->partition, "kmeans");
  EXPECT_EQ(back->dim, 4u);
  ASSERT_EQ(back->shards.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(FloatBits(back->shards[i].centroid), FloatBits(m.shards[i].centroid)) << "shard " << i;
    EXPECT_EQ(back->shards[i].uid, m.shards[i].uid);
    EXPECT_EQ(back->shards[i].header_crc32c, m.shards[i].header_crc32c);
  }
  EXPECT_EQ(ManifestToJson(*back), json);

  // Range manifests carry no centroid.
  IndexManifest range = m;
  range.partition = "range";
  for (ManifestShard& s : range.shards) s.centroid.clear();
  const std::string range_json = ManifestToJson(range);
  EXPECT_EQ(range_json.find("\"centroid\""), std::string::npos);
  auto range_back = ManifestFromJson(range_json, "m.json");
  ASSERT_TRUE(range_back.ok()) << range_back.status().ToString();
  for (const ManifestShard& s : range_back->shards) EXPECT_TRUE(s.centroid.empty());
}

TEST(IndexManifest, KmeansRefusesBadCentroids) {
  const std::string json = ManifestToJson(KmeansManifest());
  const auto edited = [&](auto edit) {
    nlohmann::json j = nlohmann::json::parse(json);
    edit(j);
    return ManifestFromJson(j.dump(2), "m.json").status();
  };

  Status missing = edited([](nlohmann::json& j) { j["shards"][1].erase("centroid"); });
  EXPECT_EQ(missing.code(), StatusCode::kCorruption);
  EXPECT_EQ(missing.message(), "m.json: shards[1]: field 'centroid' is missing (k-means partition)");

  Status short_one = edited([](nlohmann::json& j) { j["shards"][0]["centroid"].erase(3); });
  EXPECT_EQ(short_one.code(), StatusCode::kCorruption);
  EXPECT_EQ(short_one.message(), "m.json: shards[0]: field 'centroid' must be an array of 4 numbers");
  Status long_one = edited([](nlohmann::json& j) { j["shards"][1]["centroid"].push_back(1.0); });
  EXPECT_EQ(long_one.message(), "m.json: shards[1]: field 'centroid' must be an array of 4 numbers");
  Status not_array = edited([](nlohmann::json& j) { j["shards"][0]["centroid"] = 1.0; });
  EXPECT_EQ(not_array.message(), "m.json: shards[0]: field 'centroid' must be an array of 4 numbers");

  Status text = edited([](nlohmann::json& j) { j["shards"][1]["centroid"][2] = "NaN"; });
  EXPECT_EQ(text.code(), StatusCode::kCorruption);
  EXPECT_EQ(text.message(), "m.json: shards[1]: field 'centroid' must hold finite float numbers");
  Status null = edited([](nlohmann::json& j) { j["shards"][0]["centroid"][0] = nullptr; });
  EXPECT_EQ(null.message(), "m.json: shards[0]: field 'centroid' must hold finite float numbers");

  // By hand: the text NaN as a string where a number belongs (JSON has no
  // NaN), and a number no double can hold (refused by the parser).
  const auto replace_first_component = [&](const std::string& with) {
    std::string text = json;
    const std::size_t at = text.find("\"centroid\": [");
    EXPECT_NE(at, std::string::npos);
    const std::size_t first = text.find_first_of("-0123456789", at + 13);
    const std::size_t end = text.find_first_of(",\n]", first);
    text.replace(first, end - first, with);
    return ManifestFromJson(text, "m.json").status();
  };
  Status nan = replace_first_component("\"NaN\"");
  EXPECT_EQ(nan.code(), StatusCode::kCorruption);
  EXPECT_EQ(nan.message(), "m.json: shards[0]: field 'centroid' must hold finite float numbers");
  Status overflow = replace_first_component("1e999");
  EXPECT_EQ(overflow.code(), StatusCode::kCorruption);
  EXPECT_EQ(overflow.message(), "m.json: not valid JSON");

  Status partition = edited([](nlohmann::json& j) { j["partition"] = "hash"; });
  EXPECT_EQ(partition.code(), StatusCode::kCorruption);
  EXPECT_EQ(partition.message(), "m.json: field 'partition' must be \"range\" or \"kmeans\", got 'hash'");
  Status partition_type = edited([](nlohmann::json& j) { j["partition"] = 3; });
  EXPECT_EQ(partition_type.message(), "m.json: field 'partition' must be a string");
}

// A component within double's range but past float's would become +inf.
TEST(IndexManifest, KmeansRefusesACentroidPastTheRangeOfFloat) {
  nlohmann::json j = nlohmann::json::parse(ManifestToJson(KmeansManifest()));
  j["shards"][0]["centroid"][0] = 1e300;
  auto parsed = ManifestFromJson(j.dump(2), "m.json");
  ASSERT_FALSE(parsed.ok()) << "centroid[0] read as " << parsed->shards[0].centroid[0];
  EXPECT_EQ(parsed.status().message(), "m.json: shards[0]: field 'centroid' must hold finite float numbers");
}

// Index directories of several shards, assembled as a distributed build does.

// `n` rows of kDim floats, each component `center` plus N(0, 1) noise.
std::vector<float> NoisyRows(std::size_t n, float center, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  std::vector<float> rows(n * kDim);
  for (float& x : rows) x = center + noise(rng);
  return rows;
}

constexpr std::size_t kRows0 = 150;
constexpr std::size_t kRows1 = 120;

struct TwoShardData {
  std::vector<float> rows0 = NoisyRows(kRows0, 0.0f, 1);    // Ids [0, kRows0).
  std::vector<float> rows1 = NoisyRows(kRows1, 100.0f, 2);  // Ids [kRows0, kRows0 + kRows1).
};

// Writes a two-shard index at `dir` through CreateStagingDirectory,
// BuildShardFile and PublishIndexDirectory. Under "kmeans" the centroids are
// all-0 and all-100.
void BuildTwoShardIndex(const std::string& dir, const TwoShardData& data, const std::string& partition) {
  HnswBuildOptions hnsw;
  hnsw.M = 6;
  hnsw.ef_construction = 40;
  hnsw.threads = 1;
  hnsw.seed = 42;
  IndexManifest m;
  m.dim = kDim;
  m.metric = Metric::kL2;
  m.M = hnsw.M;
  m.ef_construction = hnsw.ef_construction;
  m.seed = hnsw.seed;
  m.rows = kRows0 + kRows1;
  m.next_id = kRows0 + kRows1;
  m.generation = 1;
  m.partition = partition;
  m.source = "two shards";
  auto staging = CreateStagingDirectory(dir);
  ASSERT_TRUE(staging.ok()) << staging.status().ToString();
  const std::vector<float>* rows[2] = {&data.rows0, &data.rows1};
  std::uint64_t next = 0;
  for (std::size_t number = 0; number < 2; ++number) {
    const std::size_t n = rows[number]->size() / kDim;
    VectorStore store(kDim, Metric::kL2);
    std::vector<std::uint64_t> ids(n);
    for (std::size_t i = 0; i < n; ++i) ids[i] = next + i;
    next += n;
    ASSERT_TRUE(store.AddBatch(ids, *rows[number]).ok());
    auto entry = BuildShardFile(*staging, number, std::move(store), hnsw, QuantizerOptions{});
    ASSERT_TRUE(entry.ok()) << entry.status().ToString();
    EXPECT_EQ(entry->file, ShardFileName(number, 1));
    EXPECT_EQ(entry->rows, n);
    EXPECT_EQ(entry->id_begin, ids.front());
    EXPECT_EQ(entry->id_end, ids.back() + 1);
    EXPECT_TRUE(entry->centroid.empty());
    if (partition == "kmeans") entry->centroid.assign(kDim, number == 0 ? 0.0f : 100.0f);
    m.shards.push_back(*entry);
  }
  Status published = PublishIndexDirectory(*staging, dir, m);
  ASSERT_TRUE(published.ok()) << published.ToString();
}

std::vector<std::uint64_t> IdsOf(const std::vector<Neighbor>& found) {
  std::vector<std::uint64_t> ids;
  for (const Neighbor& n : found) ids.push_back(n.id);
  return ids;
}

TEST(StoredIndex, OpensASubsetOfTheShards) {
  ScratchDir dir;
  const TwoShardData data;
  const std::string idx = dir.File("idx");
  ASSERT_NO_FATAL_FAILURE(BuildTwoShardIndex(idx, data, "range"));
  auto verified = VerifyPath(idx);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();

  auto all = OpenIndex(idx);
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(all->shard_count(), 2u);
  EXPECT_EQ(all->shard_number(0), 0u);
  EXPECT_EQ(all->shard_number(1), 1u);
  EXPECT_EQ(all->live_rows(), kRows0 + kRows1);
  EXPECT_EQ(all->manifest().shards.size(), 2u);

  StoredIndexOptions only_second;
  only_second.shards = {1};
  auto second = OpenSearchableIndex(idx, only_second);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ((*second)->shard_count(), 1u);
  EXPECT_EQ((*second)->shard_number(0), 1u);
  EXPECT_EQ((*second)->shard(0).size(), kRows1);
  EXPECT_EQ((*second)->live_rows(), kRows1);
  EXPECT_EQ((*second)->manifest().shards.size(), 2u);  // The whole manifest still.
  EXPECT_TRUE((*second)->Contains(kRows0));
  EXPECT_TRUE((*second)->Contains(kRows0 + kRows1 - 1));
  EXPECT_FALSE((*second)->Contains(0));
  EXPECT_FALSE((*second)->Contains(kRows0 - 1));

  // Repeated and unordered numbers: each shard once, in manifest order.
  StoredIndexOptions both;
  both.shards = {1, 0, 1};
  auto reordered = OpenSearchableIndex(idx, both);
  ASSERT_TRUE(reordered.ok()) << reordered.status().ToString();
  EXPECT_EQ((*reordered)->shard_count(), 2u);
  EXPECT_EQ((*reordered)->shard_number(0), 0u);
  EXPECT_EQ((*reordered)->shard_number(1), 1u);

  StoredIndexOptions past;
  past.shards = {0, 5};
  auto refused = OpenSearchableIndex(idx, past);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(), idx + ": has 2 shards, shard 5 asked for");
  past.shards = {2};
  EXPECT_EQ(OpenSearchableIndex(idx, past).status().message(), idx + ": has 2 shards, shard 2 asked for");

  // One shard: the singular.
  Fixture f = MakeFixture(50);
  const std::string one = dir.File("one");
  ASSERT_TRUE(testing::BuildOnOneRank(one, f.base, Metric::kL2, f.params).ok());
  StoredIndexOptions second_of_one;
  second_of_one.shards = {1};
  auto single = OpenSearchableIndex(one, second_of_one);
  ASSERT_FALSE(single.ok());
  EXPECT_EQ(single.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(single.status().message(), one + ": has 1 shard, shard 1 asked for");
}

TEST(StoredIndex, SearchPreparedMatchesSearchAndHonoursOnly) {
  ScratchDir dir;
  const TwoShardData data;
  const std::string idx = dir.File("idx");
  ASSERT_NO_FATAL_FAILURE(BuildTwoShardIndex(idx, data, "range"));
  auto index = OpenIndex(idx);
  ASSERT_NE(index, nullptr);
  StoredIndexOptions only_second;
  only_second.shards = {1};
  auto second = OpenSearchableIndex(idx, only_second);
  ASSERT_TRUE(second.ok()) << second.status().ToString();

  // Queries near either shard's data and between them.
  std::vector<float> queries = NoisyRows(4, 0.0f, 3);
  for (float center : {100.0f, 50.0f, 49.0f, 51.0f}) {
    const std::vector<float> more = NoisyRows(3, center, 4 + static_cast<std::uint64_t>(center));
    queries.insert(queries.end(), more.begin(), more.end());
  }
  std::map<std::uint64_t, std::vector<float>> live0;
  std::map<std::uint64_t, std::vector<float>> live1;
  for (std::size_t i = 0; i < kRows0; ++i) live0[i].assign(&data.rows0[i * kDim], &data.rows0[(i + 1) * kDim]);
  for (std::size_t i = 0; i < kRows1; ++i) live1[kRows0 + i].assign(&data.rows1[i * kDim], &data.rows1[(i + 1) * kDim]);

  AlignedBuffer<float> prepared(PaddedDim(kDim));
  const HnswSearchOptions options{10, 300};  // ef above every shard's rows: exact.
  for (std::size_t q = 0; q < queries.size() / kDim; ++q) {
    SCOPED_TRACE("query " + std::to_string(q));
    const std::span<const float> query(&queries[q * kDim], kDim);
    ASSERT_TRUE(PrepareVector(query, kDim, Metric::kL2, "query", prepared.data()).ok());

    std::vector<Neighbor> every;
    ASSERT_TRUE(index->SearchPrepared(prepared.data(), options, {}, &every).ok());
    std::vector<Neighbor> reported = every;
    for (Neighbor& n : reported) n.distance = ReportedDistance(Metric::kL2, n.distance);
    EXPECT_EQ(reported, Search(*index, query, 10, 300));
    ASSERT_EQ(every.size(), 10u);
    for (std::size_t i = 0; i < every.size(); ++i) {
      // Internal distances: squared L2.
      EXPECT_NEAR(std::sqrt(every[i].distance), reported[i].distance, 1e-4f * (1 + reported[i].distance));
    }

    const std::vector<std::size_t> shard1 = {1};
    std::vector<Neighbor> from1;
    ASSERT_TRUE(index->SearchPrepared(prepared.data(), options, shard1, &from1).ok());
    ASSERT_EQ(from1.size(), 10u);
    for (const Neighbor& n : from1) {
      EXPECT_GE(n.id, kRows0);
      EXPECT_LT(n.id, kRows0 + kRows1);
    }
    EXPECT_EQ(IdsOf(from1), ExactIds(live1, query, 10));
    // The same as an index that opened shard 1 only.
    std::vector<Neighbor> opened1;
    ASSERT_TRUE((*second)->SearchPrepared(prepared.data(), options, {}, &opened1).ok());
    EXPECT_EQ(opened1, from1);

    const std::vector<std::size_t> shard0 = {0};
    std::vector<Neighbor> from0;
    ASSERT_TRUE(index->SearchPrepared(prepared.data(), options, shard0, &from0).ok());
    ASSERT_EQ(from0.size(), 10u);
    for (const Neighbor& n : from0) EXPECT_LT(n.id, kRows0);
    EXPECT_EQ(IdsOf(from0), ExactIds(live0, query, 10));

    // A number not opened is skipped: nothing is searched.
    const std::vector<std::size_t> unopened = {0};
    std::vector<Neighbor> none = {{1.0f, 1}};
    ASSERT_TRUE((*second)->SearchPrepared(prepared.data(), options, unopened, &none).ok());
    EXPECT_TRUE(none.empty());
  }
}

TEST(StoredIndex, KmeansInsertsGoToTheShardOfTheNearestCentroid) {
  ScratchDir dir;
  const TwoShardData data;
  const std::string idx = dir.File("idx");
  ASSERT_NO_FATAL_FAILURE(BuildTwoShardIndex(idx, data, "kmeans"));
  {
    auto index = OpenIndex(idx);
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(index->manifest().partition, "kmeans");
    EXPECT_EQ(index->manifest().shards[1].centroid, std::vector<float>(kDim, 100.0f));
  }
  const std::uint64_t first_new = kRows0 + kRows1;
  const std::vector<float> near1 = NoisyRows(1, 97.0f, 10);
  const std::vector<float> near0 = NoisyRows(1, 2.0f, 11);

  auto id1 = InsertIntoIndex(idx, near1, 1);
  ASSERT_TRUE(id1.ok()) << id1.status().ToString();
  EXPECT_EQ(*id1, first_new);
  EXPECT_TRUE(std::filesystem::exists(idx + "/" + ShardLogName(1, 1)));
  EXPECT_FALSE(std::filesystem::exists(idx + "/" + ShardLogName(0, 1)));
  auto id0 = InsertIntoIndex(idx, near0, 1);
  ASSERT_TRUE(id0.ok()) << id0.status().ToString();
  EXPECT_EQ(*id0, first_new + 1);
  EXPECT_TRUE(std::filesystem::exists(idx + "/" + ShardLogName(0, 1)));

  // One call with vectors for both shards: each goes to its own.
  std::vector<float> mixed = NoisyRows(1, 101.0f, 12);
  const std::vector<float> low = NoisyRows(1, -1.0f, 13);
  mixed.insert(mixed.end(), low.begin(), low.end());
  const std::vector<float> high = NoisyRows(1, 60.0f, 14);  // Nearer 100 than 0.
  mixed.insert(mixed.end(), high.begin(), high.end());
  auto batch = InsertIntoIndex(idx, mixed, 3);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(*batch, first_new + 2);

  auto index = OpenIndex(idx);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->inserted_rows(), 5u);
  EXPECT_EQ(index->next_id(), first_new + 5);
  EXPECT_EQ(index->ShardHolding(*id1), std::optional<std::size_t>(1));
  EXPECT_EQ(index->ShardHolding(*id0), std::optional<std::size_t>(0));
  EXPECT_EQ(index->ShardHolding(first_new + 2), std::optional<std::size_t>(1));
  EXPECT_EQ(index->ShardHolding(first_new + 3), std::optional<std::size_t>(0));
  EXPECT_EQ(index->ShardHolding(first_new + 4), std::optional<std::size_t>(1));
  EXPECT_EQ(index->ShardHolding(0), std::optional<std::size_t>(0));
  EXPECT_EQ(index->ShardHolding(kRows0), std::optional<std::size_t>(1));
  EXPECT_EQ(index->ShardHolding(first_new + 5), std::nullopt);

  // A routed search of shard 1 finds the vector inserted there, at distance 0.
  AlignedBuffer<float> prepared(PaddedDim(kDim));
  ASSERT_TRUE(PrepareVector(near1, kDim, Metric::kL2, "query", prepared.data()).ok());
  std::vector<Neighbor> found;
  const std::vector<std::size_t> shard1 = {1};
  ASSERT_TRUE(index->SearchPrepared(prepared.data(), HnswSearchOptions{3, 64}, shard1, &found).ok());
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found[0], (Neighbor{0.0f, *id1}));
  const std::vector<std::size_t> shard0 = {0};
  ASSERT_TRUE(index->SearchPrepared(prepared.data(), HnswSearchOptions{3, 64}, shard0, &found).ok());
  for (const Neighbor& n : found) EXPECT_NE(n.id, *id1);
}

TEST(StoredIndex, RangeInsertsGoToTheLastShard) {
  ScratchDir dir;
  const TwoShardData data;
  const std::string idx = dir.File("idx");
  ASSERT_NO_FATAL_FAILURE(BuildTwoShardIndex(idx, data, "range"));
  std::vector<float> rows = NoisyRows(1, 0.0f, 20);  // Near shard 0's data.
  const std::vector<float> far = NoisyRows(1, 100.0f, 21);
  rows.insert(rows.end(), far.begin(), far.end());
  auto first = InsertIntoIndex(idx, rows, 2);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, kRows0 + kRows1);
  EXPECT_FALSE(std::filesystem::exists(idx + "/" + ShardLogName(0, 1)));
  auto index = OpenIndex(idx);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->ShardHolding(*first), std::optional<std::size_t>(1));
  EXPECT_EQ(index->ShardHolding(*first + 1), std::optional<std::size_t>(1));
  EXPECT_EQ(index->inserted_rows(), 2u);
}

}  // namespace
}  // namespace zyphyr
