#include "src/index/brute_force.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "tests/data/uniform_rows.h"

namespace zyphyr {
namespace {

std::vector<float> RandomRows(std::size_t n, std::size_t dim, std::uint64_t seed) {
  return testing::UniformRows<std::mt19937_64>(n, dim, seed);
}

VectorStore MakeStore(const std::vector<float>& rows, std::size_t dim, Metric metric) {
  VectorStore store(dim, metric);
  std::vector<std::uint64_t> ids(rows.size() / dim);
  std::iota(ids.begin(), ids.end(), 0);
  EXPECT_TRUE(store.AddBatch(ids, rows).ok());
  return store;
}

// The reported distance of a to b computed naively in double precision.
double NaiveReported(Metric metric, const float* a, const float* b, std::size_t dim) {
  double dot = 0, aa = 0, bb = 0, l2 = 0;
  for (std::size_t j = 0; j < dim; ++j) {
    dot += double{a[j]} * b[j];
    aa += double{a[j]} * a[j];
    bb += double{b[j]} * b[j];
    l2 += (double{a[j]} - b[j]) * (double{a[j]} - b[j]);
  }
  switch (metric) {
    case Metric::kL2:
      return std::sqrt(l2);
    case Metric::kInnerProduct:
      return dot;
    case Metric::kCosine:
      return 1.0 - dot / std::sqrt(aa * bb);
  }
  return 0;
}

class BruteForceMetricTest : public ::testing::TestWithParam<Metric> {};

TEST_P(BruteForceMetricTest, MatchesNaiveDoubleLoop) {
  const Metric metric = GetParam();
  const std::size_t n = 300, dim = 19, num_queries = 12, k = 7;  // Odd dimension: padded rows.
  std::vector<float> rows = RandomRows(n, dim, 1);
  std::vector<float> queries = RandomRows(num_queries, dim, 2);
  VectorStore store = MakeStore(rows, dim, metric);

  Result<std::vector<std::vector<Neighbor>>> got = ExactSearch(store, queries, k, 3);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), num_queries);
  for (std::size_t q = 0; q < num_queries; ++q) {
    // Naive: nearest first in "smaller is closer" orientation, ties by id.
    std::vector<std::pair<double, std::uint64_t>> all;
    for (std::size_t i = 0; i < n; ++i) {
      double r = NaiveReported(metric, &queries[q * dim], &rows[i * dim], dim);
      all.push_back({metric == Metric::kInnerProduct ? -r : r, i});
    }
    std::sort(all.begin(), all.end());
    ASSERT_EQ((*got)[q].size(), k);
    for (std::size_t j = 0; j < k; ++j) {
      const Neighbor& nb = (*got)[q][j];
      EXPECT_EQ(nb.id, all[j].second) << "query " << q << " rank " << j;
      double want = metric == Metric::kInnerProduct ? -all[j].first : all[j].first;
      EXPECT_NEAR(nb.distance, want, 1e-4) << "query " << q << " rank " << j;
    }
  }
}

TEST_P(BruteForceMetricTest, KAboveSizeReturnsEveryRow) {
  const Metric metric = GetParam();
  std::vector<float> rows = RandomRows(5, 4, 3);
  VectorStore store = MakeStore(rows, 4, metric);
  std::vector<float> query = RandomRows(1, 4, 4);
  Result<std::vector<std::vector<Neighbor>>> got = ExactSearch(store, query, 50, 1);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ((*got)[0].size(), 5u);
  for (std::size_t j = 1; j < 5; ++j) {
    float prev = (*got)[0][j - 1].distance, cur = (*got)[0][j].distance;
    if (metric == Metric::kInnerProduct) {
      EXPECT_GE(prev, cur);
    } else {
      EXPECT_LE(prev, cur);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllMetrics, BruteForceMetricTest,
                         ::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                         [](const auto& info) { return std::string(MetricName(info.param)); });

TEST(BruteForceTest, TiesAreBrokenById) {
  // Rows at the same distance from the query, stored with ids out of order.
  VectorStore store(2, Metric::kL2);
  std::vector<std::uint64_t> ids = {40, 10, 30, 20, 5};
  std::vector<float> rows = {1, 0, 0, 1, -1, 0, 0, -1, 3, 3};
  ASSERT_TRUE(store.AddBatch(ids, rows).ok());
  std::vector<float> query = {0, 0};
  Result<std::vector<std::vector<Neighbor>>> got = ExactSearch(store, query, 3, 1);
  ASSERT_TRUE(got.ok());
  std::vector<Neighbor> want = {{1.0f, 10}, {1.0f, 20}, {1.0f, 30}};
  EXPECT_EQ((*got)[0], want);
}

TEST(BruteForceTest, EmptyStoreAndNoQueries) {
  VectorStore empty(3, Metric::kL2);
  std::vector<float> query = {1, 2, 3};
  Result<std::vector<std::vector<Neighbor>>> got = ExactSearch(empty, query, 4, 2);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_TRUE((*got)[0].empty());
  Result<std::vector<std::vector<Neighbor>>> none = ExactSearch(empty, {}, 4, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(BruteForceTest, RejectsBadInput) {
  std::vector<float> rows = RandomRows(4, 3, 5);
  VectorStore store = MakeStore(rows, 3, Metric::kCosine);
  std::vector<float> ok = {1, 2, 3};
  EXPECT_EQ(ExactSearch(store, ok, 0, 1).status().ToString(), "invalid argument: exact search: k must be at least 1");
  std::vector<float> ragged = {1, 2, 3, 4};
  EXPECT_EQ(ExactSearch(store, ragged, 1, 1).status().ToString(),
            "invalid argument: exact search: 4 query floats is not a multiple of the dimension 3");
  std::vector<float> with_nan = {1, 2, 3, 1, NAN, 3};
  EXPECT_EQ(ExactSearch(store, with_nan, 1, 1).status().ToString(),
            "invalid argument: query 1 has a non-finite component (NaN) at index 1");
  std::vector<float> zero = {0, 0, 0};
  EXPECT_EQ(ExactSearch(store, zero, 1, 1).status().ToString(),
            "invalid argument: query 0 has zero norm, which the cosine metric cannot use");
}

}  // namespace
}  // namespace zyphyr
