// AVX-512 VNNI int8 kernels. This file alone is compiled with -mavx512vnni
// (on top of the AVX-512 flags of kernels_avx512.cpp) and is reached only
// through Avx512VnniKernels(), which dispatch returns only on a CPU with VNNI.
//
// vpdpbusd multiplies unsigned bytes by SIGNED bytes and adds each group of
// four products into a 32-bit lane. Codes are unsigned on both sides, so one
// operand is shifted into the signed range and the shift corrected:
//   sum u * v = sum u * (v - 128) + 128 * sum u,
// with v - 128 computed as v XOR 0x80 and sum u by vpsadbw against zero.
// For the squared L2 distance, u = v = |a - b| (one byte, 0..255). All 32-bit
// lanes wrap modulo 2^32, as the scalar reference's uint32 sum does, so the
// result is exact whenever the true value fits (dim <= kMaxU8Dim).
//
// Everything but the two entry points has internal linkage, and no inline
// function from another header is used (see kernels_avx512.cpp).
#include "src/distance/kernels_avx512_vnni.h"

#if defined(__x86_64__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace zyphyr {

namespace {

inline __mmask64 TailMaskU8(std::size_t rem) { return (std::uint64_t{1} << rem) - 1u; }

// The zero-masked extracts stand in for _mm512_castsi512_si256, which GCC 12
// builds from a self-initialised "undefined" vector that
// -Wmaybe-uninitialized misreports (as in kernels_avx512.cpp).
inline __m256i FoldHalves32(__m512i v) {
  return _mm256_add_epi32(_mm512_maskz_extracti32x8_epi32(0xFF, v, 0), _mm512_maskz_extracti32x8_epi32(0xFF, v, 1));
}

inline __m256i FoldHalves64(__m512i v) {
  return _mm256_add_epi64(_mm512_maskz_extracti64x4_epi64(0xF, v, 0), _mm512_maskz_extracti64x4_epi64(0xF, v, 1));
}

inline std::uint32_t HorizontalSumU32(__m512i v) {
  const __m256i h = FoldHalves32(v);
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return static_cast<std::uint32_t>(_mm_cvtsi128_si32(s));
}

inline std::uint64_t HorizontalSumU64(__m512i v) {
  const __m256i h = FoldHalves64(v);
  const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  return static_cast<std::uint64_t>(_mm_cvtsi128_si64(s)) + static_cast<std::uint64_t>(_mm_extract_epi64(s, 1));
}

// Accumulators of one kernel call: `dot` collects sum u * (v - 128) in 32-bit
// lanes, `sum_u` collects sum u in 64-bit lanes (vpsadbw's layout).
struct Acc {
  __m512i dot = _mm512_setzero_si512();
  __m512i sum_u = _mm512_setzero_si512();
};

// acc += u * v over 64 byte pairs, both unsigned.
inline void Step(Acc& acc, __m512i u, __m512i v) {
  const __m512i v_signed = _mm512_xor_si512(v, _mm512_set1_epi8(static_cast<char>(0x80)));
  acc.dot = _mm512_dpbusd_epi32(acc.dot, u, v_signed);
  acc.sum_u = _mm512_add_epi64(acc.sum_u, _mm512_sad_epu8(u, _mm512_setzero_si512()));
}

inline std::uint32_t Finish(const Acc& a0, const Acc& a1) {
  const std::uint32_t dot = HorizontalSumU32(_mm512_add_epi32(a0.dot, a1.dot));
  const std::uint64_t sum_u = HorizontalSumU64(_mm512_add_epi64(a0.sum_u, a1.sum_u));
  return dot + static_cast<std::uint32_t>(sum_u * 128u);
}

struct L2SqU8Op {
  static void Step2(Acc& acc, __m512i a, __m512i b) {
    // |a - b| as bytes: one of the two saturating differences is zero.
    const __m512i d = _mm512_or_si512(_mm512_subs_epu8(a, b), _mm512_subs_epu8(b, a));
    Step(acc, d, d);
  }
};

struct DotU8Op {
  static void Step2(Acc& acc, __m512i a, __m512i b) { Step(acc, a, b); }
};

template <typename Op>
std::uint32_t PairU8(const std::uint8_t* a, const std::uint8_t* b, std::size_t dim) {
  // Two sets of accumulators hide vpdpbusd's latency.
  Acc acc0;
  Acc acc1;
  std::size_t i = 0;
  for (; i + 128 <= dim; i += 128) {
    Op::Step2(acc0, _mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
    Op::Step2(acc1, _mm512_loadu_si512(a + i + 64), _mm512_loadu_si512(b + i + 64));
  }
  if (i + 64 <= dim) {
    Op::Step2(acc0, _mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
    i += 64;
  }
  if (i < dim) {
    // Masked-off bytes are neither read nor nonzero: they add 0 to both sums.
    const __mmask64 mask = TailMaskU8(dim - i);
    Op::Step2(acc1, _mm512_maskz_loadu_epi8(mask, a + i), _mm512_maskz_loadu_epi8(mask, b + i));
  }
  return Finish(acc0, acc1);
}

}  // namespace

std::uint32_t L2SqU8Avx512Vnni(const std::uint8_t* a, const std::uint8_t* b, std::size_t dim) {
  return PairU8<L2SqU8Op>(a, b, dim);
}

std::uint32_t DotU8Avx512Vnni(const std::uint8_t* a, const std::uint8_t* b, std::size_t dim) {
  return PairU8<DotU8Op>(a, b, dim);
}

}  // namespace zyphyr

#endif  // defined(__x86_64__)
