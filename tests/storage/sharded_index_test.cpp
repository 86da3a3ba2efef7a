// Index directories of several shards, assembled as a distributed build does:
// opening a subset, prepared search, routing of inserts.
#include "storage/stored_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "builder/index_insert.h"
#include "builder/new_index.h"
#include "builder/open_index.h"
#include "builder/shard_build.h"
#include "src/core/aligned_buffer.h"
#include "src/core/metric.h"
#include "src/core/vector_store.h"
#include "storage/index_directory.h"
#include "storage/index_mutations.h"
#include "storage/index_verify.h"
#include "tests/builder/one_rank_build.h"
#include "tests/scratch_dir.h"
#include "tests/storage/storage_test_util.h"
#include "tests/storage/stored_index_fixture.h"

namespace zyphyr {
namespace {

using testing::ExactIds;
using testing::Fixture;
using testing::kDim;
using testing::MakeFixture;
using testing::OpenIndex;
using testing::ScratchDir;
using testing::Search;

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
  const HnswBuildOptions hnsw{.M = 6, .ef_construction = 40, .threads = 1, .seed = 42};
  IndexManifest m = NewIndexManifest(kDim, Metric::kL2, hnsw, QuantizerOptions{}, partition, "two shards");
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
    AddShards({*entry}, &m);
  }
  Status published = PublishIndexDirectory(*staging, dir, m);
  ASSERT_TRUE(published.ok()) << published.ToString();
}

// A scratch directory with a two-shard index at "idx" of TwoShardData, once Build has written it.
struct TwoShardIndex {
  ScratchDir dir;
  const TwoShardData data{};
  const std::string idx = dir.File("idx");

  void Build(const std::string& partition) { BuildTwoShardIndex(idx, data, partition); }
};

std::vector<std::uint64_t> IdsOf(const std::vector<Neighbor>& found) {
  std::vector<std::uint64_t> ids;
  for (const Neighbor& n : found) ids.push_back(n.id);
  return ids;
}

TEST(StoredIndex, OpensASubsetOfTheShards) {
  TwoShardIndex two;
  ASSERT_NO_FATAL_FAILURE(two.Build("range"));
  auto verified = VerifyPath(two.idx);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();

  auto all = OpenIndex(two.idx);
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(all->shard_count(), 2u);
  EXPECT_EQ(all->shard_number(0), 0u);
  EXPECT_EQ(all->shard_number(1), 1u);
  EXPECT_EQ(all->live_rows(), kRows0 + kRows1);
  EXPECT_EQ(all->manifest().shards.size(), 2u);

  StoredIndexOptions only_second;
  only_second.shards = {1};
  auto second = OpenSearchableIndex(two.idx, only_second);
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
  auto reordered = OpenSearchableIndex(two.idx, both);
  ASSERT_TRUE(reordered.ok()) << reordered.status().ToString();
  EXPECT_EQ((*reordered)->shard_count(), 2u);
  EXPECT_EQ((*reordered)->shard_number(0), 0u);
  EXPECT_EQ((*reordered)->shard_number(1), 1u);

  StoredIndexOptions past;
  past.shards = {0, 5};
  auto refused = OpenSearchableIndex(two.idx, past);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(), two.idx + ": has 2 shards, shard 5 asked for");
  past.shards = {2};
  EXPECT_EQ(OpenSearchableIndex(two.idx, past).status().message(), two.idx + ": has 2 shards, shard 2 asked for");

  // One shard: the singular.
  Fixture f = MakeFixture(50);
  const std::string one = two.dir.File("one");
  ASSERT_TRUE(testing::BuildOnOneRank(one, f.base, Metric::kL2, f.params).ok());
  StoredIndexOptions second_of_one;
  second_of_one.shards = {1};
  auto single = OpenSearchableIndex(one, second_of_one);
  ASSERT_FALSE(single.ok());
  EXPECT_EQ(single.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(single.status().message(), one + ": has 1 shard, shard 1 asked for");
}

TEST(StoredIndex, SearchPreparedMatchesSearchAndHonoursOnly) {
  TwoShardIndex two;
  ASSERT_NO_FATAL_FAILURE(two.Build("range"));
  auto index = OpenIndex(two.idx);
  ASSERT_NE(index, nullptr);
  StoredIndexOptions only_second;
  only_second.shards = {1};
  auto second = OpenSearchableIndex(two.idx, only_second);
  ASSERT_TRUE(second.ok()) << second.status().ToString();

  // Queries near either shard's data and between them.
  std::vector<float> queries = NoisyRows(4, 0.0f, 3);
  for (float center : {100.0f, 50.0f, 49.0f, 51.0f}) {
    const std::vector<float> more = NoisyRows(3, center, 4 + static_cast<std::uint64_t>(center));
    queries.insert(queries.end(), more.begin(), more.end());
  }
  std::map<std::uint64_t, std::vector<float>> live0;
  std::map<std::uint64_t, std::vector<float>> live1;
  for (std::size_t i = 0; i < kRows0; ++i) live0[i].assign(&two.data.rows0[i * kDim], &two.data.rows0[(i + 1) * kDim]);
  for (std::size_t i = 0; i < kRows1; ++i)
    live1[kRows0 + i].assign(&two.data.rows1[i * kDim], &two.data.rows1[(i + 1) * kDim]);

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
  TwoShardIndex two;
  ASSERT_NO_FATAL_FAILURE(two.Build("kmeans"));
  {
    auto index = OpenIndex(two.idx);
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(index->manifest().partition, "kmeans");
    EXPECT_EQ(index->manifest().shards[1].centroid, std::vector<float>(kDim, 100.0f));
  }
  const std::uint64_t first_new = kRows0 + kRows1;
  const std::vector<float> near1 = NoisyRows(1, 97.0f, 10);
  const std::vector<float> near0 = NoisyRows(1, 2.0f, 11);

  auto id1 = InsertIntoIndex(two.idx, near1, 1);
  ASSERT_TRUE(id1.ok()) << id1.status().ToString();
  EXPECT_EQ(*id1, first_new);
  EXPECT_TRUE(std::filesystem::exists(two.idx + "/" + ShardLogName(1, 1)));
  EXPECT_FALSE(std::filesystem::exists(two.idx + "/" + ShardLogName(0, 1)));
  auto id0 = InsertIntoIndex(two.idx, near0, 1);
  ASSERT_TRUE(id0.ok()) << id0.status().ToString();
  EXPECT_EQ(*id0, first_new + 1);
  EXPECT_TRUE(std::filesystem::exists(two.idx + "/" + ShardLogName(0, 1)));

  // One call with vectors for both shards: each goes to its own.
  std::vector<float> mixed = NoisyRows(1, 101.0f, 12);
  const std::vector<float> low = NoisyRows(1, -1.0f, 13);
  mixed.insert(mixed.end(), low.begin(), low.end());
  const std::vector<float> high = NoisyRows(1, 60.0f, 14);  // Nearer 100 than 0.
  mixed.insert(mixed.end(), high.begin(), high.end());
  auto batch = InsertIntoIndex(two.idx, mixed, 3);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(*batch, first_new + 2);

  auto index = OpenIndex(two.idx);
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
  TwoShardIndex two;
  ASSERT_NO_FATAL_FAILURE(two.Build("range"));
  std::vector<float> rows = NoisyRows(1, 0.0f, 20);  // Near shard 0's data.
  const std::vector<float> far = NoisyRows(1, 100.0f, 21);
  rows.insert(rows.end(), far.begin(), far.end());
  auto first = InsertIntoIndex(two.idx, rows, 2);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, kRows0 + kRows1);
  EXPECT_FALSE(std::filesystem::exists(two.idx + "/" + ShardLogName(0, 1)));
  auto index = OpenIndex(two.idx);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->ShardHolding(*first), std::optional<std::size_t>(1));
  EXPECT_EQ(index->ShardHolding(*first + 1), std::optional<std::size_t>(1));
  EXPECT_EQ(index->inserted_rows(), 2u);
}

}  // namespace
}  // namespace zyphyr
