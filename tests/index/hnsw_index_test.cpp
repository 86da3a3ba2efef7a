// HnswIndex behaviour: exactness at full beam, edge cases, errors,
// determinism and the graph's structural invariants.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <set>
#include <thread>

#include "src/data/synthetic.h"
#include "src/index/hnsw_builder.h"
#include "tests/index/index_test_util.h"

namespace zyphyr {
namespace {

using testing::BuildIndex;
using testing::Exact;
using testing::MakeStore;
using testing::SearchAll;

class HnswExactTest : public ::testing::TestWithParam<Metric> {};

TEST_P(HnswExactTest, FullBeamEqualsBruteForce) {
  auto base = ClusteredGaussian(400, 16, 8, 3);
  auto queries = ClusteredGaussian(50, 16, 8, 3, SampleStream::kQueries);
  ASSERT_TRUE(base.ok() && queries.ok());
  auto index = BuildIndex(*base, GetParam());
  HnswSearchOptions search{.k = 10, .ef = 400};
  auto exact = Exact(*index, *queries, 10);
  auto approx = SearchAll(*index, *queries, search);
  for (std::size_t q = 0; q < queries->n; ++q) {
    ASSERT_EQ(approx[q].size(), 10u);
    for (std::size_t i = 0; i < 10; ++i) {
      EXPECT_EQ(approx[q][i].id, exact[q][i].id) << "query " << q << " rank " << i;
      EXPECT_NEAR(approx[q][i].distance, exact[q][i].distance, 1e-4f * (1.0f + std::fabs(exact[q][i].distance)));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllMetrics, HnswExactTest,
                         ::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                         [](const auto& info) { return std::string(MetricName(info.param)); });

TEST(HnswIndex, EmptyIndexReturnsNothing) {
  auto index = HnswIndex::Build(VectorStore(8, Metric::kL2), {});
  ASSERT_TRUE(index.ok());
  EXPECT_EQ((*index)->size(), 0u);
  auto result = (*index)->Search(std::vector<float>(8, 1.0f), {});
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->empty());
}

TEST(HnswIndex, SingleVector) {
  VectorStore store(3, Metric::kL2);
  ASSERT_TRUE(store.Add(77, std::vector<float>{1, 2, 3}).ok());
  auto index = HnswIndex::Build(std::move(store), {});
  ASSERT_TRUE(index.ok());
  auto result = (*index)->Search(std::vector<float>{1, 2, 5}, {});
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ((*result)[0].id, 77u);
  EXPECT_FLOAT_EQ((*result)[0].distance, 2.0f);  // True L2, not squared.
}

TEST(HnswIndex, KLargerThanSizeReturnsAll) {
  auto base = ClusteredGaussian(25, 4, 2, 1);
  ASSERT_TRUE(base.ok());
  auto index = BuildIndex(*base, Metric::kL2);
  HnswSearchOptions search{.k = 100};
  auto result = index->Search(base->row(0), search);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->size(), 25u);
  std::set<std::uint64_t> ids;
  for (const Neighbor& n : *result) ids.insert(n.id);
  EXPECT_EQ(ids.size(), 25u);
  EXPECT_EQ((*result)[0].id, 0u);
  for (std::size_t i = 1; i < result->size(); ++i) EXPECT_LE((*result)[i - 1].distance, (*result)[i].distance);
}

TEST(HnswIndex, EfBelowKIsRaisedToK) {
  auto base = ClusteredGaussian(500, 8, 4, 2);
  ASSERT_TRUE(base.ok());
  auto index = BuildIndex(*base, Metric::kL2);
  HnswSearchOptions search{.k = 20, .ef = 5};
  EXPECT_EQ(EffectiveEf(search), 20u);
  auto result = index->Search(base->row(3), search);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->size(), 20u);
}

TEST(HnswIndex, InnerProductReportsLargestFirst) {
  VectorStore store(2, Metric::kInnerProduct);
  ASSERT_TRUE(store.Add(0, std::vector<float>{1, 0}).ok());
  ASSERT_TRUE(store.Add(1, std::vector<float>{3, 0}).ok());
  ASSERT_TRUE(store.Add(2, std::vector<float>{0, 5}).ok());
  auto index = HnswIndex::Build(std::move(store), {});
  ASSERT_TRUE(index.ok());
  auto result = (*index)->Search(std::vector<float>{2, 1}, {});
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->size(), 3u);
  EXPECT_EQ((*result)[0].id, 1u);
  EXPECT_FLOAT_EQ((*result)[0].distance, 6.0f);
  EXPECT_EQ((*result)[1].id, 2u);
  EXPECT_FLOAT_EQ((*result)[1].distance, 5.0f);
}

TEST(HnswIndex, CosineReportsAngularDistance) {
  VectorStore store(2, Metric::kCosine);
  ASSERT_TRUE(store.Add(10, std::vector<float>{2, 0}).ok());
  ASSERT_TRUE(store.Add(11, std::vector<float>{0, 7}).ok());
  auto index = HnswIndex::Build(std::move(store), {});
  ASSERT_TRUE(index.ok());
  auto result = (*index)->Search(std::vector<float>{5, 0}, {});
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->size(), 2u);
  EXPECT_EQ((*result)[0].id, 10u);
  EXPECT_NEAR((*result)[0].distance, 0.0f, 1e-6f);
  EXPECT_NEAR((*result)[1].distance, 1.0f, 1e-6f);
}

TEST(HnswIndex, BadQueriesAreRefusedWithClearErrors) {
  auto base = ClusteredGaussian(50, 4, 2, 1);
  ASSERT_TRUE(base.ok());
  auto index = BuildIndex(*base, Metric::kCosine);

  auto wrong_dim = index->Search(std::vector<float>{1, 2, 3}, {});
  ASSERT_FALSE(wrong_dim.ok());
  EXPECT_EQ(wrong_dim.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(wrong_dim.status().message(), "query has dimension 3, expected 4");

  auto nan = index->Search(std::vector<float>{1, std::nanf(""), 0, 0}, {});
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.status().message(), "query has a non-finite component (NaN) at index 1");

  auto inf = index->Search(std::vector<float>{1, 0, 0, std::numeric_limits<float>::infinity()}, {});
  ASSERT_FALSE(inf.ok());
  EXPECT_EQ(inf.status().message(), "query has a non-finite component (Inf) at index 3");

  auto zero = index->Search(std::vector<float>(4, 0.0f), {});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().message(), "query has zero norm, which the cosine metric cannot use");

  HnswSearchOptions no_k;
  no_k.k = 0;
  auto k0 = index->Search(base->row(0), no_k);
  ASSERT_FALSE(k0.ok());
  EXPECT_EQ(k0.status().message(), "k must be at least 1");
}

TEST(HnswIndex, BadMIsRefused) {
  auto index = HnswIndex::Build(VectorStore(4, Metric::kL2), HnswBuildOptions{.M = 1});
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.status().ToString(), "invalid argument: M must be between 2 and 256, got 1");
}

TEST(HnswIndex, SingleThreadedBuildIsDeterministicForASeed) {
  auto base = ClusteredGaussian(3000, 16, 8, 9);
  ASSERT_TRUE(base.ok());
  HnswBuildOptions options{.seed = 1234};
  auto a = BuildIndex(*base, Metric::kL2, options);
  auto b = BuildIndex(*base, Metric::kL2, options);
  const HnswGraph& ga = a->graph();
  const HnswGraph& gb = b->graph();
  ASSERT_EQ(ga.entry_point(), gb.entry_point());
  ASSERT_EQ(ga.max_level(), gb.max_level());
  for (std::uint32_t node = 0; node < ga.size(); ++node) {
    ASSERT_EQ(ga.level(node), gb.level(node));
    for (int level = 0; level <= ga.level(node); ++level) {
      auto la = ga.Neighbors(node, level);
      auto lb = gb.Neighbors(node, level);
      ASSERT_TRUE(std::equal(la.begin(), la.end(), lb.begin(), lb.end())) << "node " << node << " level " << level;
    }
  }
  options.seed = 99;
  auto c = BuildIndex(*base, Metric::kL2, options);
  EXPECT_FALSE(std::equal(ga.levels().begin(), ga.levels().end(), c->graph().levels().begin()));
}

TEST(HnswIndex, GraphIsStructurallyValid) {
  auto base = ClusteredGaussian(5000, 24, 10, 4);
  ASSERT_TRUE(base.ok());
  auto index = BuildIndex(*base, Metric::kL2, {.M = 8, .threads = 3});
  const HnswGraph& g = index->graph();
  ASSERT_NE(g.entry_point(), kNoNode);
  EXPECT_EQ(g.level(g.entry_point()), g.max_level());
  std::size_t reachable_from_links = 0;
  for (std::uint32_t node = 0; node < g.size(); ++node) {
    EXPECT_LE(g.level(node), g.max_level());
    for (int level = 0; level <= g.level(node); ++level) {
      auto links = g.Neighbors(node, level);
      EXPECT_LE(links.size(), g.MaxDegree(level));
      if (level == 0) {
        EXPECT_GE(links.size(), 1u) << "node " << node << " isolated on level 0";
      }
      std::set<std::uint32_t> unique(links.begin(), links.end());
      EXPECT_EQ(unique.size(), links.size()) << "duplicate link at node " << node;
      for (std::uint32_t n : links) {
        ASSERT_LT(n, g.size());
        EXPECT_NE(n, node) << "self loop";
        EXPECT_GE(g.level(n), level) << "link to a node absent from level " << level;
      }
      reachable_from_links += links.size();
    }
  }
  EXPECT_GT(reachable_from_links, g.size());
}

TEST(HnswIndex, NodesChooseUpTo2MLevel0Neighbours) {
  // Each node chooses up to 2M level-0 neighbours itself. Choosing M (the
  // paper, hnswlib) left the nodes that few later insertions link back to
  // near M links: on these rows 805 of 3,000 nodes ended with at most M
  // level-0 links and 628 with 2M; choosing 2M gives 369 and 1,451. (Blocks
  // still shrink below 2M when a back-link overfills them: the heuristic
  // keeps only the directions it finds.)
  constexpr std::size_t kM = 8;
  auto base = ClusteredGaussian(3000, 128, 1, 7);
  ASSERT_TRUE(base.ok());
  auto index = BuildIndex(*base, Metric::kL2, {.M = kM, .threads = 1});
  const HnswGraph& g = index->graph();
  std::size_t at_most_m = 0;
  std::size_t full = 0;
  for (std::uint32_t node = 0; node < g.size(); ++node) {
    const std::size_t degree = g.Neighbors(node, 0).size();
    at_most_m += degree <= kM;
    full += degree == 2 * kM;
  }
  EXPECT_LT(at_most_m, g.size() / 6);
  EXPECT_GT(full, g.size() / 3);
}

TEST(HnswIndex, ABuildWhereNoNodeHasUpperLevelsLinksEveryNode) {
  // The builder inserts nodes with upper levels first; here there are none,
  // so the first node alone comes first and the rest follow it, all from it.
  constexpr std::size_t kRows = 60;
  constexpr std::size_t kM = 256;
  std::uint64_t seed = 1;
  const auto all_zero = [](const std::vector<std::uint8_t>& levels) {
    return std::all_of(levels.begin(), levels.end(), [](std::uint8_t l) { return l == 0; });
  };
  while (!all_zero(DrawLevels(kRows, kM, seed))) ++seed;
  auto base = ClusteredGaussian(kRows, 8, 3, 2);
  ASSERT_TRUE(base.ok());
  auto index = BuildIndex(*base, Metric::kL2, {.M = kM, .threads = 2, .seed = seed});
  const HnswGraph& g = index->graph();
  ASSERT_EQ(g.max_level(), 0);
  // Every node is reachable from the entry point over level-0 links.
  std::vector<bool> reached(kRows, false);
  std::vector<std::uint32_t> frontier = {g.entry_point()};
  reached[g.entry_point()] = true;
  while (!frontier.empty()) {
    const std::uint32_t node = frontier.back();
    frontier.pop_back();
    for (std::uint32_t next : g.Neighbors(node, 0)) {
      if (!reached[next]) {
        reached[next] = true;
        frontier.push_back(next);
      }
    }
  }
  EXPECT_EQ(std::count(reached.begin(), reached.end(), true), static_cast<std::ptrdiff_t>(kRows));
  // A beam narrower than the index (a full one would scan every node).
  auto queries = ClusteredGaussian(20, 8, 3, 2, SampleStream::kQueries);
  ASSERT_TRUE(queries.ok());
  EXPECT_GE(testing::IdOverlapRecall(Exact(*index, *queries, 5), SearchAll(*index, *queries, HnswSearchOptions{5, 16})),
            0.95);
}

TEST(HnswIndex, LevelsFollowGeometricDistribution) {
  auto levels = DrawLevels(200000, 16, 5);
  std::size_t above0 = 0;
  for (std::uint8_t l : levels) above0 += l > 0;
  // P(level >= 1) = 1/M.
  EXPECT_NEAR(static_cast<double>(above0) / levels.size(), 1.0 / 16, 0.003);
}

TEST(HnswIndex, ConcurrentSearchesMatchSequentialResults) {
  auto base = ClusteredGaussian(4000, 32, 8, 21);
  auto queries = ClusteredGaussian(64, 32, 8, 21, SampleStream::kQueries);
  ASSERT_TRUE(base.ok() && queries.ok());
  auto index = BuildIndex(*base, Metric::kL2, {.threads = 2});
  HnswSearchOptions search{.ef = 40};
  auto expected = SearchAll(*index, *queries, search);

  constexpr int kThreads = 4;
  std::vector<std::vector<std::vector<Neighbor>>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        got[t].clear();
        for (std::size_t q = 0; q < queries->n; ++q) {
          auto r = index->Search(queries->row(q), search);
          got[t].push_back(r.ok() ? *r : std::vector<Neighbor>{});
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(got[t], expected) << "thread " << t;
}

}  // namespace
}  // namespace zyphyr

namespace zyphyr {
namespace {

TEST(HnswIndex, ProgressReachesTotalAndAllThreadsMeansHardware) {
  auto base = ClusteredGaussian(5000, 8, 4, 8);
  ASSERT_TRUE(base.ok());
  std::atomic<std::size_t> last{0};
  std::atomic<std::size_t> total{0};
  HnswBuildOptions options;
  options.threads = 0;
  options.progress = [&](std::size_t done, std::size_t of) {
    std::size_t seen = last.load();
    while (done > seen && !last.compare_exchange_weak(seen, done)) {
    }
    total = of;
  };
  auto index = testing::BuildIndex(*base, Metric::kL2, options);
  EXPECT_EQ(index->size(), 5000u);
  EXPECT_EQ(last.load(), 5000u);
  EXPECT_EQ(total.load(), 5000u);
}

}  // namespace
}  // namespace zyphyr
