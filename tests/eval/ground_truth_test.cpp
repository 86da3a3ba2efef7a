#include "src/eval/ground_truth.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace zyphyr {
namespace {

// The oracle: every distance in double, in index order, all rows sorted by
// (distance, id). l2 is ranked by the squared sum and reported as its root.
struct Naive {
  std::size_t k = 0;
  std::vector<std::int64_t> ids;
  std::vector<float> distances;
};

Naive NaiveGroundTruth(const std::vector<float>& train, const std::vector<float>& queries, std::size_t dim,
                       Metric metric, std::size_t k) {
  const std::size_t n = train.size() / dim;
  const std::size_t nq = queries.size() / dim;
  Naive out;
  out.k = std::min(k, n);
  for (std::size_t q = 0; q < nq; ++q) {
    std::vector<std::pair<double, std::int64_t>> all;
    for (std::size_t i = 0; i < n; ++i) {
      double l2 = 0.0, dot = 0.0, qq = 0.0, xx = 0.0;
      for (std::size_t j = 0; j < dim; ++j) {
        double a = queries[q * dim + j];
        double b = train[i * dim + j];
        l2 += (a - b) * (a - b);
        dot += a * b;
        qq += a * a;
        xx += b * b;
      }
      double d = 0.0;
      if (metric == Metric::kL2) d = l2;
      if (metric == Metric::kInnerProduct) d = -dot;
      if (metric == Metric::kCosine) d = 1.0 - dot / (std::sqrt(qq) * std::sqrt(xx));
      all.emplace_back(d, static_cast<std::int64_t>(i));
    }
    std::sort(all.begin(), all.end());
    for (std::size_t i = 0; i < out.k; ++i) {
      out.ids.push_back(all[i].second);
      double d = all[i].first;
      if (metric == Metric::kL2) d = std::sqrt(d);
      if (metric == Metric::kInnerProduct) d = -d;
      out.distances.push_back(static_cast<float>(d));
    }
  }
  return out;
}

std::vector<float> RandomVectors(std::size_t rows, std::size_t dim, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(rows * dim);
  for (float& x : v) x = normal(rng);
  return v;
}

// Tight clusters far from the origin: |x|^2 is about dim * offset^2 while
// neighbours are about dim * 2 * spread^2 apart, so float dot products cannot
// tell them apart and almost everything rests on the exact re-evaluation.
std::vector<float> ClusteredVectors(std::size_t rows, std::size_t dim, std::size_t clusters, float offset, float spread,
                                    std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> centers(clusters * dim);
  for (float& x : centers) x = normal(rng);
  std::uniform_int_distribution<std::size_t> pick(0, clusters - 1);
  std::vector<float> v(rows * dim);
  for (std::size_t i = 0; i < rows; ++i) {
    const std::size_t c = pick(rng);
    for (std::size_t j = 0; j < dim; ++j) v[i * dim + j] = offset + centers[c * dim + j] + spread * normal(rng);
  }
  return v;
}

GroundTruthOptions Options(std::size_t k, std::size_t threads, std::size_t block_rows) {
  GroundTruthOptions options;
  options.k = k;
  options.threads = threads;
  options.train_block_rows = block_rows;
  return options;
}

void ExpectMatchesNaive(const std::vector<float>& train, const std::vector<float>& queries, std::size_t dim,
                        Metric metric, const GroundTruthOptions& options) {
  Result<GroundTruth> got = ComputeGroundTruth(train, queries, dim, metric, options);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  Naive want = NaiveGroundTruth(train, queries, dim, metric, options.k);
  EXPECT_EQ(got->queries, queries.size() / dim);
  EXPECT_EQ(got->k, want.k);
  ASSERT_EQ(got->ids.size(), want.ids.size());
  ASSERT_EQ(got->distances.size(), want.distances.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < want.ids.size() && mismatches < 10; ++i) {
    if (got->ids[i] != want.ids[i] || got->distances[i] != want.distances[i]) {
      ++mismatches;
      ADD_FAILURE() << MetricName(metric) << " query " << i / want.k << " rank " << i % want.k << ": got id "
                    << got->ids[i] << " distance " << got->distances[i] << ", want id " << want.ids[i] << " distance "
                    << want.distances[i];
    }
  }
}

const Metric kMetrics[] = {Metric::kL2, Metric::kCosine, Metric::kInnerProduct};

// ExpectMatchesNaive under every metric.
void ExpectMatchesNaiveUnderEveryMetric(const std::vector<float>& train, const std::vector<float>& queries,
                                        std::size_t dim, const GroundTruthOptions& options) {
  for (Metric metric : kMetrics) {
    SCOPED_TRACE(MetricName(metric));
    ExpectMatchesNaive(train, queries, dim, metric, options);
  }
}

TEST(GroundTruthTest, MatchesNaiveOnRandomData) {
  const std::size_t dim = 13;
  std::vector<float> train = RandomVectors(500, dim, 1);
  std::vector<float> queries = RandomVectors(37, dim, 2);
  ExpectMatchesNaiveUnderEveryMetric(train, queries, dim, Options(10, 2, 64));
  ExpectMatchesNaiveUnderEveryMetric(train, queries, dim, Options(100, 1, 16384));
}

TEST(GroundTruthTest, KLargerThanTrainRowsClamps) {
  const std::size_t dim = 5;
  std::vector<float> train = RandomVectors(6, dim, 3);
  std::vector<float> queries = RandomVectors(4, dim, 4);
  for (Metric metric : kMetrics) {
    SCOPED_TRACE(MetricName(metric));
    Result<GroundTruth> got = ComputeGroundTruth(train, queries, dim, metric, Options(10, 1, 4));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->k, 6u);
    EXPECT_EQ(got->ids.size(), 4u * 6u);
    ExpectMatchesNaive(train, queries, dim, metric, Options(10, 1, 4));
  }
}

TEST(GroundTruthTest, TiesAreBrokenByTheSmallerId) {
  // Rows 0 and 2 coincide with the query; rows 1, 3 and 4 are all at distance 1.
  std::vector<float> train = {0, 0, 1, 0, 0, 0, -1, 0, 1, 0};
  std::vector<float> queries = {0, 0};
  Result<GroundTruth> got = ComputeGroundTruth(train, queries, 2, Metric::kL2, Options(5, 1, 2));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->ids, (std::vector<std::int64_t>{0, 2, 1, 3, 4}));
  EXPECT_EQ(got->distances, (std::vector<float>{0, 0, 1, 1, 1}));

  // Only 2 of the 3 tied rows fit: the smaller ids win.
  got = ComputeGroundTruth(train, queries, 2, Metric::kL2, Options(4, 1, 2));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->ids, (std::vector<std::int64_t>{0, 2, 1, 3}));
}

TEST(GroundTruthTest, ExactDuplicatesMatchNaive) {
  const std::size_t dim = 8;
  std::vector<float> base = RandomVectors(40, dim, 5);
  std::vector<float> train;
  for (int copy = 0; copy < 5; ++copy) train.insert(train.end(), base.begin(), base.end());
  std::vector<float> queries(base.begin(), base.begin() + 6 * dim);  // Queries equal to some rows.
  std::vector<float> extra = RandomVectors(6, dim, 6);
  queries.insert(queries.end(), extra.begin(), extra.end());
  ExpectMatchesNaiveUnderEveryMetric(train, queries, dim, Options(12, 2, 7));
}

TEST(GroundTruthTest, BlockSizesThatDoNotDivideTheTrainSet) {
  const std::size_t dim = 9;
  std::vector<float> train = RandomVectors(100, dim, 7);
  std::vector<float> queries = RandomVectors(11, dim, 8);
  for (std::size_t block_rows :
       {std::size_t{1}, std::size_t{7}, std::size_t{33}, std::size_t{100}, std::size_t{1000}}) {
    SCOPED_TRACE(block_rows);
    ExpectMatchesNaiveUnderEveryMetric(train, queries, dim, Options(15, 2, block_rows));
  }
}

TEST(GroundTruthTest, MultiThreadedEqualsSingleThreaded) {
  const std::size_t dim = 24;
  std::vector<float> train = ClusteredVectors(3000, dim, 10, 3.0f, 0.3f, 9);
  std::vector<float> queries = ClusteredVectors(200, dim, 10, 3.0f, 0.3f, 10);
  for (Metric metric : kMetrics) {
    SCOPED_TRACE(MetricName(metric));
    Result<GroundTruth> one = ComputeGroundTruth(train, queries, dim, metric, Options(20, 1, 700));
    Result<GroundTruth> three = ComputeGroundTruth(train, queries, dim, metric, Options(20, 3, 700));
    ASSERT_TRUE(one.ok()) << one.status().ToString();
    ASSERT_TRUE(three.ok()) << three.status().ToString();
    EXPECT_EQ(one->ids, three->ids);
    EXPECT_EQ(one->distances, three->distances);
    ExpectMatchesNaive(train, queries, dim, metric, Options(20, 3, 700));
  }
}

TEST(GroundTruthTest, LargeOffsetClusteredDataMatchesNaiveExactly) {
  // |x|^2 is about 1e6 while neighbours are about 2 apart (squared): the
  // float GEMM is off by more than the gaps between neighbours, so this
  // passes only if the error bound sends every close call to the exact path.
  const std::size_t dim = 96;
  std::vector<float> train = ClusteredVectors(20000, dim, 50, 100.0f, 0.1f, 11);
  std::vector<float> queries = ClusteredVectors(200, dim, 50, 100.0f, 0.1f, 12);
  // Some exact duplicates of train rows among the queries and the rows.
  std::copy(train.begin(), train.begin() + 10 * dim, queries.begin());
  std::copy(train.begin() + 5 * dim, train.begin() + 6 * dim, train.begin() + 19000 * dim);
  ExpectMatchesNaiveUnderEveryMetric(train, queries, dim, Options(100, 2, 4096));
}

TEST(GroundTruthTest, TinyAndHugeMagnitudesMatchNaive) {
  // Products of 1e-21-sized components underflow float; 1e19-sized ones
  // overflow it (the GEMM gives Inf), which must fall back to the exact path.
  const std::size_t dim = 16;
  for (float scale : {1e-21f, 1e19f}) {
    SCOPED_TRACE(scale);
    std::vector<float> train = RandomVectors(300, dim, 13);
    std::vector<float> queries = RandomVectors(9, dim, 14);
    for (float& x : train) x *= scale;
    for (float& x : queries) x *= scale;
    ExpectMatchesNaiveUnderEveryMetric(train, queries, dim, Options(10, 2, 64));
  }
}

TEST(GroundTruthTest, StreamsThroughTheReaderInOrder) {
  const std::size_t dim = 6;
  std::vector<float> train = RandomVectors(50, dim, 15);
  std::vector<float> queries = RandomVectors(3, dim, 16);
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  RowReader reader = [&](std::size_t begin, std::size_t count, std::span<float> out) {
    calls.emplace_back(begin, count);
    EXPECT_EQ(out.size(), count * dim);
    std::memcpy(out.data(), train.data() + begin * dim, count * dim * sizeof(float));
    return Status::Ok();
  };
  Result<GroundTruth> got = ComputeGroundTruth(reader, 50, queries, dim, Metric::kL2, Options(5, 1, 16));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(calls, (std::vector<std::pair<std::size_t, std::size_t>>{{0, 16}, {16, 16}, {32, 16}, {48, 2}}));
  Naive want = NaiveGroundTruth(train, queries, dim, Metric::kL2, 5);
  EXPECT_EQ(got->ids, want.ids);
  EXPECT_EQ(got->distances, want.distances);
}

TEST(GroundTruthTest, ReaderErrorsPropagateUnchanged) {
  const std::size_t dim = 4;
  std::vector<float> queries = RandomVectors(2, dim, 17);
  std::size_t calls = 0;
  RowReader reader = [&](std::size_t begin, std::size_t count, std::span<float> out) {
    ++calls;
    if (begin >= 20) return Status::IOError("train.fvecs: short read at row " + std::to_string(begin));
    std::fill(out.begin(), out.end(), 1.0f);
    (void)count;
    return Status::Ok();
  };
  Result<GroundTruth> got = ComputeGroundTruth(reader, 40, queries, dim, Metric::kL2, Options(3, 2, 10));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kIOError);
  EXPECT_EQ(got.status().message(), "train.fvecs: short read at row 20");
  EXPECT_EQ(calls, 3u);
}

TEST(GroundTruthTest, ProgressReportsEveryBlock) {
  const std::size_t dim = 3;
  std::vector<float> train = RandomVectors(25, dim, 18);
  std::vector<float> queries = RandomVectors(2, dim, 19);
  GroundTruthOptions options = Options(4, 2, 10);
  std::vector<std::pair<std::size_t, std::size_t>> seen;
  options.progress = [&](std::size_t done, std::size_t total) { seen.emplace_back(done, total); };
  Result<GroundTruth> got = ComputeGroundTruth(train, queries, dim, Metric::kL2, options);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(seen, (std::vector<std::pair<std::size_t, std::size_t>>{{10, 25}, {20, 25}, {25, 25}}));
}

Status Refusal(std::vector<float> train, std::vector<float> queries, std::size_t dim, Metric metric,
               GroundTruthOptions options) {
  Result<GroundTruth> got = ComputeGroundTruth(train, queries, dim, metric, options);
  EXPECT_FALSE(got.ok());
  if (got.ok()) return Status::Ok();
  EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
  return got.status();
}

TEST(GroundTruthTest, RefusesBadArguments) {
  const std::vector<float> train = {1, 2, 3, 4, 5, 6};
  const std::vector<float> query = {1, 1, 1};
  const GroundTruthOptions ok = Options(2, 1, 16);
  EXPECT_EQ(Refusal(train, query, 0, Metric::kL2, ok).message(), "ground truth: dimension must be at least 1");
  EXPECT_EQ(Refusal(train, query, 3, Metric::kL2, Options(0, 1, 16)).message(), "ground truth: k must be at least 1");
  EXPECT_EQ(Refusal({}, query, 3, Metric::kL2, ok).message(), "ground truth: the train set has no rows");
  EXPECT_EQ(Refusal(train, query, 3, Metric::kL2, Options(2, 1, 0)).message(),
            "ground truth: train_block_rows must be at least 1");
  EXPECT_EQ(Refusal(train, {1, 2, 3, 4}, 3, Metric::kL2, ok).message(),
            "ground truth: 4 query floats is not a multiple of the dimension 3");
  EXPECT_EQ(Refusal(train, {}, 3, Metric::kL2, ok).message(), "ground truth: no queries");
  EXPECT_EQ(Refusal({1, 2, 3, 4, 5}, query, 3, Metric::kL2, ok).message(),
            "ground truth: 5 train floats is not a multiple of the dimension 3");

  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(Refusal(train, {1, 1, 1, 1, nan, 1}, 3, Metric::kL2, ok).message(),
            "query 1 has a non-finite component (NaN) at index 1");
  EXPECT_EQ(Refusal(train, {1, 1, 1, 1, 1, 1, 1, 1, -inf}, 3, Metric::kInnerProduct, ok).message(),
            "query 2 has a non-finite component (Inf) at index 2");
  EXPECT_EQ(Refusal(train, {1, 1, 1, 0, 0, 0}, 3, Metric::kCosine, ok).message(),
            "query 1 has zero norm, which the cosine metric cannot use");

  std::vector<float> rows(20 * 3, 1.0f);
  rows[17 * 3 + 0] = 0.0f;
  rows[17 * 3 + 1] = 0.0f;
  rows[17 * 3 + 2] = 0.0f;
  EXPECT_EQ(Refusal(rows, query, 3, Metric::kCosine, Options(2, 2, 8)).message(),
            "train row 17 has zero norm, which the cosine metric cannot use");
  rows[17 * 3 + 2] = inf;
  EXPECT_EQ(Refusal(rows, query, 3, Metric::kL2, Options(2, 2, 8)).message(),
            "train row 17 has a non-finite component (Inf) at index 2");
}

TEST(GroundTruthTest, ZeroRowsAreFineOutsideCosine) {
  std::vector<float> train = {0, 0, 0, 1, 2, 3, 0, 0, 0};
  std::vector<float> queries = {1, 1, 1, 0, 0, 0};
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
    SCOPED_TRACE(MetricName(metric));
    ExpectMatchesNaive(train, queries, 3, metric, Options(3, 1, 2));
  }
}

}  // namespace
}  // namespace zyphyr
