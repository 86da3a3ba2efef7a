#include "src/core/aligned_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace zyphyr {
namespace {

TEST(AlignedBuffer, SmallBuffersAreCacheLineAlignedAndZeroed) {
  AlignedBuffer<float> buffer(37);
  ASSERT_NE(buffer.data(), nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buffer.data()) % kCacheLine, 0u);
  for (std::size_t i = 0; i < buffer.size(); ++i) EXPECT_EQ(buffer[i], 0.0f);
}

TEST(AlignedBuffer, LargeBuffersAreHugePageAlignedAndZeroed) {
  AlignedBuffer<std::uint32_t> buffer(kHugePageThreshold / sizeof(std::uint32_t) + 3);
  ASSERT_NE(buffer.data(), nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buffer.data()) % kHugePage, 0u);
  EXPECT_EQ(buffer[0], 0u);
  EXPECT_EQ(buffer[buffer.size() - 1], 0u);
  buffer[buffer.size() - 1] = 7;
  AlignedBuffer<std::uint32_t> moved = std::move(buffer);
  EXPECT_EQ(moved[moved.size() - 1], 7u);
  EXPECT_EQ(buffer.data(), nullptr);
}

TEST(AlignedBuffer, EmptyBufferHoldsNothing) {
  AlignedBuffer<double> buffer(0);
  EXPECT_EQ(buffer.data(), nullptr);
  EXPECT_EQ(buffer.size(), 0u);
}

}  // namespace
}  // namespace zyphyr
