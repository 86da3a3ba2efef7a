// Index directories: build, open, search equal to the heap index; inserts and
// deletes through the logs; compaction; refusals.
#include "storage/stored_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <thread>
#include <atomic>

#include "src/index/brute_force.h"
#include "storage/mutation_log.h"
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
  IndexBuildParams params;
};

Fixture MakeFixture(std::size_t n = 400) {
  Fixture f;
  f.base = *ClusteredGaussian(n, kDim, 5, 11);
  f.queries = *ClusteredGaussian(30, kDim, 5, 11, SampleStream::kQueries);
  f.params.hnsw.M = 6;
  f.params.hnsw.ef_construction = 40;
  f.params.hnsw.threads = 1;
  f.params.source = "synthetic";
  return f;
}

std::unique_ptr<StoredIndex> OpenIndex(const std::string& dir) {
  auto index = StoredIndex::Open(dir);
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
  ASSERT_TRUE(BuildIndexDirectory(idx, MakeStore(f.base, Metric::kL2), f.params).ok());
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
  Status st = BuildIndexDirectory(dir.path(), MakeStore(f.base, Metric::kL2), f.params);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), dir.path() + ": already exists (remove it or choose another --index)");
}

TEST(StoredIndex, InsertsAreSearchableAndDeletesNeverReturned) {
  ScratchDir dir;
  Fixture f = MakeFixture();
  const std::string idx = dir.File("idx");
  ASSERT_TRUE(BuildIndexDirectory(idx, MakeStore(f.base, Metric::kL2), f.params).ok());
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
  ASSERT_TRUE(BuildIndexDirectory(idx, MakeStore(f.base, Metric::kL2), f.params).ok());
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
  ASSERT_TRUE(BuildIndexDirectory(idx, MakeStore(f.base, Metric::kL2), f.params).ok());
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
  ASSERT_TRUE(BuildIndexDirectory(dir.File("a"), MakeStore(f.base, Metric::kL2), f.params).ok());
  ASSERT_TRUE(BuildIndexDirectory(dir.File("b"), MakeStore(f.base, Metric::kL2), f.params).ok());
  std::filesystem::copy_file(dir.File("b/shard-0000-g1.zys"), dir.File("a/shard-0000-g1.zys"),
                             std::filesystem::copy_options::overwrite_existing);
  auto index = StoredIndex::Open(dir.File("a"));
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.status().message(),
            dir.File("a/shard-0000-g1.zys") +
                ": does not match the manifest (header checksum differs from the manifest's (a shard of another "
                "build?))");
  auto missing = StoredIndex::Open(dir.File("nothing"));
  EXPECT_EQ(missing.status().message(), dir.File("nothing") + ": no such directory");
  auto not_index = StoredIndex::Open(dir.path());
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
  m.shards.push_back({"shard-0000-g3.zys", "shard-0000-g3.log", 0xfedcba9876543210ull, 10, 0, 12, 8192, 0xdeadbeef, {}});
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
  ASSERT_TRUE(BuildIndexDirectory(idx, MakeStore(f.base, Metric::kL2), f.params).ok());
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
