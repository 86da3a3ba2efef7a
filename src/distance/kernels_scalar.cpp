// The scalar kernels: the reference every SIMD table is tested against, and
// the fallback on CPUs without AVX2. Compiled at the baseline ISA.
//
// Four independent accumulators break the add dependency chain (about 4x
// faster than one) while keeping a fixed, easily reasoned-about summation
// order: lane j sums the terms i with i % 4 == j, then the lanes are added.
// The int8 kernels are exact, so their order does not matter: uint32
// arithmetic wraps, and the sum is exact whenever the true value fits.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "src/distance/kernels.h"
#include "src/distance/u8_batch.h"

namespace zyphyr {

namespace {

float L2SqScalar(const float* a, const float* b, std::size_t dim) {
  float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  std::size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    for (std::size_t j = 0; j < 4; ++j) {
      const float d = a[i + j] - b[i + j];
      acc[j] += d * d;
    }
  }
  for (std::size_t j = 0; i < dim; ++i, ++j) {
    const float d = a[i] - b[i];
    acc[j] += d * d;
  }
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

float DotScalar(const float* a, const float* b, std::size_t dim) {
  float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  std::size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    for (std::size_t j = 0; j < 4; ++j) acc[j] += a[i + j] * b[i + j];
  }
  for (std::size_t j = 0; i < dim; ++i, ++j) acc[j] += a[i] * b[i];
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

void L2SqBatchScalar(const float* query, const float* const* rows, std::size_t n, std::size_t dim, float* out) {
  for (std::size_t r = 0; r < n; ++r) out[r] = L2SqScalar(query, rows[r], dim);
}

void DotBatchScalar(const float* query, const float* const* rows, std::size_t n, std::size_t dim, float* out) {
  for (std::size_t r = 0; r < n; ++r) out[r] = DotScalar(query, rows[r], dim);
}

// Squared L2 of two byte vectors (uint8 or int8), exactly (modulo 2^32).
template <typename Byte>
std::uint32_t L2SqBytesScalar(const Byte* a, const Byte* b, std::size_t dim) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < dim; ++i) {
    const int d = static_cast<int>(a[i]) - static_cast<int>(b[i]);
    sum += static_cast<std::uint32_t>(d * d);
  }
  return sum;
}

std::uint32_t DotU8Scalar(const std::uint8_t* a, const std::uint8_t* b, std::size_t dim) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < dim; ++i) sum += static_cast<std::uint32_t>(a[i]) * static_cast<std::uint32_t>(b[i]);
  return sum;
}

std::int32_t DotI8Scalar(const std::int8_t* a, const std::int8_t* b, std::size_t dim) {
  std::int32_t sum = 0;
  for (std::size_t i = 0; i < dim; ++i) sum += static_cast<std::int32_t>(a[i]) * static_cast<std::int32_t>(b[i]);
  return sum;
}

constexpr DistanceKernels kScalarKernels{
    .isa = Isa::kScalar,
    .l2_sq = &L2SqScalar,
    .dot = &DotScalar,
    .l2_sq_batch = &L2SqBatchScalar,
    .dot_batch = &DotBatchScalar,
    .l2_sq_u8 = &L2SqBytesScalar<std::uint8_t>,
    .dot_u8 = &DotU8Scalar,
    .l2_sq_u8_batch = &u8_batch::ByPairs<&L2SqBytesScalar<std::uint8_t>>,
    .dot_u8_batch = &u8_batch::ByPairs<&DotU8Scalar>,
    .l2_sq_i8 = &L2SqBytesScalar<std::int8_t>,
    .dot_i8 = &DotI8Scalar,
    .vnni = false,
};

}  // namespace

const DistanceKernels& ScalarKernels() { return kScalarKernels; }

std::string_view IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "unknown";
}

}  // namespace zyphyr
