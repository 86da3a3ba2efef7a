// The distributed engine on 1-4 ranks: build (range and k-means), exact and
// approximate search against brute force, routing, and every failure
// reaching every rank with the same message.
// Over 400 lines: one mpirun binary (its own list in tests/CMakeLists.txt); splitting it would add an mpirun
// launch per file to the suite.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "builder/open_index.h"
#include "builder/train_rows.h"
#include "io/ann_dataset_writer.h"
#include "io/vector_file_writer.h"
#include "mpi/communicator.h"
#include "mpi/distributed_build.h"
#include "mpi/distributed_index.h"
#include "mpi/query_pipeline.h"
#include "mpi/shard_assignment.h"
#include "src/core/vector_store.h"
#include "src/data/synthetic.h"
#include "src/index/brute_force.h"
#include "src/index/hnsw_index.h"
#include "storage/stored_index.h"
#include "tests/builder/one_rank_build.h"
#include "tests/mpi/ranks/ranks_env.h"

namespace zyphyr::testing_ranks {
namespace {

struct TestData {
  std::string path;
  std::vector<float> train;
  std::vector<float> test;
  std::size_t dim = 0;
};

// Every rank generates the same data; rank 0 writes the file.
TestData MakeData(const SharedScratch& scratch, const std::string& name, Metric metric, std::size_t n, std::size_t dim,
                  std::size_t queries, std::size_t clusters, std::uint64_t seed) {
  TestData d;
  d.path = scratch.File(name);
  d.dim = dim;
  d.train = ClusteredGaussian(n, dim, clusters, seed).value().rows;
  d.test = ClusteredGaussian(queries, dim, clusters, seed, SampleStream::kQueries).value().rows;
  Status st;
  if (world->is_root()) {
    Result<AnnDatasetWriter> writer = AnnDatasetWriter::Create(d.path, AnnDatasetLayout{metric, dim, n, queries});
    st = writer.status();
    if (st.ok()) st = writer->WriteTrainRows(0, d.train);
    if (st.ok()) st = writer->WriteTestRows(0, d.test);
    if (st.ok()) st = writer->Commit();
  }
  EXPECT_TRUE(world->Agree(st).ok()) << st.ToString();
  return d;
}

std::vector<std::vector<Neighbor>> BruteForce(const TestData& d, Metric metric, std::size_t k) {
  VectorStore store(d.dim, metric);
  const std::size_t n = d.train.size() / d.dim;
  std::vector<std::uint64_t> ids(n);
  std::iota(ids.begin(), ids.end(), std::uint64_t{0});
  EXPECT_TRUE(store.AddBatch(ids, d.train).ok());
  return ExactSearch(store, d.test, k, 1).value();
}

double Recall(const TopKLists& found, const std::vector<std::vector<Neighbor>>& truth, std::size_t k) {
  std::size_t hits = 0;
  for (std::size_t q = 0; q < truth.size(); ++q) {
    std::set<std::uint64_t> ids;
    for (const Neighbor& nb : found.Get(q)) ids.insert(nb.id);
    for (std::size_t j = 0; j < k; ++j) hits += ids.count(truth[q][j].id);
  }
  return static_cast<double>(hits) / static_cast<double>(truth.size() * k);
}

DistributedBuildParams Params(const TestData& d, const std::string& index, std::size_t shards,
                              const std::string& partition) {
  return testing::FileBuildParams(d.path, index, shards, partition, 8, 64, 7);
}

std::size_t Ranks() { return static_cast<std::size_t>(world->size()); }

// On rank 0, n query rows of `stride` floats whose first component is the
// row number (so a test's LocalSearch can tell queries apart); empty elsewhere.
std::vector<float> NumberedQueries(std::size_t n, std::size_t stride) {
  std::vector<float> queries(world->is_root() ? n * stride : 0, 0.0f);
  for (std::size_t q = 0; q < queries.size() / stride; ++q) queries[q * stride] = static_cast<float>(q);
  return queries;
}

std::string RankPrefix(int rank) { return world->size() > 1 ? "rank " + std::to_string(rank) + ": " : ""; }

TEST(DistributedRanks, ExactModeEqualsBruteForceForEveryMetric) {
  SharedScratch scratch;
  for (Metric metric : {Metric::kL2, Metric::kCosine, Metric::kInnerProduct}) {
    const std::string name(MetricName(metric));
    const TestData d = MakeData(scratch, name + ".hdf5", metric, 700, 12, 40, 6, 11);
    for (std::size_t shards : {Ranks(), 2 * Ranks() + 1}) {
      const std::string dir = scratch.File(name + "-" + std::to_string(shards) + ".idx");
      Result<DistributedBuildReport> built = DistributedBuild(*world, Params(d, dir, shards, "range"));
      ASSERT_TRUE(built.ok()) << built.status().ToString();
      Result<std::unique_ptr<DistributedIndex>> index = DistributedIndex::Open(*world, dir, 1);
      ASSERT_TRUE(index.ok()) << index.status().ToString();
      EXPECT_EQ((*index)->manifest().shards.size(), shards);
      DistributedSearchOptions options;
      options.k = 10;
      options.ef = 700;  // >= every shard's rows: exact.
      options.batch = 16;
      Result<DistributedSearchResult> run =
          (*index)->Search(world->is_root() ? std::span<const float>(d.test) : std::span<const float>(), options);
      ASSERT_TRUE(run.ok()) << run.status().ToString();
      if (!world->is_root()) continue;
      const auto truth = BruteForce(d, metric, 10);
      for (std::size_t q = 0; q < truth.size(); ++q) {
        const std::vector<Neighbor> got = run->lists.Get(q);
        ASSERT_EQ(got.size(), 10u);
        for (std::size_t j = 0; j < 10; ++j) {
          EXPECT_EQ(got[j].id, truth[q][j].id) << name << " shards " << shards << " query " << q << " rank " << j;
          EXPECT_NEAR(got[j].distance, truth[q][j].distance, 1e-4 * (1 + std::fabs(truth[q][j].distance)));
        }
      }
    }
  }
}

TEST(DistributedRanks, RecallAtLeastTheSingleIndexAtTheSameEf) {
  SharedScratch scratch;
  const TestData d = MakeData(scratch, "recall.hdf5", Metric::kL2, 4000, 16, 200, 12, 5);
  const std::string dir = scratch.File("recall.idx");
  ASSERT_TRUE(DistributedBuild(*world, Params(d, dir, Ranks(), "range")).ok());
  Result<std::unique_ptr<DistributedIndex>> index = DistributedIndex::Open(*world, dir, 1);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  for (std::size_t ef : {10, 16, 32}) {
    DistributedSearchOptions options;
    options.k = 10;
    options.ef = ef;
    Result<DistributedSearchResult> run =
        (*index)->Search(world->is_root() ? std::span<const float>(d.test) : std::span<const float>(), options);
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    if (!world->is_root()) continue;
    VectorStore store(d.dim, Metric::kL2);
    std::vector<std::uint64_t> ids(4000);
    std::iota(ids.begin(), ids.end(), std::uint64_t{0});
    ASSERT_TRUE(store.AddBatch(ids, d.train).ok());
    HnswBuildOptions build;
    build.M = 8;
    build.ef_construction = 64;
    build.seed = 7;
    auto single = HnswIndex::Build(std::move(store), build).value();
    TopKLists single_lists(200, 10);
    for (std::size_t q = 0; q < 200; ++q) {
      single_lists.Set(q, single->Search(std::span<const float>(d.test).subspan(q * 16, 16), {10, ef}).value());
    }
    const auto truth = BruteForce(d, Metric::kL2, 10);
    const double distributed = Recall(run->lists, truth, 10);
    const double alone = Recall(single_lists, truth, 10);
    EXPECT_GE(distributed, alone) << "ef " << ef << " on " << Ranks() << " ranks";
    std::printf("[ recall   ] ef %zu: %zu ranks %.4f, single index %.4f\n", ef, Ranks(), distributed, alone);
  }
}

TEST(DistributedRanks, KMeansPartitionHoldsEveryRowOnceAndRoutes) {
  SharedScratch scratch;
  const TestData d = MakeData(scratch, "km.hdf5", Metric::kL2, 3000, 16, 200, 8, 9);
  const std::size_t shards = Ranks() + 1;
  const std::string dir = scratch.File("km.idx");
  Result<DistributedBuildReport> built = DistributedBuild(*world, Params(d, dir, shards, "kmeans"));
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  Result<std::unique_ptr<DistributedIndex>> index = DistributedIndex::Open(*world, dir, 1);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  const IndexManifest& m = (*index)->manifest();
  EXPECT_EQ(m.partition, "kmeans");
  ASSERT_EQ(m.shards.size(), shards);
  for (const ManifestShard& s : m.shards) EXPECT_EQ(s.centroid.size(), 16u);

  if (world->is_root()) {
    // Every row in exactly one shard, and in the shard of its nearest centroid.
    Result<std::unique_ptr<StoredIndex>> all = OpenSearchableIndex(dir);
    ASSERT_TRUE(all.ok());
    std::vector<int> seen(3000, 0);
    for (std::size_t i = 0; i < (*all)->shard_count(); ++i) {
      for (std::uint64_t id : (*all)->shard(i).ids()) {
        ASSERT_LT(id, 3000u);
        ++seen[id];
        float best = INFINITY;
        std::size_t nearest = 0;
        for (std::size_t c = 0; c < shards; ++c) {
          float dist = 0;
          for (std::size_t j = 0; j < 16; ++j) {
            const float diff = d.train[id * 16 + j] - m.shards[c].centroid[j];
            dist += diff * diff;
          }
          if (dist < best) best = dist, nearest = c;
        }
        EXPECT_EQ(nearest, i) << "row " << id;
      }
    }
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 3000);
  }

  const auto search = [&](std::size_t nprobe) {
    DistributedSearchOptions options;
    options.k = 10;
    options.ef = 48;
    options.nprobe = nprobe;
    options.batch = 32;
    Result<DistributedSearchResult> run =
        (*index)->Search(world->is_root() ? std::span<const float>(d.test) : std::span<const float>(), options);
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    return run.ok() ? std::move(*run) : DistributedSearchResult();
  };
  const DistributedSearchResult broadcast = search(0);
  const DistributedSearchResult every = search(shards);
  const DistributedSearchResult one = search(1);
  if (world->is_root()) {
    EXPECT_EQ(every.lists, broadcast.lists);  // Routing to every shard is broadcast.
    EXPECT_EQ(one.shards_per_query, 1.0);
    const auto truth = BruteForce(d, Metric::kL2, 10);
    const double routed = Recall(one.lists, truth, 10);
    const double all = Recall(broadcast.lists, truth, 10);
    std::printf("[ routed   ] %zu shards: nprobe 1 recall %.4f, broadcast %.4f\n", shards, routed, all);
    EXPECT_GE(all, 0.95);
    EXPECT_GE(routed, 0.85);
  }
}

TEST(DistributedRanks, SearchFailureOnOneRankStopsEveryRankWithOneMessage) {
  SharedScratch scratch;
  for (int failing : {world->size() - 1, 0}) {
    // Query q's first component is q, so a rank can fail from query 300 on.
    const std::size_t stride = 16;
    const std::vector<float> queries = NumberedQueries(500, stride);
    LocalSearch search = [failing](const float* query, std::span<const std::uint32_t>, std::size_t, std::size_t,
                                   std::vector<Neighbor>* out) {
      out->clear();
      if (world->rank() == failing && query[0] >= 300.0f) {
        return Status::IOError("injected failure at query " + std::to_string(static_cast<int>(query[0])));
      }
      out->push_back({query[0], static_cast<std::uint64_t>(world->rank())});
      return Status::Ok();
    };
    PipelineOptions options{.k = 4, .batch = 64, .stride = stride, .shards = Ranks()};
    Result<PipelineResult> run = RunQueryPipeline(*world, queries, {}, options, search);
    ASSERT_FALSE(run.ok());
    EXPECT_EQ(run.status().code(), StatusCode::kIOError);
    EXPECT_EQ(run.status().message(), RankPrefix(failing) + "injected failure at query 300");
  }
}

TEST(DistributedRanks, PipelineMergesEveryRanksResultsInQueryOrder) {
  const std::size_t n = 333;  // Not a multiple of the batch.
  const std::size_t stride = 16;
  const std::vector<float> queries = NumberedQueries(n, stride);
  // Rank r answers id q * 10 + r at distance r (rank 0 nearest).
  LocalSearch search = [](const float* query, std::span<const std::uint32_t>, std::size_t, std::size_t,
                          std::vector<Neighbor>* out) {
    out->assign(1, Neighbor{static_cast<float>(world->rank()),
                            static_cast<std::uint64_t>(query[0]) * 10 + static_cast<std::uint64_t>(world->rank())});
    return Status::Ok();
  };
  PipelineOptions options{.k = 3, .batch = 50, .stride = stride, .shards = Ranks()};
  Result<PipelineResult> run = RunQueryPipeline(*world, queries, {}, options, search);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  if (!world->is_root()) return;
  ASSERT_EQ(run->lists.queries, n);
  for (std::size_t q = 0; q < n; ++q) {
    const std::vector<Neighbor> got = run->lists.Get(q);
    ASSERT_EQ(got.size(), std::min<std::size_t>(3, Ranks()));
    for (std::size_t j = 0; j < got.size(); ++j) {
      EXPECT_EQ(got[j].id, q * 10 + j);
      EXPECT_EQ(got[j].distance, static_cast<float>(j));
    }
    EXPECT_GT(run->latency_seconds[q], 0.0);
  }
}

TEST(DistributedRanks, OpenFailsOnEveryRankWhenTheLastRanksShardIsDamaged) {
  SharedScratch scratch;
  const TestData d = MakeData(scratch, "bad.hdf5", Metric::kL2, 400, 8, 10, 4, 3);
  const std::string dir = scratch.File("bad.idx");
  ASSERT_TRUE(DistributedBuild(*world, Params(d, dir, Ranks(), "range")).ok());
  const std::string last = dir + "/" + ShardFileName(Ranks() - 1, 1);
  if (world->is_root()) {
    EXPECT_EQ(::truncate(last.c_str(), 1000), 0);
  }
  (void)world->Agree(Status::Ok());
  Result<std::unique_ptr<DistributedIndex>> index = DistributedIndex::Open(*world, dir, 1);
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(index.status().message().rfind(RankPrefix(world->size() - 1) + last + ": truncated: 1000 bytes", 0), 0u)
      << index.status().message();

  if (world->is_root()) std::filesystem::remove(last);
  (void)world->Agree(Status::Ok());
  index = DistributedIndex::Open(*world, dir, 1);
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.status().message().rfind(RankPrefix(world->size() - 1) + last + ": ", 0), 0u)
      << index.status().message();
}

// A build from a row file: each rank reads the file's header and its own
// rows (EvenPart), nothing else, and the shards keep the uint8 rows.
TEST(DistributedRanks, EachRankReadsOnlyItsRowsOfARowFile) {
  SharedScratch scratch;
  constexpr std::size_t kRows = 1000, kDim = 12;
  const std::string path = scratch.File("base.u8bin");
  std::vector<float> rows(kRows * kDim);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<float>((i * 37 + i / kDim) % 256);
  Status st;
  if (world->is_root()) st = WriteVectorFile(path, kDim, rows);
  ASSERT_TRUE(world->Agree(st).ok()) << st.ToString();
  DistributedBuildParams params = testing::FileBuildParams(path, scratch.File("idx"), Ranks(), "range", 8, 32, 7);
  params.metric = Metric::kL2;
  Result<DistributedBuildReport> built = DistributedBuild(*world, params);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  const IndexRange mine = EvenPart(kRows, Ranks(), static_cast<std::size_t>(world->rank()));
  EXPECT_EQ(built->bytes_read, 8 + mine.size() * kDim) << "rank " << world->rank();
  if (world->is_root()) {
    EXPECT_EQ(built->manifest.element_type, ElementType::kUint8);
  }
}

TEST(DistributedRanks, RefusesFewerShardsThanRanks) {
  if (world->size() == 1) GTEST_SKIP() << "needs several ranks";
  SharedScratch scratch;
  const TestData d = MakeData(scratch, "few.hdf5", Metric::kL2, 300, 8, 10, 4, 3);
  const std::string dir = scratch.File("few.idx");
  Result<DistributedBuildReport> built = DistributedBuild(*world, Params(d, dir, Ranks() - 1, "range"));
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().message(), "--shards " + std::to_string(Ranks() - 1) + " is fewer than the " +
                                          std::to_string(Ranks()) + " ranks (each rank builds at least one shard)");
  EXPECT_FALSE(std::filesystem::exists(dir));
  (void)world->Agree(Status::Ok());  // Every rank has looked before rank 0 builds there.

  // An index of one shard, built alone, searched on several ranks.
  Status st;
  if (world->is_root()) {
    DistributedBuildParams alone_params;
    alone_params.index = dir;
    alone_params.rows = InMemoryRows{d.train, 8, Metric::kL2};
    Communicator alone;
    st = DistributedBuild(alone, alone_params).status();
  }
  ASSERT_TRUE(world->Agree(st).ok());
  Result<std::unique_ptr<DistributedIndex>> index = DistributedIndex::Open(*world, dir, 1);
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.status().message(), dir + " has 1 shard, fewer than the " + std::to_string(Ranks()) +
                                          " ranks (each rank searches at least one shard; run with at most 1 rank)");
}

TEST(DistributedRanks, BuildRefusalsReachEveryRankAndLeaveNothing) {
  SharedScratch scratch;
  const TestData d = MakeData(scratch, "refuse.hdf5", Metric::kL2, 200, 8, 10, 4, 3);
  const std::string dir = scratch.File("refuse.idx");
  Result<DistributedBuildReport> built = DistributedBuild(*world, Params(d, dir, 0, "hash"));
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().message(), "--partition must be range or kmeans, got 'hash'");
  built = DistributedBuild(*world, Params(d, dir, 201, "range"));
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().message(), "--shards 201 exceeds the 200 rows of " + d.path);
  DistributedBuildParams missing = Params(d, dir, 0, "range");
  missing.data = scratch.File("missing.hdf5");
  built = DistributedBuild(*world, missing);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir));
  for (const auto& entry : std::filesystem::directory_iterator(scratch.path())) {
    EXPECT_EQ(entry.path().extension(), ".hdf5") << "left behind: " << entry.path();
  }
  ASSERT_TRUE(DistributedBuild(*world, Params(d, dir, 0, "range")).ok());
  built = DistributedBuild(*world, Params(d, dir, 0, "range"));
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().message(), dir + ": already exists (remove it or choose another --index)");
}

TEST(DistributedRanks, SearchRefusesRoutingARangeIndex) {
  SharedScratch scratch;
  const TestData d = MakeData(scratch, "range.hdf5", Metric::kL2, 200, 8, 10, 4, 3);
  const std::string dir = scratch.File("range.idx");
  ASSERT_TRUE(DistributedBuild(*world, Params(d, dir, 0, "range")).ok());
  Result<std::unique_ptr<DistributedIndex>> index = DistributedIndex::Open(*world, dir, 1);
  ASSERT_TRUE(index.ok());
  DistributedSearchOptions options;
  options.nprobe = 1;
  Result<DistributedSearchResult> run =
      (*index)->Search(world->is_root() ? std::span<const float>(d.test) : std::span<const float>(), options);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().message(),
            "--nprobe needs an index built with --partition kmeans (" + dir + " is partitioned by range)");
}

TEST(DistributedRanks, AgreeReportsTheLowestFailingRank) {
  const int r = world->rank();
  Status mine = r % 2 == 1 ? Status::NotFound("fail " + std::to_string(r)) : Status::Ok();
  Status agreed = world->Agree(mine);
  const int failing = world->size() / 2;  // Ranks 1, 3, ...
  if (failing == 0) {
    EXPECT_TRUE(agreed.ok());
    return;
  }
  EXPECT_EQ(agreed.code(), StatusCode::kNotFound);
  std::string expected = "rank 1: fail 1";
  if (failing > 1)
    expected += " (and " + std::to_string(failing - 1) + " other rank" + (failing == 2 ? "" : "s") + " failed)";
  EXPECT_EQ(agreed.message(), expected);
}

}  // namespace
}  // namespace zyphyr::testing_ranks
