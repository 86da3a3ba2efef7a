#include "src/eval/memory_usage.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace zyphyr {
namespace {

TEST(MemoryUsageTest, PeakMemoryIsPositive) {
  Result<std::size_t> rss = PeakRssBytes();
  ASSERT_TRUE(rss.ok());
  EXPECT_GT(*rss, 0u);
  Result<std::size_t> hwm = VmHwmBytes();
  ASSERT_TRUE(hwm.ok()) << hwm.status().ToString();
  EXPECT_GT(*hwm, 0u);
}

TEST(MemoryUsageTest, HighWaterMarkGrowsWithTouchedMemory) {
  Result<std::size_t> before = VmHwmBytes();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  const std::size_t extra = *before + (64u << 20);
  std::vector<char> block(extra);
  std::memset(block.data(), 1, block.size());
  Result<std::size_t> after = VmHwmBytes();
  ASSERT_TRUE(after.ok());
  EXPECT_GE(*after, extra);  // The block alone is resident.
  Result<std::size_t> peak = PeakRssBytes();
  ASSERT_TRUE(peak.ok());
  EXPECT_GE(*peak, extra);
  EXPECT_EQ(block[extra - 1], 1);
}

TEST(MemoryUsageTest, ResetPeakForgetsFreedMemory) {
  {
    std::vector<char> block(256u << 20);  // Large enough to be mmap'ed and returned on free.
    std::memset(block.data(), 1, block.size());
    Result<std::size_t> peak = VmHwmBytes();
    ASSERT_TRUE(peak.ok());
    EXPECT_GE(*peak, block.size());
  }
  Result<std::size_t> rss = VmRssBytes();
  ASSERT_TRUE(rss.ok()) << rss.status().ToString();
  ASSERT_TRUE(ResetPeakRss().ok());
  Result<std::size_t> reset = VmHwmBytes();
  ASSERT_TRUE(reset.ok());
  EXPECT_LT(*reset, *rss + (128u << 20));  // The freed 256 MiB no longer counts.
}

}  // namespace
}  // namespace zyphyr
