// SearchGraph's level-0 beam search expanding several candidates at a time:
// the width schedule, the batch bound of the Scorer contract, and results
// against brute force at every width.
#include "src/index/graph_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
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

// 3,000 clustered 16-d rows under l2 (M 8, efConstruction 64) and `queries`
// queries from the same mixture.
struct ClusteredIndex {
  std::unique_ptr<HnswIndex> index;
  Dataset queries;
};
ClusteredIndex MakeClusteredIndex(std::size_t queries) {
  auto base = ClusteredGaussian(3000, 16, 8, 4);
  auto query_rows = ClusteredGaussian(queries, 16, 8, 4, SampleStream::kQueries);
  EXPECT_TRUE(base.ok() && query_rows.ok());
  return {BuildIndex(*base, Metric::kL2, {.M = 8, .ef_construction = 64}), std::move(*query_rows)};
}

TEST(SearchGraph, FindsTheNeighboursAtEveryExpansionWidth) {
  const auto [index, queries] = MakeClusteredIndex(50);
  const auto exact = testing::Exact(*index, queries, 10);
  // Widths 1, 2, 3, 4, 4, and the least recall each must reach (measured:
  // 0.88, 0.946, 0.986, 0.992, 1).
  const std::pair<std::size_t, double> runs[] = {{10, 0.85}, {16, 0.92}, {24, 0.97}, {32, 0.98}, {64, 0.995}};
  for (const auto& [ef, least] : runs) {
    EXPECT_GE(testing::IdOverlapRecall(exact, testing::SearchAll(*index, queries, HnswSearchOptions{10, ef})), least)
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

// Squared L2 distance to a query over a store's rows; records every node it
// scores.
class RecordingL2Scorer {
 public:
  RecordingL2Scorer(const VectorStore& store, const float* query) : store_(store), query_(query) {}
  float Distance(std::uint32_t node) const {
    const float* row = store_.row(node);
    float sum = 0.0f;
    for (std::size_t d = 0; d < store_.dim(); ++d) sum += (row[d] - query_[d]) * (row[d] - query_[d]);
    scored[node] = sum;
    return sum;
  }
  void Prefetch(std::uint32_t) const {}
  void Distances(const std::uint32_t* nodes, std::size_t n, float* out) const {
    for (std::size_t i = 0; i < n; ++i) out[i] = Distance(nodes[i]);
  }
  mutable std::map<std::uint32_t, float> scored;

 private:
  const VectorStore& store_;
  const float* query_;
};

TEST(SearchGraph, KeepAddsTheNearestScoredNodesOutsideTheBeamWithoutChangingIt) {
  const auto [index, queries] = MakeClusteredIndex(20);
  const std::size_t n = index->size();
  // The index's level 0 alone, so that every node the search scores is scored
  // by the beam search (a descent through upper levels scores nodes too).
  HnswGraph flat(8, std::vector<std::uint8_t>(n, 0));
  const HnswGraphView built = index->graph().view();
  for (std::uint32_t node = 0; node < n; ++node) {
    std::uint32_t scratch[2 * kMaxM];
    std::uint32_t count = 0;
    const std::uint32_t* links = built.Level0Neighbors(node, scratch, &count);
    std::uint32_t* block = flat.MutableBlock(node, 0);
    block[0] = count;
    std::copy(links, links + count, block + 1);
  }
  flat.set_entry_point(index->graph().entry_point(), 0);
  // Every third node excluded in the second pass: spilled nodes obey it too.
  std::vector<std::uint8_t> excluded(n, 0);
  for (std::size_t i = 0; i < excluded.size(); i += 3) excluded[i] = 1;
  VisitedPool pool(n);
  for (const bool filtered : {false, true}) {
    const std::span<const std::uint8_t> skip =
        filtered ? std::span<const std::uint8_t>(excluded) : std::span<const std::uint8_t>();
    for (std::size_t q = 0; q < queries.n; ++q) {
      for (const auto& [ef, keep] : {std::pair<std::size_t, std::size_t>{10, 20}, {16, 17}, {24, 100}}) {
        RecordingL2Scorer plain_scorer(index->store(), queries.row(q).data());
        std::vector<ScoredNode> beam;
        SearchGraph(flat.view(), plain_scorer, ef, skip, pool, &beam);
        RecordingL2Scorer scorer(index->store(), queries.row(q).data());
        std::vector<ScoredNode> kept;
        SearchGraph(flat.view(), scorer, ef, keep, skip, pool, &kept);
        EXPECT_EQ(scorer.scored, plain_scorer.scored) << "the traversal changed";
        ASSERT_EQ(beam.size(), ef);
        // The beam first, then the nearest other scored (and not excluded) nodes.
        std::vector<ScoredNode> want = beam;
        std::vector<ScoredNode> rest;
        for (const auto& [node, distance] : scorer.scored) {
          const std::uint32_t scored_node = node;  // clang 14 cannot capture a structured binding.
          const bool in_beam =
              std::any_of(beam.begin(), beam.end(), [&](const ScoredNode& b) { return b.node == scored_node; });
          if (!in_beam && !(filtered && excluded[node])) rest.push_back({distance, node});
        }
        std::sort(rest.begin(), rest.end(), NearerFirst{});
        ASSERT_GE(rest.size(), keep - ef);
        want.insert(want.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(keep - ef));
        testing::ExpectSameNodes(kept, want);
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

}  // namespace
}  // namespace zyphyr
