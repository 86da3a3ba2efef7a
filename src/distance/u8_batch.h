// How each ISA's file builds its U8BatchKernel (kernels.h) from a kernel that
// scores four codes at once, or from its pair kernel. Include only from the
// kernel files: the templates are `static`, so each file gets its own copy
// compiled with its own ISA flags (see avx512_u8_helpers.h for why).
#ifndef ZYPHYR_SRC_DISTANCE_U8_BATCH_H_
#define ZYPHYR_SRC_DISTANCE_U8_BATCH_H_

#include <cstddef>
#include <cstdint>

namespace zyphyr::u8_batch {

// out[i] = pair(query, codes[i], dim): the pair kernel inlined into one loop.
template <std::uint32_t (*kPair)(const std::uint8_t*, const std::uint8_t*, std::size_t)>
static void ByPairs(const std::uint8_t* query, const std::uint8_t* const* codes, std::size_t n, std::size_t dim,
                    std::uint32_t* out) {
  for (std::size_t i = 0; i < n; ++i) out[i] = kPair(query, codes[i], dim);
}

// out[i] for blocks of four codes by kBlock4(query, four code pointers, dim,
// four outputs); the last n % 4: two or three as one more block with the
// last code repeated (its loads hit L1), one by kPair.
template <void (*kBlock4)(const std::uint8_t*, const std::uint8_t* const*, std::size_t, std::uint32_t*),
          std::uint32_t (*kPair)(const std::uint8_t*, const std::uint8_t*, std::size_t)>
static void ByBlocks(const std::uint8_t* query, const std::uint8_t* const* codes, std::size_t n, std::size_t dim,
                     std::uint32_t* out) {
  std::size_t r = 0;
  for (; r + 4 <= n; r += 4) kBlock4(query, codes + r, dim, out + r);
  const std::size_t rest = n - r;
  if (rest >= 2) {
    const std::uint8_t* last = codes[n - 1];
    const std::uint8_t* tail[4] = {codes[r], codes[r + 1], rest == 3 ? codes[r + 2] : last, last};
    std::uint32_t sums[4];
    kBlock4(query, tail, dim, sums);
    for (std::size_t k = 0; k < rest; ++k) out[r + k] = sums[k];
  } else if (rest == 1) {
    out[r] = kPair(query, codes[r], dim);
  }
}

}  // namespace zyphyr::u8_batch

#endif  // ZYPHYR_SRC_DISTANCE_U8_BATCH_H_
