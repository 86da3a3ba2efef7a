#include "src/eval/latency.h"

#include <vector>

#include <gtest/gtest.h>

namespace zyphyr {
namespace {

TEST(LatencyTest, NearestRankOnTenSamples) {
  std::vector<double> s = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(*NearestRankPercentile(s, 50), 5);    // ceil(5) = rank 5.
  EXPECT_EQ(*NearestRankPercentile(s, 51), 6);    // ceil(5.1) = rank 6.
  EXPECT_EQ(*NearestRankPercentile(s, 95), 10);   // ceil(9.5) = rank 10.
  EXPECT_EQ(*NearestRankPercentile(s, 10), 1);
  EXPECT_EQ(*NearestRankPercentile(s, 0.1), 1);   // Rank clamps to 1.
  EXPECT_EQ(*NearestRankPercentile(s, 100), 10);
}

TEST(LatencyTest, WholeRanksAreNotRoundedUpByBinaryError) {
  std::vector<double> s(1000);
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<double>(i + 1);
  EXPECT_EQ(*NearestRankPercentile(s, 99.9), 999);  // 0.999 * 1000 is not exactly 999 in binary.
  EXPECT_EQ(*NearestRankPercentile(s, 99), 990);
  EXPECT_EQ(*NearestRankPercentile(s, 95), 950);
  std::vector<double> hundred(s.begin(), s.begin() + 100);
  EXPECT_EQ(*NearestRankPercentile(hundred, 99.9), 100);  // Fewer than 1000: the maximum.
}

TEST(LatencyTest, RejectsEmptyAndOutOfRange) {
  std::vector<double> s = {1};
  EXPECT_FALSE(NearestRankPercentile({}, 50).ok());
  EXPECT_FALSE(NearestRankPercentile(s, 0).ok());
  EXPECT_FALSE(NearestRankPercentile(s, 100.5).ok());
  EXPECT_FALSE(SummarizeLatencies({}).ok());
}

TEST(LatencyTest, SummarySortsItsInput) {
  std::vector<double> s = {4, 1, 3, 2};
  Result<LatencySummary> sum = SummarizeLatencies(s);
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->count, 4u);
  EXPECT_DOUBLE_EQ(sum->mean, 2.5);
  EXPECT_EQ(sum->min, 1);
  EXPECT_EQ(sum->p50, 2);
  EXPECT_EQ(sum->p95, 4);
  EXPECT_EQ(sum->p99, 4);
  EXPECT_EQ(sum->p999, 4);
  EXPECT_EQ(sum->max, 4);
}

}  // namespace
}  // namespace zyphyr
