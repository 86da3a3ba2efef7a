// Helpers shared by the AVX-512 int8 kernels (kernels_avx512.cpp, built for
// AVX-512 BW, and kernels_avx512_vnni.cpp, built with VNNI too). Include only
// from those files. The functions are `static`: each file gets its own copy
// compiled with its own flags, so the linker can never hand the BW kernels a
// copy that uses VNNI instructions (an inline function with external linkage
// would be merged across the two files).
#ifndef ZYPHYR_SRC_DISTANCE_AVX512_U8_HELPERS_H_
#define ZYPHYR_SRC_DISTANCE_AVX512_U8_HELPERS_H_

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace zyphyr::avx512_u8 {

// Mask of the first `rem` (0..63) bytes, for the zero-filling masked loads.
static inline __mmask64 TailMask(std::size_t rem) { return (std::uint64_t{1} << rem) - 1u; }

// The sum of the 16 uint32 lanes (wrapping modulo 2^32). The zero-masked
// extracts stand in for _mm512_castsi512_si256, which GCC 12 builds from a
// self-initialised "undefined" vector that -Wmaybe-uninitialized misreports.
static inline std::uint32_t HorizontalSum(__m512i v) {
  const __m256i h =
      _mm256_add_epi32(_mm512_maskz_extracti32x8_epi32(0xFF, v, 0), _mm512_maskz_extracti32x8_epi32(0xFF, v, 1));
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return static_cast<std::uint32_t>(_mm_cvtsi128_si32(s));
}

// Four codes x[0..3] against one query q, 64 bytes at a time: each query
// load is shared by the four, and acc[j] (which the caller zeroes) collects
// step(acc[j], query bytes, x[j]'s bytes) over the whole vectors, the tail
// through zero-filling masked loads. on_query(query bytes) sees each query
// load once (VNNI's dot product sums the query's bytes).
template <typename Step, typename OnQuery>
static inline void Block4(const std::uint8_t* q, const std::uint8_t* const* x, std::size_t dim, Step step,
                          OnQuery on_query, __m512i acc[4]) {
  std::size_t i = 0;
  for (; i + 64 <= dim; i += 64) {
    const __m512i qv = _mm512_loadu_si512(q + i);
    on_query(qv);
    for (int j = 0; j < 4; ++j) acc[j] = step(acc[j], qv, _mm512_loadu_si512(x[j] + i));
  }
  if (i < dim) {
    const __mmask64 mask = TailMask(dim - i);
    const __m512i qv = _mm512_maskz_loadu_epi8(mask, q + i);
    on_query(qv);
    for (int j = 0; j < 4; ++j) acc[j] = step(acc[j], qv, _mm512_maskz_loadu_epi8(mask, x[j] + i));
  }
}

}  // namespace zyphyr::avx512_u8

#endif  // ZYPHYR_SRC_DISTANCE_AVX512_U8_HELPERS_H_
