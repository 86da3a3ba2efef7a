// The int8 kernels of AVX-512 VNNI, for the table in kernels_avx512.cpp
// (Avx512VnniKernels() in kernels.h). Call them only on a CPU with AVX-512
// F, VL, BW, DQ and VNNI (CpuFeatures::avx512_vnni): anywhere else they raise
// SIGILL. Contracts as U8PairKernel and U8BatchKernel in kernels.h.
#ifndef ZYPHYR_SRC_DISTANCE_KERNELS_AVX512_VNNI_H_
#define ZYPHYR_SRC_DISTANCE_KERNELS_AVX512_VNNI_H_

#include <cstddef>
#include <cstdint>

namespace zyphyr {

#if defined(__x86_64__)
std::uint32_t L2SqU8Avx512Vnni(const std::uint8_t* a, const std::uint8_t* b, std::size_t dim);
std::uint32_t DotU8Avx512Vnni(const std::uint8_t* a, const std::uint8_t* b, std::size_t dim);
void L2SqU8BatchAvx512Vnni(const std::uint8_t* query, const std::uint8_t* const* codes, std::size_t n, std::size_t dim,
                           std::uint32_t* out);
void DotU8BatchAvx512Vnni(const std::uint8_t* query, const std::uint8_t* const* codes, std::size_t n, std::size_t dim,
                          std::uint32_t* out);
#endif

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_DISTANCE_KERNELS_AVX512_VNNI_H_
