// The int8 kernels (l2_sq_u8, dot_u8; l2_sq_i8, dot_i8 at the end) of every table the host supports,
// against an independent 64-bit reference and the scalar table: EXACTLY
// equal, over every dimension 0..300 (every tail of the 16-, 32-, 64- and
// 128-byte loops), unaligned pointers, codes biased towards 0 and 255, and
// the largest dimension whose sums fit a uint32. The AVX-512 BW and VNNI
// variants are both tested where the host has them, though dispatch hands
// out only one of them.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "src/distance/cpu_features.h"
#include "src/distance/dispatch.h"
#include "src/distance/kernels.h"

namespace zyphyr {
namespace {

// `dim` codes starting `offset` bytes into an allocation that ends exactly at
// the last code, so AddressSanitizer reports any read past the vector.
class Codes {
 public:
  Codes(std::size_t dim, std::size_t offset)
      : storage_(new std::uint8_t[dim + offset]), data_(storage_.get() + offset) {
    std::fill(storage_.get(), storage_.get() + offset, std::uint8_t{0x5A});
  }

  // A quarter of the codes 0, a quarter 255, the rest uniform.
  void FillRandom(std::size_t dim, std::mt19937& rng) {
    std::uniform_int_distribution<int> pick(0, 7);
    std::uniform_int_distribution<int> byte(0, 255);
    for (std::size_t i = 0; i < dim; ++i) {
      const int p = pick(rng);
      data_[i] = static_cast<std::uint8_t>(p < 2 ? 0 : p < 4 ? 255 : byte(rng));
    }
  }

  void Fill(std::size_t dim, std::uint8_t value) { std::fill(data_, data_ + dim, value); }

  const std::uint8_t* data() const { return data_; }

 private:
  std::unique_ptr<std::uint8_t[]> storage_;
  std::uint8_t* data_;
};

std::uint64_t L2SqReference(const std::uint8_t* a, const std::uint8_t* b, std::size_t dim) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < dim; ++i) {
    const std::int64_t d = static_cast<std::int64_t>(a[i]) - static_cast<std::int64_t>(b[i]);
    sum += static_cast<std::uint64_t>(d * d);
  }
  return sum;
}

std::uint64_t DotReference(const std::uint8_t* a, const std::uint8_t* b, std::size_t dim) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < dim; ++i) sum += static_cast<std::uint64_t>(a[i]) * b[i];
  return sum;
}

// One table's int8 kernels: an ISA, and for avx512 which of its two variants.
struct Variant {
  Isa isa;
  bool vnni;
};

std::string VariantName(const Variant& v) { return std::string(IsaName(v.isa)) + (v.vnni ? "_vnni" : ""); }

void PrintTo(const Variant& v, std::ostream* os) { *os << VariantName(v); }

class Int8KernelsTest : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override {
    const Variant v = GetParam();
    if (!HostSupports(v.isa)) GTEST_SKIP() << IsaName(v.isa) << " is not supported by this host";
    if (v.vnni && !DetectCpuFeatures().avx512_vnni) GTEST_SKIP() << "AVX-512 VNNI is not supported by this host";
#if defined(__x86_64__)
    // KernelsFor(kAvx512) picks one of the two AVX-512 tables; take each one
    // by name instead.
    if (v.isa == Isa::kAvx512) {
      kernels_ = v.vnni ? &Avx512VnniKernels() : &Avx512Kernels();
      return;
    }
#endif
    Result<const DistanceKernels*> kernels = KernelsFor(v.isa);
    ASSERT_TRUE(kernels.ok()) << kernels.status().ToString();
    kernels_ = *kernels;
  }

  std::string Where(std::size_t dim, std::size_t offset_a, std::size_t offset_b) const {
    return VariantName(GetParam()) + " dim=" + std::to_string(dim) + " offset_a=" + std::to_string(offset_a) +
           " offset_b=" + std::to_string(offset_b);
  }

  const DistanceKernels* kernels_ = nullptr;
};

TEST_P(Int8KernelsTest, TableHasInt8KernelsAndSaysWhichVariant) {
  EXPECT_EQ(kernels_->isa, GetParam().isa);
  EXPECT_EQ(kernels_->vnni, GetParam().vnni);
  EXPECT_NE(kernels_->l2_sq_u8, nullptr);
  EXPECT_NE(kernels_->dot_u8, nullptr);
  EXPECT_NE(kernels_->l2_sq_u8_batch, nullptr);
  EXPECT_NE(kernels_->dot_u8_batch, nullptr);
}

// The batch kernels score n codes against one query exactly as the pair
// kernels do, for every n up to 13 (every remainder of the blocks of four,
// several blocks), at dimensions that end each loop differently; codes each
// in its own allocation (a read past one is an AddressSanitizer report), and
// nothing written past out[n - 1].
TEST_P(Int8KernelsTest, BatchEqualsPairForEveryCount) {
  std::mt19937 rng(99);
  for (std::size_t dim : {0, 1, 15, 16, 17, 63, 64, 65, 100, 127, 128, 129, 256, 300, 784, 960}) {
    Codes query(dim, 1);
    query.FillRandom(dim, rng);
    std::vector<std::unique_ptr<Codes>> codes;
    std::vector<const std::uint8_t*> pointers;
    for (std::size_t i = 0; i < 13; ++i) {
      codes.push_back(std::make_unique<Codes>(dim, i % 3));
      codes.back()->FillRandom(dim, rng);
      pointers.push_back(codes.back()->data());
    }
    for (std::size_t n = 0; n <= pointers.size(); ++n) {
      std::vector<std::uint32_t> l2(n + 1, 0xDEADBEEF), dot(n + 1, 0xDEADBEEF);
      kernels_->l2_sq_u8_batch(query.data(), pointers.data(), n, dim, l2.data());
      kernels_->dot_u8_batch(query.data(), pointers.data(), n, dim, dot.data());
      const std::string where = Where(dim, 1, 0) + " n=" + std::to_string(n);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(l2[i], L2SqReference(query.data(), pointers[i], dim)) << "l2_sq_u8_batch " << where << " i=" << i;
        ASSERT_EQ(dot[i], DotReference(query.data(), pointers[i], dim)) << "dot_u8_batch " << where << " i=" << i;
      }
      ASSERT_EQ(l2[n], 0xDEADBEEF) << "l2_sq_u8_batch wrote past n, " << where;
      ASSERT_EQ(dot[n], 0xDEADBEEF) << "dot_u8_batch wrote past n, " << where;
    }
  }
  // The largest terms in every lane, four codes and a tail of three.
  Codes full(kMaxU8Dim, 0);
  Codes zeros(kMaxU8Dim, 0);
  full.Fill(kMaxU8Dim, 255);
  zeros.Fill(kMaxU8Dim, 0);
  const std::uint8_t* seven[7] = {zeros.data(), full.data(), zeros.data(), full.data(),
                                  zeros.data(), full.data(), zeros.data()};
  std::uint32_t l2[7], dot[7];
  kernels_->l2_sq_u8_batch(full.data(), seven, 7, kMaxU8Dim, l2);
  kernels_->dot_u8_batch(full.data(), seven, 7, kMaxU8Dim, dot);
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(l2[i], i % 2 == 0 ? 4294966275u : 0u) << i;
    EXPECT_EQ(dot[i], i % 2 == 0 ? 0u : 4294966275u) << i;
  }
}

TEST_P(Int8KernelsTest, EqualScalarReferenceExactly) {
  const DistanceKernels& scalar = ScalarKernels();
  std::mt19937 rng(20240807);
  std::vector<std::size_t> dims;
  for (std::size_t d = 0; d <= 300; ++d) dims.push_back(d);
  for (std::size_t d : {383, 511, 768, 784, 960, 1536}) dims.push_back(d);
  for (std::size_t dim : dims) {
    for (std::size_t offset_a : {0, 1, 3}) {
      for (std::size_t offset_b : {0, 2}) {
        Codes a(dim, offset_a);
        Codes b(dim, offset_b);
        a.FillRandom(dim, rng);
        b.FillRandom(dim, rng);
        const std::string where = Where(dim, offset_a, offset_b);
        const std::uint32_t l2 = kernels_->l2_sq_u8(a.data(), b.data(), dim);
        const std::uint32_t dot = kernels_->dot_u8(a.data(), b.data(), dim);
        ASSERT_EQ(l2, L2SqReference(a.data(), b.data(), dim)) << "l2_sq_u8 " << where;
        ASSERT_EQ(l2, scalar.l2_sq_u8(a.data(), b.data(), dim)) << "l2_sq_u8 " << where;
        ASSERT_EQ(dot, DotReference(a.data(), b.data(), dim)) << "dot_u8 " << where;
        ASSERT_EQ(dot, scalar.dot_u8(a.data(), b.data(), dim)) << "dot_u8 " << where;
        // Symmetric, and a vector is at distance 0 from itself.
        ASSERT_EQ(kernels_->l2_sq_u8(b.data(), a.data(), dim), l2) << where;
        ASSERT_EQ(kernels_->dot_u8(b.data(), a.data(), dim), dot) << where;
        ASSERT_EQ(kernels_->l2_sq_u8(a.data(), a.data(), dim), 0u) << where;
      }
    }
  }
}

// Every byte at an extreme: the largest terms (255^2) in every lane, the
// case that would expose a saturating or 16-bit accumulation.
TEST_P(Int8KernelsTest, ExtremeCodesAtEveryDimension) {
  for (std::size_t dim = 0; dim <= 300; ++dim) {
    Codes zeros(dim, 1);
    Codes full(dim, 3);
    zeros.Fill(dim, 0);
    full.Fill(dim, 255);
    const std::uint32_t top = static_cast<std::uint32_t>(65025 * dim);
    EXPECT_EQ(kernels_->l2_sq_u8(zeros.data(), full.data(), dim), top) << Where(dim, 1, 3);
    EXPECT_EQ(kernels_->l2_sq_u8(full.data(), zeros.data(), dim), top) << Where(dim, 3, 1);
    EXPECT_EQ(kernels_->dot_u8(full.data(), full.data(), dim), top) << Where(dim, 3, 3);
    EXPECT_EQ(kernels_->dot_u8(zeros.data(), full.data(), dim), 0u) << Where(dim, 1, 3);
    EXPECT_EQ(kernels_->l2_sq_u8(full.data(), full.data(), dim), 0u) << Where(dim, 3, 3);
  }
}

// kMaxU8Dim is the largest dimension whose sums always fit: all-extreme codes
// there give 66051 * 65025 = 4294966275, just under 2^32.
TEST_P(Int8KernelsTest, ExactAtTheLargestDimension) {
  constexpr std::size_t kDim = kMaxU8Dim;
  static_assert(static_cast<std::uint64_t>(kMaxU8Dim) * 65025u <= 0xFFFFFFFFu);
  static_assert(static_cast<std::uint64_t>(kMaxU8Dim + 1) * 65025u > 0xFFFFFFFFu);
  Codes zeros(kDim, 1);
  Codes full(kDim, 0);
  zeros.Fill(kDim, 0);
  full.Fill(kDim, 255);
  EXPECT_EQ(kernels_->l2_sq_u8(zeros.data(), full.data(), kDim), 4294966275u);
  EXPECT_EQ(kernels_->dot_u8(full.data(), full.data(), kDim), 4294966275u);

  std::mt19937 rng(11);
  Codes a(kDim, 3);
  Codes b(kDim, 0);
  a.FillRandom(kDim, rng);
  b.FillRandom(kDim, rng);
  EXPECT_EQ(kernels_->l2_sq_u8(a.data(), b.data(), kDim), L2SqReference(a.data(), b.data(), kDim));
  EXPECT_EQ(kernels_->dot_u8(a.data(), b.data(), kDim), DotReference(a.data(), b.data(), kDim));
}

// Past kMaxU8Dim the contract is the true value modulo 2^32, at every ISA.
TEST_P(Int8KernelsTest, PastTheLargestDimensionWrapsModulo2To32) {
  constexpr std::size_t kDim = 70001;
  Codes zeros(kDim, 0);
  Codes full(kDim, 1);
  zeros.Fill(kDim, 0);
  full.Fill(kDim, 255);
  const std::uint64_t top = std::uint64_t{65025} * kDim;
  ASSERT_GT(top, std::uint64_t{0xFFFFFFFF});
  EXPECT_EQ(kernels_->l2_sq_u8(zeros.data(), full.data(), kDim), static_cast<std::uint32_t>(top));
  EXPECT_EQ(kernels_->dot_u8(full.data(), full.data(), kDim), static_cast<std::uint32_t>(top));
}

// The signed-byte kernels (l2_sq_i8, dot_i8: the rows of int8 datasets)
// against a 64-bit reference: exactly equal at every dimension 0..300 and a
// few larger ones, unaligned, with a quarter of the bytes at -128 and a
// quarter at 127 (the largest differences and products).
TEST_P(Int8KernelsTest, SignedBytesEqualReferenceExactly) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> pick(0, 7);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::vector<std::size_t> dims;
  for (std::size_t d = 0; d <= 300; ++d) dims.push_back(d);
  for (std::size_t d : {383, 768, 960}) dims.push_back(d);
  for (std::size_t dim : dims) {
    for (std::size_t offset : {0, 1}) {
      Codes a_bytes(dim, offset);
      Codes b_bytes(dim, 2);
      auto* a = const_cast<std::int8_t*>(reinterpret_cast<const std::int8_t*>(a_bytes.data()));
      auto* b = const_cast<std::int8_t*>(reinterpret_cast<const std::int8_t*>(b_bytes.data()));
      for (std::size_t i = 0; i < dim; ++i) {
        const int pa = pick(rng);
        const int pb = pick(rng);
        a[i] = static_cast<std::int8_t>(pa < 2 ? -128 : pa < 4 ? 127 : byte(rng));
        b[i] = static_cast<std::int8_t>(pb < 2 ? -128 : pb < 4 ? 127 : byte(rng));
      }
      std::int64_t l2 = 0;
      std::int64_t dot = 0;
      for (std::size_t i = 0; i < dim; ++i) {
        const std::int64_t d = std::int64_t{a[i]} - b[i];
        l2 += d * d;
        dot += std::int64_t{a[i]} * b[i];
      }
      const std::string where = Where(dim, offset, 2);
      ASSERT_EQ(kernels_->l2_sq_i8(a, b, dim), static_cast<std::uint32_t>(l2)) << "l2_sq_i8 " << where;
      ASSERT_EQ(kernels_->dot_i8(a, b, dim), static_cast<std::int32_t>(dot)) << "dot_i8 " << where;
      ASSERT_EQ(kernels_->l2_sq_i8(a, a, dim), 0u) << where;
    }
  }
  // Every lane at the extremes: (127 - -128)^2 and (-128)^2 per term.
  for (std::size_t dim : {1, 15, 16, 31, 32, 33, 64, 100, 128, 200}) {
    std::vector<std::int8_t> low(dim, -128);
    std::vector<std::int8_t> high(dim, 127);
    EXPECT_EQ(kernels_->l2_sq_i8(low.data(), high.data(), dim), 65025u * dim) << dim;
    EXPECT_EQ(kernels_->dot_i8(low.data(), low.data(), dim), static_cast<std::int32_t>(16384 * dim)) << dim;
    EXPECT_EQ(kernels_->dot_i8(low.data(), high.data(), dim), -static_cast<std::int32_t>(16256 * dim)) << dim;
  }
}

// Every variant is instantiated, so the test list is the same on every host;
// the ones this host lacks report as skipped.
INSTANTIATE_TEST_SUITE_P(AllVariants, Int8KernelsTest,
                         ::testing::Values(Variant{Isa::kScalar, false}, Variant{Isa::kAvx2, false},
                                           Variant{Isa::kAvx512, false}, Variant{Isa::kAvx512, true}),
                         [](const ::testing::TestParamInfo<Variant>& info) { return VariantName(info.param); });

// Dispatch hands out the VNNI table exactly when the host has VNNI, under
// the avx512 name, and the other tables never claim VNNI.
TEST(Int8DispatchTest, Avx512TableUsesVnniExactlyWhenTheHostHasIt) {
  for (Isa isa : SupportedIsas()) {
    Result<const DistanceKernels*> kernels = KernelsFor(isa);
    ASSERT_TRUE(kernels.ok()) << kernels.status().ToString();
    EXPECT_EQ((*kernels)->isa, isa);
    EXPECT_EQ((*kernels)->vnni, isa == Isa::kAvx512 && DetectCpuFeatures().avx512_vnni) << IsaName(isa);
  }
  Result<const DistanceKernels*> chosen = ProcessKernels();
  ASSERT_TRUE(chosen.ok()) << chosen.status().ToString();
  EXPECT_EQ((*chosen)->vnni, (*chosen)->isa == Isa::kAvx512 && DetectCpuFeatures().avx512_vnni);
}

}  // namespace
}  // namespace zyphyr
