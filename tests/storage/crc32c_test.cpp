#include "storage/crc32c.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace zyphyr {
namespace {

TEST(Crc32c, KnownValues) {
  // The check value of CRC-32C and the iSCSI test vectors (RFC 3720, B.4).
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
  std::vector<unsigned char> zeros(32, 0x00), ones(32, 0xFF), up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<unsigned char>(i);
    down[i] = static_cast<unsigned char>(31 - i);
  }
  EXPECT_EQ(Crc32c(zeros.data(), 32), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(ones.data(), 32), 0x62A8AB43u);
  EXPECT_EQ(Crc32c(up.data(), 32), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(down.data(), 32), 0x113FDB5Cu);
  EXPECT_EQ(Crc32c(nullptr, 0), 0u);
}

TEST(Crc32c, HardwareAndPortableAgreeAndExtendConcatenates) {
  std::mt19937 rng(7);
  std::vector<unsigned char> bytes(10007);
  for (auto& b : bytes) b = static_cast<unsigned char>(rng());
  for (std::size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 65u, 4096u, 10007u}) {
    for (std::size_t offset : {0u, 1u, 3u}) {
      if (offset + len > bytes.size()) continue;
      const std::uint32_t whole = Crc32c(bytes.data() + offset, len);
      EXPECT_EQ(whole, Crc32cExtendPortable(0, bytes.data() + offset, len)) << len << " at " << offset;
      const std::size_t cut = len / 3;
      EXPECT_EQ(whole, Crc32cExtend(Crc32c(bytes.data() + offset, cut), bytes.data() + offset + cut, len - cut));
    }
  }
}

TEST(Crc32c, EverySingleByteChangeIsDetected) {
  std::vector<unsigned char> bytes(300, 0x5A);
  const std::uint32_t clean = Crc32c(bytes.data(), bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned flip : {0x01u, 0x80u, 0xFFu}) {
      bytes[i] ^= static_cast<unsigned char>(flip);
      EXPECT_NE(Crc32c(bytes.data(), bytes.size()), clean);
      bytes[i] ^= static_cast<unsigned char>(flip);
    }
  }
}

}  // namespace
}  // namespace zyphyr
