#include "storage/crc32c.h"

#include <array>
#include <cstring>

namespace zyphyr {
namespace {

constexpr std::uint32_t kPolyReflected = 0x82F63B78u;

// kTables[k][b]: the CRC contribution of byte b followed by k zero bytes.
constexpr std::array<std::array<std::uint32_t, 256>, 8> MakeTables() {
  std::array<std::array<std::uint32_t, 256>, 8> t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
    t[0][b] = c;
  }
  for (int k = 1; k < 8; ++k) {
    for (std::uint32_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  }
  return t;
}

constexpr auto kTables = MakeTables();

std::uint32_t UpdatePortable(std::uint32_t crc, const unsigned char* p, std::size_t n) {
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);  // Little-endian host (x86-64).
    word ^= crc;
    crc = kTables[7][word & 0xFF] ^ kTables[6][(word >> 8) & 0xFF] ^ kTables[5][(word >> 16) & 0xFF] ^
          kTables[4][(word >> 24) & 0xFF] ^ kTables[3][(word >> 32) & 0xFF] ^ kTables[2][(word >> 40) & 0xFF] ^
          kTables[1][(word >> 48) & 0xFF] ^ kTables[0][word >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xFF];
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t UpdateHardware(std::uint32_t crc, const unsigned char* p,
                                                                 std::size_t n) {
  std::uint64_t c = crc;
  // Three independent streams hide the instruction's 3-cycle latency only
  // with a combine step; one stream at ~8 bytes/cycle is ample for files.
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    c = __builtin_ia32_crc32di(c, word);
    p += 8;
    n -= 8;
  }
  std::uint32_t c32 = static_cast<std::uint32_t>(c);
  while (n-- > 0) c32 = __builtin_ia32_crc32qi(c32, *p++);
  return c32;
}

bool DetectHardware() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#else
std::uint32_t UpdateHardware(std::uint32_t crc, const unsigned char* p, std::size_t n) {
  return UpdatePortable(crc, p, n);
}
bool DetectHardware() { return false; }
#endif

bool UseHardware() {
  static const bool hardware = DetectHardware();
  return hardware;
}

}  // namespace

std::uint32_t Crc32cExtendPortable(std::uint32_t crc, const void* data, std::size_t size) {
  return ~UpdatePortable(~crc, static_cast<const unsigned char*>(data), size);
}

std::uint32_t Crc32cExtend(std::uint32_t crc, const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  return ~(UseHardware() ? UpdateHardware(~crc, p, size) : UpdatePortable(~crc, p, size));
}

std::uint32_t Crc32c(const void* data, std::size_t size) { return Crc32cExtend(0, data, size); }

bool Crc32cIsHardware() { return UseHardware(); }

}  // namespace zyphyr
