// AVX-512 kernels. This file alone is compiled with -mavx512f -mavx512vl
// -mavx512bw -mavx512dq -mavx2 -mfma and is reached only through the dispatch
// table, after CPU detection. It holds both AVX-512 tables; the VNNI int8
// kernels of the second are compiled apart, in kernels_avx512_vnni.cpp, so
// that the compiler cannot emit VNNI instructions into the first.
//
// Everything here has internal linkage and uses no inline functions from
// other headers: an inline function instantiated in this translation unit
// would be compiled with AVX-512, and the linker could pick that copy for the
// whole program. The table is constant-initialised, so nothing in this file
// runs before dispatch has checked the CPU.
#include "src/distance/kernels.h"

#if defined(__x86_64__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "src/distance/avx512_u8_helpers.h"
#include "src/distance/kernels_avx512_vnni.h"
#include "src/distance/u8_batch.h"

namespace zyphyr {

namespace {

// Mask of the first `rem` (0..15) lanes. Masked-off lanes are neither read
// (no fault past the vector's end) nor nonzero (maskz), so they add 0.
inline __mmask16 TailMask(std::size_t rem) { return static_cast<__mmask16>((1u << rem) - 1u); }

// The two 256-bit halves of v, added. The zero-masked extracts stand in for
// _mm512_castps512_ps256 and _mm512_reduce_add_ps, which GCC 12 builds from a
// self-initialised "undefined" vector that -Wmaybe-uninitialized misreports;
// with an all-ones mask they compile to plain extracts.
inline __m256 FoldHalves(__m512 v) {
  return _mm256_add_ps(_mm512_maskz_extractf32x8_ps(0xFF, v, 0), _mm512_maskz_extractf32x8_ps(0xFF, v, 1));
}

inline float HorizontalSum(__m512 v) {
  const __m256 h = FoldHalves(v);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// The four horizontal sums of a0..a3, as one vector {sum(a0), ..., sum(a3)}.
inline __m128 HorizontalSum4(__m512 a0, __m512 a1, __m512 a2, __m512 a3) {
  const __m256 t =
      _mm256_hadd_ps(_mm256_hadd_ps(FoldHalves(a0), FoldHalves(a1)), _mm256_hadd_ps(FoldHalves(a2), FoldHalves(a3)));
  return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

// The per-element step of each metric: acc += f(q, x).
struct L2SqOp {
  static __m512 Step(__m512 acc, __m512 q, __m512 x) {
    const __m512 d = _mm512_sub_ps(q, x);
    return _mm512_fmadd_ps(d, d, acc);
  }
};

struct DotOp {
  static __m512 Step(__m512 acc, __m512 q, __m512 x) { return _mm512_fmadd_ps(q, x, acc); }
};

template <typename Op>
float Pair(const float* a, const float* b, std::size_t dim) {
  // Four accumulators hide the FMA latency.
  __m512 acc0 = _mm512_setzero_ps();
  __m512 acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps();
  __m512 acc3 = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 64 <= dim; i += 64) {
    acc0 = Op::Step(acc0, _mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    acc1 = Op::Step(acc1, _mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
    acc2 = Op::Step(acc2, _mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
    acc3 = Op::Step(acc3, _mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
  }
  for (; i + 16 <= dim; i += 16) acc0 = Op::Step(acc0, _mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
  if (i < dim) {
    const __mmask16 mask = TailMask(dim - i);
    acc1 = Op::Step(acc1, _mm512_maskz_loadu_ps(mask, a + i), _mm512_maskz_loadu_ps(mask, b + i));
  }
  return HorizontalSum(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

// Four rows at a time: each query load is shared by four rows, and two
// accumulators per row give eight independent FMA chains.
template <typename Op>
__m128 Block4(const float* query, const float* x0, const float* x1, const float* x2, const float* x3, std::size_t dim) {
  __m512 a0 = _mm512_setzero_ps(), b0 = _mm512_setzero_ps();
  __m512 a1 = _mm512_setzero_ps(), b1 = _mm512_setzero_ps();
  __m512 a2 = _mm512_setzero_ps(), b2 = _mm512_setzero_ps();
  __m512 a3 = _mm512_setzero_ps(), b3 = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    const __m512 qa = _mm512_loadu_ps(query + i);
    const __m512 qb = _mm512_loadu_ps(query + i + 16);
    a0 = Op::Step(a0, qa, _mm512_loadu_ps(x0 + i));
    b0 = Op::Step(b0, qb, _mm512_loadu_ps(x0 + i + 16));
    a1 = Op::Step(a1, qa, _mm512_loadu_ps(x1 + i));
    b1 = Op::Step(b1, qb, _mm512_loadu_ps(x1 + i + 16));
    a2 = Op::Step(a2, qa, _mm512_loadu_ps(x2 + i));
    b2 = Op::Step(b2, qb, _mm512_loadu_ps(x2 + i + 16));
    a3 = Op::Step(a3, qa, _mm512_loadu_ps(x3 + i));
    b3 = Op::Step(b3, qb, _mm512_loadu_ps(x3 + i + 16));
  }
  // Rows padded to a multiple of 16 floats end here, after at most one
  // full vector.
  if (i + 16 <= dim) {
    const __m512 q = _mm512_loadu_ps(query + i);
    a0 = Op::Step(a0, q, _mm512_loadu_ps(x0 + i));
    a1 = Op::Step(a1, q, _mm512_loadu_ps(x1 + i));
    a2 = Op::Step(a2, q, _mm512_loadu_ps(x2 + i));
    a3 = Op::Step(a3, q, _mm512_loadu_ps(x3 + i));
    i += 16;
  }
  if (i < dim) {
    const __mmask16 mask = TailMask(dim - i);
    const __m512 q = _mm512_maskz_loadu_ps(mask, query + i);
    b0 = Op::Step(b0, q, _mm512_maskz_loadu_ps(mask, x0 + i));
    b1 = Op::Step(b1, q, _mm512_maskz_loadu_ps(mask, x1 + i));
    b2 = Op::Step(b2, q, _mm512_maskz_loadu_ps(mask, x2 + i));
    b3 = Op::Step(b3, q, _mm512_maskz_loadu_ps(mask, x3 + i));
  }
  return HorizontalSum4(_mm512_add_ps(a0, b0), _mm512_add_ps(a1, b1), _mm512_add_ps(a2, b2), _mm512_add_ps(a3, b3));
}

// The last n < 4 rows of a batch. Two or three: one more block with the last
// row repeated (its repeated loads hit L1), which beats two or three
// single-row calls; one: the pair kernel.
template <typename Op>
void BatchTail(const float* query, const float* const* rows, std::size_t n, std::size_t dim, float* out) {
  if (n >= 2) {
    float tail[4];
    const float* last = rows[n - 1];
    _mm_storeu_ps(tail, Block4<Op>(query, rows[0], rows[1], n == 3 ? rows[2] : last, last, dim));
    for (std::size_t k = 0; k < n; ++k) out[k] = tail[k];
  } else if (n == 1) {
    out[0] = Pair<Op>(query, rows[0], dim);
  }
}

template <typename Op>
void Batch(const float* query, const float* const* rows, std::size_t n, std::size_t dim, float* out) {
  std::size_t r = 0;
  for (; r + 4 <= n; r += 4) {
    _mm_storeu_ps(out + r, Block4<Op>(query, rows[r], rows[r + 1], rows[r + 2], rows[r + 3], dim));
  }
  BatchTail<Op>(query, rows + r, n - r, dim, out + r);
}

// ---- int8 codes (AVX-512 BW) ----
//
// 64 codes at a time: the bytes are interleaved with zero into 16-bit lanes
// (vpunpck[lh]bw; the lane order changes, which a sum does not mind) and
// multiplied pairwise into 32-bit lanes by vpmaddwd. Each pair sum is at most
// 2 * 255^2 = 130050, so nothing saturates; the 32-bit lanes wrap modulo 2^32
// like the scalar reference's uint32 sum, so the total is exact whenever the
// true value fits (dim <= kMaxU8Dim). kernels_avx512_vnni.cpp has the VNNI
// variant; this one serves AVX-512 CPUs without VNNI (Skylake-X).

struct L2SqU8Op {
  static __m512i Step(__m512i acc, __m512i a, __m512i b) {
    // |a - b| as bytes: one of the two saturating differences is zero.
    const __m512i d = _mm512_or_si512(_mm512_subs_epu8(a, b), _mm512_subs_epu8(b, a));
    const __m512i zero = _mm512_setzero_si512();
    const __m512i lo = _mm512_unpacklo_epi8(d, zero);
    const __m512i hi = _mm512_unpackhi_epi8(d, zero);
    return _mm512_add_epi32(acc, _mm512_add_epi32(_mm512_madd_epi16(lo, lo), _mm512_madd_epi16(hi, hi)));
  }
};

struct DotU8Op {
  static __m512i Step(__m512i acc, __m512i a, __m512i b) {
    const __m512i zero = _mm512_setzero_si512();
    const __m512i lo = _mm512_madd_epi16(_mm512_unpacklo_epi8(a, zero), _mm512_unpacklo_epi8(b, zero));
    const __m512i hi = _mm512_madd_epi16(_mm512_unpackhi_epi8(a, zero), _mm512_unpackhi_epi8(b, zero));
    return _mm512_add_epi32(acc, _mm512_add_epi32(lo, hi));
  }
};

template <typename Op>
std::uint32_t PairU8(const std::uint8_t* a, const std::uint8_t* b, std::size_t dim) {
  __m512i acc0 = _mm512_setzero_si512();
  __m512i acc1 = _mm512_setzero_si512();
  std::size_t i = 0;
  for (; i + 128 <= dim; i += 128) {
    acc0 = Op::Step(acc0, _mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
    acc1 = Op::Step(acc1, _mm512_loadu_si512(a + i + 64), _mm512_loadu_si512(b + i + 64));
  }
  if (i + 64 <= dim) {
    acc0 = Op::Step(acc0, _mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
    i += 64;
  }
  if (i < dim) {
    // Masked-off bytes are neither read nor nonzero: they add 0.
    const __mmask64 mask = avx512_u8::TailMask(dim - i);
    acc1 = Op::Step(acc1, _mm512_maskz_loadu_epi8(mask, a + i), _mm512_maskz_loadu_epi8(mask, b + i));
  }
  return avx512_u8::HorizontalSum(_mm512_add_epi32(acc0, acc1));
}

// Four codes against one query, each query load shared (the batch kernels).
template <typename Op>
void Block4U8(const std::uint8_t* q, const std::uint8_t* const* x, std::size_t dim, std::uint32_t* out) {
  __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
  avx512_u8::Block4(
      q, x, dim, [](__m512i a, __m512i qv, __m512i xv) { return Op::Step(a, qv, xv); }, [](__m512i) {}, acc);
  for (int j = 0; j < 4; ++j) out[j] = avx512_u8::HorizontalSum(acc[j]);
}

template <typename Op>
void BatchU8(const std::uint8_t* query, const std::uint8_t* const* codes, std::size_t n, std::size_t dim,
             std::uint32_t* out) {
  u8_batch::ByBlocks<&Block4U8<Op>, &PairU8<Op>>(query, codes, n, dim, out);
}

// ---- signed bytes (int8 rows, AVX-512 BW) ----
//
// 32 bytes at a time sign-extended to 16-bit lanes (vpmovsxbw), then
// vpmaddwd as in the AVX2 kernels; the tail is a zero-masked load.

struct L2SqI8Op {
  static __m512i Step(__m512i acc, __m512i a, __m512i b) {
    const __m512i d = _mm512_sub_epi16(a, b);
    return _mm512_add_epi32(acc, _mm512_madd_epi16(d, d));
  }
};

struct DotI8Op {
  static __m512i Step(__m512i acc, __m512i a, __m512i b) { return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b)); }
};

inline __m512i Widen32Signed(const std::int8_t* p) {
  return _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

template <typename Op>
std::uint32_t PairI8(const std::int8_t* a, const std::int8_t* b, std::size_t dim) {
  __m512i acc0 = _mm512_setzero_si512();
  __m512i acc1 = _mm512_setzero_si512();
  std::size_t i = 0;
  for (; i + 64 <= dim; i += 64) {
    acc0 = Op::Step(acc0, Widen32Signed(a + i), Widen32Signed(b + i));
    acc1 = Op::Step(acc1, Widen32Signed(a + i + 32), Widen32Signed(b + i + 32));
  }
  for (; i + 32 <= dim; i += 32) acc0 = Op::Step(acc0, Widen32Signed(a + i), Widen32Signed(b + i));
  if (i < dim) {
    const __mmask32 mask = static_cast<__mmask32>((std::uint64_t{1} << (dim - i)) - 1u);
    acc1 = Op::Step(acc1, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(mask, a + i)),
                    _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(mask, b + i)));
  }
  return avx512_u8::HorizontalSum(_mm512_add_epi32(acc0, acc1));
}

std::int32_t DotI8(const std::int8_t* a, const std::int8_t* b, std::size_t dim) {
  return static_cast<std::int32_t>(PairI8<DotI8Op>(a, b, dim));
}

constexpr DistanceKernels kAvx512Kernels{
    .isa = Isa::kAvx512,
    .l2_sq = &Pair<L2SqOp>,
    .dot = &Pair<DotOp>,
    .l2_sq_batch = &Batch<L2SqOp>,
    .dot_batch = &Batch<DotOp>,
    .l2_sq_u8 = &PairU8<L2SqU8Op>,
    .dot_u8 = &PairU8<DotU8Op>,
    .l2_sq_u8_batch = &BatchU8<L2SqU8Op>,
    .dot_u8_batch = &BatchU8<DotU8Op>,
    .l2_sq_i8 = &PairI8<L2SqI8Op>,
    .dot_i8 = &DotI8,
    .vnni = false,
};

// The same table with the VNNI int8 kernels. Both are constant-initialised:
// taking the address of a function in kernels_avx512_vnni.cpp runs nothing.
constexpr DistanceKernels kAvx512VnniKernels{
    .isa = Isa::kAvx512,
    .l2_sq = &Pair<L2SqOp>,
    .dot = &Pair<DotOp>,
    .l2_sq_batch = &Batch<L2SqOp>,
    .dot_batch = &Batch<DotOp>,
    .l2_sq_u8 = &L2SqU8Avx512Vnni,
    .dot_u8 = &DotU8Avx512Vnni,
    .l2_sq_u8_batch = &L2SqU8BatchAvx512Vnni,
    .dot_u8_batch = &DotU8BatchAvx512Vnni,
    .l2_sq_i8 = &PairI8<L2SqI8Op>,
    .dot_i8 = &DotI8,
    .vnni = true,
};

}  // namespace

const DistanceKernels& Avx512Kernels() { return kAvx512Kernels; }

const DistanceKernels& Avx512VnniKernels() { return kAvx512VnniKernels; }

}  // namespace zyphyr

#endif  // defined(__x86_64__)
