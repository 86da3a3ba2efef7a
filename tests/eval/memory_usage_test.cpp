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

}  // namespace
}  // namespace zyphyr
