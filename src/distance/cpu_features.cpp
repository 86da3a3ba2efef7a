#include "src/distance/cpu_features.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace zyphyr {

#if defined(__x86_64__)

namespace {

// cpuid leaf 1, ECX.
constexpr std::uint32_t kLeaf1EcxFma = 1u << 12;
constexpr std::uint32_t kLeaf1EcxOsxsave = 1u << 27;
constexpr std::uint32_t kLeaf1EcxAvx = 1u << 28;

// cpuid leaf 7 subleaf 0, EBX.
constexpr std::uint32_t kLeaf7EbxAvx2 = 1u << 5;
constexpr std::uint32_t kLeaf7EbxAvx512F = 1u << 16;
constexpr std::uint32_t kLeaf7EbxAvx512Dq = 1u << 17;
constexpr std::uint32_t kLeaf7EbxAvx512Bw = 1u << 30;
constexpr std::uint32_t kLeaf7EbxAvx512Vl = 1u << 31;

// cpuid leaf 7 subleaf 0, ECX.
constexpr std::uint32_t kLeaf7EcxAvx512Vnni = 1u << 11;

// XCR0 state components the OS saves and restores.
constexpr std::uint64_t kXcr0Sse = 1u << 1;
constexpr std::uint64_t kXcr0Ymm = 1u << 2;
constexpr std::uint64_t kXcr0Opmask = 1u << 5;
constexpr std::uint64_t kXcr0ZmmHi256 = 1u << 6;
constexpr std::uint64_t kXcr0Hi16Zmm = 1u << 7;

constexpr std::uint64_t kXcr0AvxState = kXcr0Sse | kXcr0Ymm;
constexpr std::uint64_t kXcr0Avx512State = kXcr0AvxState | kXcr0Opmask | kXcr0ZmmHi256 | kXcr0Hi16Zmm;

// xgetbv is spelled in asm rather than through _xgetbv so this file needs no
// target attribute or ISA flag. Only valid once OSXSAVE has been seen.
std::uint64_t ReadXcr0() {
  std::uint32_t eax = 0;
  std::uint32_t edx = 0;
  asm volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<std::uint64_t>(edx) << 32) | eax;
}

bool HasAll(std::uint64_t bits, std::uint64_t wanted) { return (bits & wanted) == wanted; }

}  // namespace

CpuFeatures DetectCpuFeatures() {
  CpuFeatures features;
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(1, 0, &eax, &ebx, &ecx, &edx)) return features;
  const std::uint32_t leaf1_ecx = ecx;
  if (!HasAll(leaf1_ecx, kLeaf1EcxOsxsave | kLeaf1EcxAvx)) return features;
  const std::uint64_t xcr0 = ReadXcr0();

  // __get_cpuid_count fails when leaf 7 is above the maximum basic leaf.
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return features;
  const std::uint32_t leaf7_ebx = ebx;
  const std::uint32_t leaf7_ecx = ecx;

  features.avx2_fma =
      HasAll(xcr0, kXcr0AvxState) && HasAll(leaf1_ecx, kLeaf1EcxFma) && HasAll(leaf7_ebx, kLeaf7EbxAvx2);
  features.avx512 = features.avx2_fma && HasAll(xcr0, kXcr0Avx512State) &&
                    HasAll(leaf7_ebx, kLeaf7EbxAvx512F | kLeaf7EbxAvx512Dq | kLeaf7EbxAvx512Bw | kLeaf7EbxAvx512Vl);
  features.avx512_vnni = features.avx512 && HasAll(leaf7_ecx, kLeaf7EcxAvx512Vnni);
  return features;
}

std::string CpuBrandString() {
  if (static_cast<unsigned int>(__get_cpuid_max(0x80000000u, nullptr)) < 0x80000004u) return "unknown";
  char brand[49] = {};
  for (unsigned int i = 0; i < 3; ++i) {
    unsigned int regs[4] = {};
    __get_cpuid(0x80000002u + i, &regs[0], &regs[1], &regs[2], &regs[3]);
    std::memcpy(brand + 16 * i, regs, sizeof(regs));
  }
  std::string out(brand);
  const auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return "unknown";
  const auto last = out.find_last_not_of(' ');
  return out.substr(first, last - first + 1);
}

#else  // !defined(__x86_64__)

CpuFeatures DetectCpuFeatures() { return CpuFeatures{}; }

std::string CpuBrandString() { return "unknown"; }

#endif

}  // namespace zyphyr
