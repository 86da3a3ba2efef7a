#include "src/eval/search_run.h"

#include <atomic>
#include <vector>

#include <gtest/gtest.h>

namespace zyphyr {
namespace {

// Rows 0..9 on a line; queries at 0 and 9; true distances of their 2-NN.
struct Fixture {
  std::vector<float> rows = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<float> queries = {0, 9};
  std::vector<std::vector<float>> truth = {{0, 1}, {0, 1}};
  RecallVectors vectors{rows, queries, 1, Metric::kL2};
  RecallOptions options{2, kRecallEpsilon};
};

TEST(SearchRunTest, MeasuresRecallOfWhatTheSearchReturns) {
  Fixture f;
  // Query 0 gets both right; query 1 gets one of two.
  Result<SearchRunResult> run =
      MeasureSearch(f.vectors, f.truth, f.options, [](std::size_t q, std::vector<std::uint64_t>* ids) {
        *ids = q == 0 ? std::vector<std::uint64_t>{0, 1} : std::vector<std::uint64_t>{9, 2};
        return Status::Ok();
      });
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_DOUBLE_EQ(run->recall, 0.75);
  EXPECT_EQ(run->latency.count, 2u);
  EXPECT_GT(run->qps, 0.0);
  // ann-benchmarks' QPS of these times: 1 / their mean.
  EXPECT_DOUBLE_EQ(run->qps, 1.0 / run->latency.mean);
  EXPECT_LE(run->latency.p50, run->latency.p99);
  ASSERT_EQ(run->latencies.size(), 2u);
  EXPECT_GE(run->latencies[0], 0.0);
  ASSERT_EQ(run->returned.size(), 2u);
  EXPECT_EQ(run->returned[1], (std::vector<std::uint64_t>{9, 2}));
}

TEST(SearchRunTest, MultiThreadedThroughputRunsEveryQueryOnce) {
  std::vector<std::atomic<int>> calls(1000);
  Result<double> qps = MeasureThroughput(calls.size(), 4, [&](std::size_t q, std::vector<std::uint64_t>* ids) {
    calls[q].fetch_add(1);
    ids->assign(1, q);
    return Status::Ok();
  });
  ASSERT_TRUE(qps.ok()) << qps.status().ToString();
  EXPECT_GT(*qps, 0.0);
  for (const std::atomic<int>& c : calls) EXPECT_EQ(c.load(), 1);
}

TEST(SearchRunTest, MultiThreadedThroughputReportsTheFirstError) {
  Result<double> qps = MeasureThroughput(100, 3, [](std::size_t q, std::vector<std::uint64_t>*) {
    if (q == 50) return Status::InvalidArgument("query 50 has dimension 3, expected 1");
    return Status::Ok();
  });
  ASSERT_FALSE(qps.ok());
  EXPECT_EQ(qps.status().message(), "query 50 has dimension 3, expected 1");
  EXPECT_EQ(MeasureThroughput(0, 1, {}).status().message(), "no queries to measure");
}

TEST(SearchRunTest, StopsAtTheFirstSearchError) {
  Fixture f;
  std::size_t calls = 0;
  Result<SearchRunResult> run =
      MeasureSearch(f.vectors, f.truth, f.options, [&](std::size_t, std::vector<std::uint64_t>*) {
        ++calls;
        return Status::InvalidArgument("query has dimension 3, expected 1");
      });
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().ToString(), "invalid argument: query has dimension 3, expected 1");
  EXPECT_EQ(calls, 1u);
}

}  // namespace
}  // namespace zyphyr
