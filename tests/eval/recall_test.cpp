#include "src/eval/recall.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace zyphyr {
namespace {

// One-dimensional points 0, 1, ..., 9; the query sits at 0 (l2 distance of
// row i is i). With k = 3 the true distances are 0, 1, 2, so t_k = 2.
struct LineFixture {
  std::vector<float> rows = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<float> queries = {0};
  std::vector<std::vector<float>> truth = {{0, 1, 2}};
  RecallVectors vectors{rows, queries, 1, Metric::kL2};
  RecallOptions options{3, kRecallEpsilon};

  double Recall(std::vector<std::uint64_t> ids) {
    std::vector<std::vector<std::uint64_t>> returned = {std::move(ids)};
    Result<RecallReport> r = ComputeRecall(vectors, truth, returned, options);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->recall : -1.0;
  }
};

TEST(RecallTest, ExactHitsAnyOrder) {
  LineFixture f;
  EXPECT_DOUBLE_EQ(f.Recall({0, 1, 2}), 1.0);
  EXPECT_DOUBLE_EQ(f.Recall({2, 0, 1}), 1.0);
  EXPECT_DOUBLE_EQ(f.Recall({0, 1, 5}), 2.0 / 3.0);
}

TEST(RecallTest, TieWithinEpsilonCounts) {
  LineFixture f;
  f.rows[5] = 2.0005f;  // Not a true neighbour, but within 1e-3 of t_k.
  EXPECT_DOUBLE_EQ(f.Recall({0, 1, 5}), 1.0);
  f.rows[5] = -2.0f;  // An exact tie on the other side.
  EXPECT_DOUBLE_EQ(f.Recall({0, 5, 2}), 1.0);
}

TEST(RecallTest, BeyondEpsilonMisses) {
  LineFixture f;
  f.rows[5] = 2.002f;
  EXPECT_DOUBLE_EQ(f.Recall({0, 1, 5}), 2.0 / 3.0);
}

TEST(RecallTest, FewerThanKResultsAreMisses) {
  LineFixture f;
  EXPECT_DOUBLE_EQ(f.Recall({0}), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(f.Recall({}), 0.0);
}

TEST(RecallTest, OnlyTheFirstKCount) {
  LineFixture f;
  EXPECT_DOUBLE_EQ(f.Recall({7, 8, 9, 0, 1, 2}), 0.0);
}

TEST(RecallTest, DistancesAreRecomputedNotTrusted) {
  // The returned ids matter, not any distance an engine claims.
  std::vector<std::vector<float>> truth = {{1.0f}};
  std::vector<std::vector<std::uint64_t>> returned = {{7}};
  RecallOptions opts{1, kRecallEpsilon};
  auto far = [](std::size_t, std::uint64_t) { return 5.0; };
  auto near = [](std::size_t, std::uint64_t) { return 1.0; };
  EXPECT_DOUBLE_EQ(ComputeRecall(Metric::kL2, truth, returned, far, opts)->recall, 0.0);
  EXPECT_DOUBLE_EQ(ComputeRecall(Metric::kL2, truth, returned, near, opts)->recall, 1.0);
}

TEST(RecallTest, MeanOverQueries) {
  std::vector<float> rows = {0, 1, 2, 3};
  std::vector<float> queries = {0, 3};
  std::vector<std::vector<float>> truth = {{0, 1}, {0, 1}};
  std::vector<std::vector<std::uint64_t>> returned = {{0, 1}, {3, 0}};
  RecallOptions opts{2, kRecallEpsilon};
  Result<RecallReport> r = ComputeRecall(RecallVectors{rows, queries, 1, Metric::kL2}, truth, returned, opts);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->recall, 0.75);
  EXPECT_EQ(r->per_query, (std::vector<double>{1.0, 0.5}));
}

TEST(RecallTest, InnerProductUsesDistanceOrientation) {
  // Larger <q, x> is closer; reported true distances are inner products.
  std::vector<float> rows = {1, 0, 0.9f, 0, 0.8995f, 0, 0.5f, 0};
  std::vector<float> queries = {1, 0};
  std::vector<std::vector<float>> truth = {{1.0f, 0.9f}};
  RecallVectors v{rows, queries, 2, Metric::kInnerProduct};
  RecallOptions opts{2, kRecallEpsilon};
  std::vector<std::vector<std::uint64_t>> tie = {{0, 2}};   // 0.8995 within 1e-3 of 0.9.
  std::vector<std::vector<std::uint64_t>> miss = {{0, 3}};  // 0.5 is far.
  EXPECT_DOUBLE_EQ(ComputeRecall(v, truth, tie, opts)->recall, 1.0);
  EXPECT_DOUBLE_EQ(ComputeRecall(v, truth, miss, opts)->recall, 0.5);
}

TEST(RecallTest, CosineIsAngularDistance) {
  std::vector<float> a = {1, 0};
  std::vector<float> b = {0, 3};
  std::vector<float> c = {-2, 0};
  EXPECT_NEAR(RecallDistance(Metric::kCosine, a, a), 0.0, 1e-12);
  EXPECT_NEAR(RecallDistance(Metric::kCosine, a, b), 1.0, 1e-12);
  EXPECT_NEAR(RecallDistance(Metric::kCosine, a, c), 2.0, 1e-12);
  EXPECT_NEAR(RecallDistance(Metric::kL2, a, b), std::sqrt(10.0), 1e-12);
  EXPECT_NEAR(RecallDistance(Metric::kInnerProduct, a, c), 2.0, 1e-12);
  std::vector<float> zero = {0, 0};
  EXPECT_TRUE(std::isnan(RecallDistance(Metric::kCosine, a, zero)));
}

TEST(RecallTest, RejectsBadInput) {
  LineFixture f;
  std::vector<std::vector<std::uint64_t>> out_of_range = {{0, 1, 10}};
  EXPECT_EQ(ComputeRecall(f.vectors, f.truth, out_of_range, f.options).status().ToString(),
            "out of range: recall: query 0 returned id 10, data set has 10 rows");
  std::vector<std::vector<std::uint64_t>> two_queries = {{0}, {0}};
  EXPECT_EQ(ComputeRecall(f.vectors, f.truth, two_queries, f.options).status().ToString(),
            "invalid argument: recall: results for 2 queries, ground truth for 1");
  std::vector<std::vector<std::uint64_t>> ok = {{0, 1, 2}};
  RecallOptions k4{4, kRecallEpsilon};  // Only 3 true distances.
  EXPECT_EQ(ComputeRecall(f.vectors, f.truth, ok, k4).status().ToString(),
            "invalid argument: recall: query 0 has 3 true distances, k is 4");
  RecallOptions k0{0, kRecallEpsilon};
  EXPECT_EQ(ComputeRecall(f.vectors, f.truth, ok, k0).status().ToString(),
            "invalid argument: recall: k must be at least 1");
}

TEST(RecallTest, IdOverlapOverReturnedIds) {
  // Two queries, k 2 of 3 true ids each: the first finds both (in any
  // order), the second one; ids past the first k returned do not count.
  const std::vector<std::int64_t> truth = {4, 2, 9, 1, 3, 8};
  const std::vector<std::vector<std::uint64_t>> returned = {{2, 4}, {3, 7, 1}};
  EXPECT_DOUBLE_EQ(IdOverlapRecall(returned, truth, 3, 2), 0.5 * (1.0 + 0.5));
  const std::vector<std::vector<std::uint64_t>> short_lists = {{4}, {}};
  EXPECT_DOUBLE_EQ(IdOverlapRecall(short_lists, truth, 3, 2), 0.25);
  EXPECT_DOUBLE_EQ(IdOverlapRecall(std::span<const std::vector<std::uint64_t>>(), truth, 3, 2), 0.0);
  // The same figure as over TopKLists.
  TopKLists lists(2, 2);
  const std::vector<Neighbor> first = {{0.1f, 2}, {0.2f, 4}}, second = {{0.1f, 3}, {0.2f, 7}};
  lists.Set(0, first);
  lists.Set(1, second);
  EXPECT_DOUBLE_EQ(IdOverlapRecall(lists, truth, 3, 2), 0.75);
}

TEST(RecallTest, ReportedDistanceRecallCountsTiesAndUnusedSlotsAsMisses) {
  // Two queries, k 2, 3 true distances each (row-major). Query 0 returns a
  // tie of its 2nd true distance under another id (a hit) and one within
  // 1e-3; query 1 one hit, then an unused slot (a miss).
  const std::vector<float> truth = {1.0f, 2.0f, 3.0f, 0.5f, 0.75f, 0.9f};
  TopKLists found(2, 3);
  const std::vector<Neighbor> first = {{2.0f, 7}, {2.0009f, 8}, {2.5f, 9}}, second = {{0.5f, 1}};
  found.Set(0, first);
  found.Set(1, second);
  EXPECT_DOUBLE_EQ(ReportedDistanceRecall(Metric::kL2, found, truth, 3, 2), (2.0 + 1.0) / 4.0);
  // Only the first k slots count: query 0's third (2.5) would miss anyway.
  EXPECT_DOUBLE_EQ(ReportedDistanceRecall(Metric::kL2, found, truth, 3, 1), 0.5);  // 2.0 > 1.0 + 1e-3.
  EXPECT_DOUBLE_EQ(ReportedDistanceRecall(Metric::kL2, TopKLists(), truth, 3, 2), 0.0);
}

TEST(RecallTest, ReportedDistanceRecallUnderIpIsLargerIsNearer) {
  // Reported ip distances are <q, x>: the k-th true one is the smallest kept.
  const std::vector<float> truth = {9.0f, 8.0f};
  TopKLists found(1, 2);
  const std::vector<Neighbor> hit = {{9.0f, 1}, {8.0f, 2}}, miss = {{9.0f, 1}, {7.0f, 3}};
  found.Set(0, hit);
  EXPECT_DOUBLE_EQ(ReportedDistanceRecall(Metric::kInnerProduct, found, truth, 2, 2), 1.0);
  found.Set(0, miss);
  EXPECT_DOUBLE_EQ(ReportedDistanceRecall(Metric::kInnerProduct, found, truth, 2, 2), 0.5);
}

TEST(RecallTest, SplitsSearchResults) {
  std::vector<std::vector<Neighbor>> results = {{{0.5f, 3}, {0.75f, 1}}, {}};
  EXPECT_EQ(DistancesOf(results), (std::vector<std::vector<float>>{{0.5f, 0.75f}, {}}));
  EXPECT_EQ(IdsOf(results), (std::vector<std::vector<std::uint64_t>>{{3, 1}, {}}));
}

}  // namespace
}  // namespace zyphyr
