// AVX2 + FMA kernels. This file alone is compiled with -mavx2 -mfma and is
// reached only through the dispatch table, after CPU detection.
//
// Everything here has internal linkage and uses no inline functions from
// other headers: an inline function instantiated in this translation unit
// would be compiled with AVX2, and the linker could pick that copy for the
// whole program. The table is constant-initialised, so nothing in this file
// runs before dispatch has checked the CPU.
#include "src/distance/kernels.h"

#if defined(__x86_64__)

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "src/distance/u8_batch.h"

namespace zyphyr {

namespace {

// _mm256_maskload_ps mask for the last `rem` (0..7) floats: the load of
// masked-off lanes never faults, so a tail never reads past the vector's end.
alignas(32) constexpr std::int32_t kTailMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

inline __m256i TailMask(std::size_t rem) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMaskTable + 8 - rem));
}

inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// The four horizontal sums of a0..a3, as one vector {sum(a0), ..., sum(a3)}.
inline __m128 HorizontalSum4(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
  const __m256 t01 = _mm256_hadd_ps(a0, a1);
  const __m256 t23 = _mm256_hadd_ps(a2, a3);
  const __m256 t = _mm256_hadd_ps(t01, t23);
  return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

// The per-element step of each metric: acc += f(q, x).
struct L2SqOp {
  static __m256 Step(__m256 acc, __m256 q, __m256 x) {
    const __m256 d = _mm256_sub_ps(q, x);
    return _mm256_fmadd_ps(d, d, acc);
  }
};

struct DotOp {
  static __m256 Step(__m256 acc, __m256 q, __m256 x) { return _mm256_fmadd_ps(q, x, acc); }
};

template <typename Op>
float Pair(const float* a, const float* b, std::size_t dim) {
  // Four accumulators hide the FMA latency (4 cycles, 2 per cycle issued).
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps();
  __m256 acc3 = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    acc0 = Op::Step(acc0, _mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    acc1 = Op::Step(acc1, _mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    acc2 = Op::Step(acc2, _mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
    acc3 = Op::Step(acc3, _mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
  }
  for (; i + 8 <= dim; i += 8) acc0 = Op::Step(acc0, _mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
  if (i < dim) {
    // Masked-off lanes load as zero in both operands, contributing 0 to
    // either metric.
    const __m256i mask = TailMask(dim - i);
    acc1 = Op::Step(acc1, _mm256_maskload_ps(a + i, mask), _mm256_maskload_ps(b + i, mask));
  }
  return HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
}

// Four rows at a time: each query load is shared by four rows, and two
// accumulators per row give eight independent FMA chains.
template <typename Op>
__m128 Block4(const float* query, const float* x0, const float* x1, const float* x2, const float* x3, std::size_t dim) {
  __m256 a0 = _mm256_setzero_ps(), b0 = _mm256_setzero_ps();
  __m256 a1 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
  __m256 a2 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps();
  __m256 a3 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    const __m256 qa = _mm256_loadu_ps(query + i);
    const __m256 qb = _mm256_loadu_ps(query + i + 8);
    a0 = Op::Step(a0, qa, _mm256_loadu_ps(x0 + i));
    b0 = Op::Step(b0, qb, _mm256_loadu_ps(x0 + i + 8));
    a1 = Op::Step(a1, qa, _mm256_loadu_ps(x1 + i));
    b1 = Op::Step(b1, qb, _mm256_loadu_ps(x1 + i + 8));
    a2 = Op::Step(a2, qa, _mm256_loadu_ps(x2 + i));
    b2 = Op::Step(b2, qb, _mm256_loadu_ps(x2 + i + 8));
    a3 = Op::Step(a3, qa, _mm256_loadu_ps(x3 + i));
    b3 = Op::Step(b3, qb, _mm256_loadu_ps(x3 + i + 8));
  }
  if (i + 8 <= dim) {
    const __m256 q = _mm256_loadu_ps(query + i);
    a0 = Op::Step(a0, q, _mm256_loadu_ps(x0 + i));
    a1 = Op::Step(a1, q, _mm256_loadu_ps(x1 + i));
    a2 = Op::Step(a2, q, _mm256_loadu_ps(x2 + i));
    a3 = Op::Step(a3, q, _mm256_loadu_ps(x3 + i));
    i += 8;
  }
  if (i < dim) {
    const __m256i mask = TailMask(dim - i);
    const __m256 q = _mm256_maskload_ps(query + i, mask);
    b0 = Op::Step(b0, q, _mm256_maskload_ps(x0 + i, mask));
    b1 = Op::Step(b1, q, _mm256_maskload_ps(x1 + i, mask));
    b2 = Op::Step(b2, q, _mm256_maskload_ps(x2 + i, mask));
    b3 = Op::Step(b3, q, _mm256_maskload_ps(x3 + i, mask));
  }
  return HorizontalSum4(_mm256_add_ps(a0, b0), _mm256_add_ps(a1, b1), _mm256_add_ps(a2, b2), _mm256_add_ps(a3, b3));
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

// ---- int8 codes ----
//
// Sixteen codes at a time are widened to 16-bit lanes (vpmovzxbw) and
// multiplied pairwise into 32-bit lanes by vpmaddwd: each product is at most
// 255^2 and each pair sum at most 130050, so nothing saturates or overflows.
// The 32-bit lanes wrap modulo 2^32 like the scalar reference's uint32 sum,
// so the total is exact whenever the true value fits (dim <= kMaxU8Dim).

inline __m256i Widen16(const std::uint8_t* p) {
  return _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

inline std::uint32_t HorizontalSumU32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return static_cast<std::uint32_t>(_mm_cvtsi128_si32(s));
}

struct L2SqU8Op {
  static __m256i Step16(__m256i acc, const std::uint8_t* a, const std::uint8_t* b) {
    const __m256i d = _mm256_sub_epi16(Widen16(a), Widen16(b));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(d, d));
  }
  static std::uint32_t Term(std::uint8_t a, std::uint8_t b) {
    const int d = static_cast<int>(a) - static_cast<int>(b);
    return static_cast<std::uint32_t>(d * d);
  }
};

struct DotU8Op {
  static __m256i Step16(__m256i acc, const std::uint8_t* a, const std::uint8_t* b) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(Widen16(a), Widen16(b)));
  }
  static std::uint32_t Term(std::uint8_t a, std::uint8_t b) {
    return static_cast<std::uint32_t>(a) * static_cast<std::uint32_t>(b);
  }
};

// One loop for both byte types: Op::Step16 widens 16 bytes of its type.
template <typename Op, typename Byte>
std::uint32_t PairBytes(const Byte* a, const Byte* b, std::size_t dim) {
  // Two accumulators: the multiplies are independent, only the adds chain.
  __m256i acc0 = _mm256_setzero_si256();
  __m256i acc1 = _mm256_setzero_si256();
  std::size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    acc0 = Op::Step16(acc0, a + i, b + i);
    acc1 = Op::Step16(acc1, a + i + 16, b + i + 16);
  }
  if (i + 16 <= dim) {
    acc0 = Op::Step16(acc0, a + i, b + i);
    i += 16;
  }
  // AVX2 has no byte-masked load: the last dim % 16 bytes one at a time.
  std::uint32_t sum = HorizontalSumU32(_mm256_add_epi32(acc0, acc1));
  for (; i < dim; ++i) sum += Op::Term(a[i], b[i]);
  return sum;
}

// ---- signed bytes (int8 rows) ----
//
// As above with sign extension (vpmovsxbw): differences lie in [-255, 255]
// and products in [-16256, 16384], so vpmaddwd's pair sums fit 32 bits.

inline __m256i Widen16Signed(const std::int8_t* p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

struct L2SqI8Op {
  static __m256i Step16(__m256i acc, const std::int8_t* a, const std::int8_t* b) {
    const __m256i d = _mm256_sub_epi16(Widen16Signed(a), Widen16Signed(b));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(d, d));
  }
  static std::uint32_t Term(std::int8_t a, std::int8_t b) {
    const int d = static_cast<int>(a) - static_cast<int>(b);
    return static_cast<std::uint32_t>(d * d);
  }
};

struct DotI8Op {
  static __m256i Step16(__m256i acc, const std::int8_t* a, const std::int8_t* b) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(Widen16Signed(a), Widen16Signed(b)));
  }
  static std::uint32_t Term(std::int8_t a, std::int8_t b) {
    return static_cast<std::uint32_t>(static_cast<std::int32_t>(a) * static_cast<std::int32_t>(b));
  }
};

// The signed sum, computed modulo 2^32 in the lanes like the scalar one.
std::int32_t DotI8(const std::int8_t* a, const std::int8_t* b, std::size_t dim) {
  return static_cast<std::int32_t>(PairBytes<DotI8Op>(a, b, dim));
}

constexpr DistanceKernels kAvx2Kernels{
    .isa = Isa::kAvx2,
    .l2_sq = &Pair<L2SqOp>,
    .dot = &Pair<DotOp>,
    .l2_sq_batch = &Batch<L2SqOp>,
    .dot_batch = &Batch<DotOp>,
    .l2_sq_u8 = &PairBytes<L2SqU8Op, std::uint8_t>,
    .dot_u8 = &PairBytes<DotU8Op, std::uint8_t>,
    .l2_sq_u8_batch = &u8_batch::ByPairs<&PairBytes<L2SqU8Op, std::uint8_t>>,
    .dot_u8_batch = &u8_batch::ByPairs<&PairBytes<DotU8Op, std::uint8_t>>,
    .l2_sq_i8 = &PairBytes<L2SqI8Op, std::int8_t>,
    .dot_i8 = &DotI8,
    .vnni = false,
};

}  // namespace

const DistanceKernels& Avx2Kernels() { return kAvx2Kernels; }

}  // namespace zyphyr

#endif  // defined(__x86_64__)
