// Every kernel table the host supports against a double-precision reference,
// over all small dimensions (every tail length of every unroll), common
// embedding sizes, unaligned pointers and every batch remainder; then the
// dispatch contract (names, errors, ZYPHYR_ISA, one choice per process).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "src/distance/dispatch.h"
#include "src/distance/kernels.h"

namespace zyphyr {
namespace {

constexpr std::size_t kAlignment = 64;

// Dimensions 0..300 cover every tail length of the 8-, 16-, 32- and 64-float
// loops, with and without full iterations before them; the rest are common
// embedding sizes.
std::vector<std::size_t> TestDims() {
  std::vector<std::size_t> dims;
  for (std::size_t d = 0; d <= 300; ++d) dims.push_back(d);
  for (std::size_t d : {768, 784, 960, 1536}) dims.push_back(d);
  return dims;
}

struct AlignedDelete {
  void operator()(float* p) const { ::operator delete (p, std::align_val_t{kAlignment}); }
};

// `dim` random floats starting `offset` floats past a 64-byte aligned
// allocation that ends exactly at the last element, so AddressSanitizer
// reports any read past the vector.
class TestVector {
 public:
  TestVector(std::size_t dim, std::size_t offset, std::mt19937& rng)
      : storage_(static_cast<float*>(::operator new ((dim + offset) * sizeof(float), std::align_val_t{kAlignment}))),
        data_(storage_.get() + offset) {
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    for (std::size_t i = 0; i < offset; ++i) storage_.get()[i] = 0.0f;
    for (std::size_t i = 0; i < dim; ++i) data_[i] = uniform(rng);
  }

  const float* data() const { return data_; }

 private:
  std::unique_ptr<float, AlignedDelete> storage_;
  float* data_;
};

// The exact-ish value and the sum of |terms|: float rounding error grows with
// the latter, and dot products can cancel to far below it.
struct Reference {
  double value = 0.0;
  double magnitude = 0.0;
};

Reference L2SqReference(const float* a, const float* b, std::size_t dim) {
  Reference ref;
  for (std::size_t i = 0; i < dim; ++i) {
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    ref.value += d * d;
  }
  ref.magnitude = ref.value;
  return ref;
}

Reference DotReference(const float* a, const float* b, std::size_t dim) {
  Reference ref;
  for (std::size_t i = 0; i < dim; ++i) {
    const double p = static_cast<double>(a[i]) * static_cast<double>(b[i]);
    ref.value += p;
    ref.magnitude += std::fabs(p);
  }
  return ref;
}

::testing::AssertionResult CloseTo(float got, const Reference& ref) {
  const double tolerance = 1e-5 * std::max(1.0, ref.magnitude);
  if (std::fabs(static_cast<double>(got) - ref.value) <= tolerance) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << got << ", reference " << ref.value << " (tolerance " << tolerance
                                       << ")";
}

std::string Where(Isa isa, std::size_t dim, std::size_t offset) {
  return std::string(IsaName(isa)) + " dim=" + std::to_string(dim) + " offset=" + std::to_string(offset);
}

// The test parameter, wrapped so that gtest (and the CTest names discovered
// from it) print "avx2" rather than the enum's bytes.
struct IsaParam {
  Isa isa;
};

void PrintTo(const IsaParam& param, std::ostream* os) { *os << IsaName(param.isa); }

class KernelsTest : public ::testing::TestWithParam<IsaParam> {
 protected:
  void SetUp() override {
    if (!HostSupports(isa())) GTEST_SKIP() << IsaName(isa()) << " is not supported by this host";
    Result<const DistanceKernels*> kernels = KernelsFor(isa());
    ASSERT_TRUE(kernels.ok()) << kernels.status().ToString();
    kernels_ = *kernels;
  }

  Isa isa() const { return GetParam().isa; }

  const DistanceKernels* kernels_ = nullptr;
};

TEST_P(KernelsTest, TableIsCompleteAndNamesItsIsa) {
  EXPECT_EQ(kernels_->isa, isa());
  EXPECT_NE(kernels_->l2_sq, nullptr);
  EXPECT_NE(kernels_->dot, nullptr);
  EXPECT_NE(kernels_->l2_sq_batch, nullptr);
  EXPECT_NE(kernels_->dot_batch, nullptr);
  EXPECT_NE(kernels_->l2_sq_u8, nullptr);
  EXPECT_NE(kernels_->dot_u8, nullptr);
}

TEST_P(KernelsTest, PairKernelsMatchReference) {
  std::mt19937 rng(20240611);
  for (std::size_t dim : TestDims()) {
    for (std::size_t offset_a : {0, 1}) {
      for (std::size_t offset_b : {0, 1}) {
        const TestVector a(dim, offset_a, rng);
        const TestVector b(dim, offset_b, rng);
        const std::string where = Where(isa(), dim, offset_a) + " offset_b=" + std::to_string(offset_b);
        EXPECT_TRUE(CloseTo(kernels_->l2_sq(a.data(), b.data(), dim), L2SqReference(a.data(), b.data(), dim)))
            << "l2_sq " << where;
        EXPECT_TRUE(CloseTo(kernels_->dot(a.data(), b.data(), dim), DotReference(a.data(), b.data(), dim)))
            << "dot " << where;
      }
    }
  }
}

TEST_P(KernelsTest, DistanceToItselfIsExactlyZero) {
  std::mt19937 rng(7);
  for (std::size_t dim : TestDims()) {
    const TestVector a(dim, 1, rng);
    EXPECT_EQ(kernels_->l2_sq(a.data(), a.data(), dim), 0.0f) << Where(isa(), dim, 1);
  }
}

TEST_P(KernelsTest, BatchKernelsMatchReference) {
  constexpr std::size_t kMaxRows = 9;  // Two full groups of four and every remainder.
  std::mt19937 rng(42);
  for (std::size_t dim : TestDims()) {
    for (std::size_t offset : {0, 1}) {
      const TestVector query(dim, offset, rng);
      std::vector<TestVector> row_storage;
      std::vector<const float*> rows;
      for (std::size_t r = 0; r < kMaxRows; ++r) {
        // Alternate alignments within one batch too.
        row_storage.emplace_back(dim, (offset + r) % 2, rng);
        rows.push_back(row_storage.back().data());
      }
      for (std::size_t n = 1; n <= kMaxRows; ++n) {
        const std::string where = Where(isa(), dim, offset) + " n=" + std::to_string(n);
        // One sentinel past the end: a batch writes exactly n results.
        std::vector<float> l2(n + 1, -1.0f);
        std::vector<float> dot(n + 1, -1.0f);
        kernels_->l2_sq_batch(query.data(), rows.data(), n, dim, l2.data());
        kernels_->dot_batch(query.data(), rows.data(), n, dim, dot.data());
        for (std::size_t r = 0; r < n; ++r) {
          EXPECT_TRUE(CloseTo(l2[r], L2SqReference(query.data(), rows[r], dim)))
              << "l2_sq_batch " << where << " row " << r;
          EXPECT_TRUE(CloseTo(dot[r], DotReference(query.data(), rows[r], dim)))
              << "dot_batch " << where << " row " << r;
        }
        EXPECT_EQ(l2[n], -1.0f) << "l2_sq_batch wrote past n, " << where;
        EXPECT_EQ(dot[n], -1.0f) << "dot_batch wrote past n, " << where;
      }
    }
  }
}

TEST_P(KernelsTest, EmptyBatchWritesNothing) {
  std::mt19937 rng(3);
  const TestVector query(16, 0, rng);
  float out = -1.0f;
  kernels_->l2_sq_batch(query.data(), nullptr, 0, 16, &out);
  kernels_->dot_batch(query.data(), nullptr, 0, 16, &out);
  EXPECT_EQ(out, -1.0f);
}

// Every ISA is instantiated, so the test list is the same on every host; the
// ones this host lacks report as skipped.
INSTANTIATE_TEST_SUITE_P(AllIsas, KernelsTest,
                         ::testing::Values(IsaParam{Isa::kScalar}, IsaParam{Isa::kAvx2}, IsaParam{Isa::kAvx512}),
                         [](const ::testing::TestParamInfo<IsaParam>& info) {
                           return std::string(IsaName(info.param.isa));
                         });

// ---- dispatch ---------------------------------------------------------------

TEST(DispatchTest, ParsesEveryIsaName) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    Result<Isa> parsed = ParseIsa(IsaName(isa));
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(*parsed, isa);
  }
  EXPECT_EQ(IsaName(Isa::kScalar), "scalar");
  EXPECT_EQ(IsaName(Isa::kAvx2), "avx2");
  EXPECT_EQ(IsaName(Isa::kAvx512), "avx512");
  EXPECT_EQ(IsaName(static_cast<Isa>(99)), "unknown");
}

TEST(DispatchTest, RejectsUnknownIsaNames) {
  Result<Isa> parsed = ParseIsa("sse9");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(), "unknown ISA 'sse9' (expected scalar, avx2 or avx512)");
  // Names are exact: no case folding, no empty name.
  for (const char* name : {"", "AVX2", "avx-512", "avx512 ", "unknown"}) {
    Result<Isa> bad = ParseIsa(name);
    ASSERT_FALSE(bad.ok()) << "'" << name << "'";
    EXPECT_EQ(bad.status().message(), "unknown ISA '" + std::string(name) + "' (expected scalar, avx2 or avx512)");
  }
}

TEST(DispatchTest, SupportedIsasStartWithScalarInPreferenceOrder) {
  const std::vector<Isa> supported = SupportedIsas();
  ASSERT_FALSE(supported.empty());
  EXPECT_EQ(supported.front(), Isa::kScalar);
  for (std::size_t i = 1; i < supported.size(); ++i) EXPECT_LT(supported[i - 1], supported[i]);
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    const bool listed = std::find(supported.begin(), supported.end(), isa) != supported.end();
    EXPECT_EQ(HostSupports(isa), listed) << IsaName(isa);
  }
  // AVX-512 kernels are compiled with AVX2 and FMA as well.
  if (HostSupports(Isa::kAvx512)) {
    EXPECT_TRUE(HostSupports(Isa::kAvx2));
  }
}

std::string SupportedList() {
  std::string out;
  for (Isa isa : SupportedIsas()) out += (out.empty() ? "" : ", ") + std::string(IsaName(isa));
  return out;
}

TEST(DispatchTest, KernelsForGivesTheTableOrSaysWhyNot) {
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    Result<const DistanceKernels*> kernels = KernelsFor(isa);
    if (HostSupports(isa)) {
      ASSERT_TRUE(kernels.ok()) << kernels.status().ToString();
      EXPECT_EQ((*kernels)->isa, isa);
    } else {
      ASSERT_FALSE(kernels.ok()) << IsaName(isa);
      EXPECT_EQ(kernels.status().code(), StatusCode::kUnsupported);
      EXPECT_EQ(kernels.status().message(),
                "this CPU does not support " + std::string(IsaName(isa)) + " (supported: " + SupportedList() + ")");
    }
  }
  Result<const DistanceKernels*> invalid = KernelsFor(static_cast<Isa>(99));
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(invalid.status().message(), "no ISA with value 99");
}

TEST(DispatchTest, ProcessKernelsIsChosenOnce) {
  Result<const DistanceKernels*> first = ProcessKernels();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Result<const DistanceKernels*> second = ProcessKernels();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);

  std::vector<const DistanceKernels*> seen(8, nullptr);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&seen, t] {
      Result<const DistanceKernels*> k = ProcessKernels();
      if (k.ok()) seen[t] = *k;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const DistanceKernels* k : seen) EXPECT_EQ(k, *first);
}

// CTest re-runs the suite with ZYPHYR_ISA=scalar|avx2|avx512 (test_main skips
// the run when the host lacks the ISA); without it the best ISA is chosen.
TEST(DispatchTest, ProcessKernelsHonoursZyphyrIsa) {
  Result<const DistanceKernels*> kernels = ProcessKernels();
  ASSERT_TRUE(kernels.ok()) << kernels.status().ToString();
  const char* forced = std::getenv("ZYPHYR_ISA");
  if (forced != nullptr && *forced != '\0') {
    Result<Isa> isa = ParseIsa(forced);
    ASSERT_TRUE(isa.ok()) << isa.status().ToString();
    EXPECT_EQ((*kernels)->isa, *isa);
  } else {
    EXPECT_EQ((*kernels)->isa, SupportedIsas().back());
  }
}

// ProcessKernels() decides once per process, so its error paths are checked in
// a fresh process: the "threadsafe" death-test style re-executes the binary
// rather than forking this one, whose choice is already made.
[[noreturn]] void ChooseWithZyphyrIsa(const char* value) {
  setenv("ZYPHYR_ISA", value, 1);
  Result<const DistanceKernels*> kernels = ProcessKernels();
  if (kernels.ok()) {
    std::fprintf(stderr, "chose %s\n", std::string(IsaName((*kernels)->isa)).c_str());
    std::exit(0);
  }
  std::fprintf(stderr, "%s\n", kernels.status().ToString().c_str());
  std::exit(3);
}

TEST(ProcessKernelsDeathTest, UnknownNameIsAnError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(ChooseWithZyphyrIsa("sse9"), ::testing::ExitedWithCode(3),
              "invalid argument: unknown ISA 'sse9' in ZYPHYR_ISA \\(expected scalar, avx2 or avx512\\)");
}

TEST(ProcessKernelsDeathTest, EmptyMeansBestSupported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(ChooseWithZyphyrIsa(""), ::testing::ExitedWithCode(0),
              "chose " + std::string(IsaName(SupportedIsas().back())));
}

TEST(ProcessKernelsDeathTest, ForcesEachIsaOrSaysTheHostLacksIt) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    const std::string name(IsaName(isa));
    if (HostSupports(isa)) {
      EXPECT_EXIT(ChooseWithZyphyrIsa(name.c_str()), ::testing::ExitedWithCode(0), "chose " + name);
    } else {
      EXPECT_EXIT(ChooseWithZyphyrIsa(name.c_str()), ::testing::ExitedWithCode(3),
                  "unsupported: ZYPHYR_ISA=" + name + " but this CPU does not support " + name +
                      " \\(supported: " + SupportedList() + "\\)");
    }
  }
}

}  // namespace
}  // namespace zyphyr
