// CPU detection against the compiler's own (libgcc's) view of the host, which
// also checks that the OS saves the wider register state.
#include "src/distance/cpu_features.h"

#include <gtest/gtest.h>

namespace zyphyr {
namespace {

#if defined(__x86_64__)

TEST(CpuFeaturesTest, AgreesWithCompilerRuntime) {
  const CpuFeatures features = DetectCpuFeatures();
  const bool avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = avx2_fma && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
  EXPECT_EQ(features.avx2_fma, avx2_fma);
  EXPECT_EQ(features.avx512, avx512);
  EXPECT_EQ(features.avx512_vnni, avx512 && __builtin_cpu_supports("avx512vnni"));
}

#endif

TEST(CpuFeaturesTest, Avx512ImpliesAvx2) {
  const CpuFeatures features = DetectCpuFeatures();
  if (features.avx512) {
    EXPECT_TRUE(features.avx2_fma);
  }
  if (features.avx512_vnni) {
    EXPECT_TRUE(features.avx512);
  }
}

TEST(CpuFeaturesTest, DetectionIsStable) {
  const CpuFeatures a = DetectCpuFeatures();
  const CpuFeatures b = DetectCpuFeatures();
  EXPECT_EQ(a.avx2_fma, b.avx2_fma);
  EXPECT_EQ(a.avx512, b.avx512);
  EXPECT_EQ(a.avx512_vnni, b.avx512_vnni);
}

TEST(CpuFeaturesTest, BrandStringIsTrimmedAndNonEmpty) {
  const std::string brand = CpuBrandString();
  ASSERT_FALSE(brand.empty());
  EXPECT_NE(brand.front(), ' ');
  EXPECT_NE(brand.back(), ' ');
  EXPECT_EQ(brand.find('\0'), std::string::npos);
}

}  // namespace
}  // namespace zyphyr
