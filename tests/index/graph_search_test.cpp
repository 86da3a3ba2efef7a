// SearchGraph's level-0 beam search expanding several candidates at a time:
// the width schedule, the batch bound of the Scorer contract, and results
// against brute force at every width.
#include "src/index/graph_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "src/data/synthetic.h"
#include "src/index/hnsw_graph.h"
#include "tests/index/index_test_util.h"

namespace zyphyr {
namespace {

using testing::BuildIndex;

TEST(ExpansionWidth, OneBelowEf16ThenEfOver8UpTo4) {
  for (std::size_t ef : {1u, 2u, 10u, 15u}) EXPECT_EQ(ExpansionWidth(ef), 1u) << ef;
  EXPECT_EQ(ExpansionWidth(16), 2u);
  EXPECT_EQ(ExpansionWidth(23), 2u);
  EXPECT_EQ(ExpansionWidth(24), 3u);
  EXPECT_EQ(ExpansionWidth(31), 3u);
  for (std::size_t ef : {32u, 64u, 500u}) EXPECT_EQ(ExpansionWidth(ef), kMaxExpansionWidth) << ef;
}

TEST(SearchGraph, FindsTheNeighboursAtEveryExpansionWidth) {
  auto base = ClusteredGaussian(3000, 16, 8, 4);
  ASSERT_TRUE(base.ok());
  auto index = BuildIndex(*base, Metric::kL2, {.M = 8, .ef_construction = 64});
  auto queries = ClusteredGaussian(50, 16, 8, 4, SampleStream::kQueries);
  ASSERT_TRUE(queries.ok());
  const auto exact = testing::Exact(*index, *queries, 10);
  // Widths 1, 2, 3, 4, 4, and the least recall each must reach (measured:
  // 0.88, 0.946, 0.986, 0.992, 1).
  const std::pair<std::size_t, double> runs[] = {{10, 0.85}, {16, 0.92}, {24, 0.97}, {32, 0.98}, {64, 0.995}};
  for (const auto& [ef, least] : runs) {
    EXPECT_GE(testing::IdOverlapRecall(exact, testing::SearchAll(*index, *queries, HnswSearchOptions{10, ef})), least)
        << "ef " << ef;
  }
}

// Distance = node number; records every batch asked for.
class NodeNumberScorer {
 public:
  float Distance(std::uint32_t node) const { return static_cast<float>(node); }
  void Prefetch(std::uint32_t) const {}
  void Distances(const std::uint32_t* nodes, std::size_t n, float* out) const {
    batches.push_back(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = Distance(nodes[i]);
  }
  mutable std::vector<std::size_t> batches;
};

TEST(SearchGraph, AStepOverFullBlocksSplitsItsDistancesIntoBatchesOfTheBound) {
  // Node 0 (the entry) links to nodes 1..2M; node i of those links to the
  // 2M pool nodes of set (i - 1) mod 4, four sets of 2M nodes after them.
  constexpr std::size_t kLinks = 2 * kMaxM;
  constexpr std::size_t kPool = 4 * kLinks;
  constexpr std::size_t kNodes = 1 + kLinks + kPool;
  HnswGraph graph(kMaxM, std::vector<std::uint8_t>(kNodes, 0));
  std::uint32_t* entry = graph.MutableBlock(0, 0);
  entry[0] = kLinks;
  for (std::uint32_t j = 0; j < kLinks; ++j) entry[1 + j] = 1 + j;
  for (std::uint32_t i = 1; i <= kLinks; ++i) {
    std::uint32_t* block = graph.MutableBlock(i, 0);
    block[0] = kLinks;
    const std::uint32_t first = 1 + kLinks + ((i - 1) % 4) * kLinks;
    for (std::uint32_t j = 0; j < kLinks; ++j) block[1 + j] = first + j;
  }
  graph.set_entry_point(0, 0);
  VisitedPool pool(kNodes);
  NodeNumberScorer scorer;
  std::vector<ScoredNode> found;
  SearchGraph(graph.view(), scorer, 32, {}, pool, &found);
  // Step 1 expands the entry (one batch of 2M); step 2 expands nodes 1-4
  // together, whose 4 x 2M unvisited neighbours come in four batches of 2M.
  ASSERT_GE(scorer.batches.size(), 5u);
  for (std::size_t b = 0; b < 5; ++b) EXPECT_EQ(scorer.batches[b], kLinks) << "batch " << b;
  EXPECT_LE(*std::max_element(scorer.batches.begin(), scorer.batches.end()), kLinks);
  // And the result is exact: the 32 smallest node numbers.
  ASSERT_EQ(found.size(), 32u);
  for (std::uint32_t i = 0; i < 32; ++i) EXPECT_EQ(found[i].node, i);
}

}  // namespace
}  // namespace zyphyr
