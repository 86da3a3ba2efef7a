// The distance-kernel table: plain function pointers, one set per ISA, chosen
// once per process (see dispatch.h). Callers capture the table (or a pointer
// from it) once, outside their loops.
//
// Every kernel accepts any dimension >= 0 and any alignment; callers that pad
// rows to PaddedDim() (see src/core/vector_store.h) avoid the tail code.
//
// The int8 kernels (l2_sq_u8, dot_u8 and their batch forms) work on the uint8 codes of
// src/quant/scalar_quantizer.h and are exact: every table returns the same
// integer as the scalar reference (see U8PairKernel).
//
// AVX-512 VNNI is not an ISA of its own: on a CPU with it, the "avx512" table
// is Avx512VnniKernels(), which differs from Avx512Kernels() only in its int8
// kernels (VNNI's fused multiply-adds, vpdpbusd and vpdpwssd, instead of
// AVX-512 BW's vpmaddwd followed by an add). The choice is made with the rest
// of the table, once per process, so a search loop still captures one pointer
// outside the loop, and ZYPHYR_ISA keeps its three names; a separate Isa value
// would have duplicated every float kernel for no difference. The table's
// `vnni` flag says which variant runs.
#ifndef ZYPHYR_SRC_DISTANCE_KERNELS_H_
#define ZYPHYR_SRC_DISTANCE_KERNELS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace zyphyr {

// Instruction sets with their own kernels, in order of preference (best last).
enum class Isa : std::uint32_t {
  kScalar = 0,
  kAvx2 = 1,    // AVX2 + FMA
  kAvx512 = 2,  // AVX-512 F
};

// "scalar", "avx2", "avx512".
std::string_view IsaName(Isa isa);

// Squared L2 distance or dot product of two vectors of `dim` floats.
using PairKernel = float (*)(const float* a, const float* b, std::size_t dim);

// Squared L2 distance, sum (a[i] - b[i])^2, or dot product, sum a[i] * b[i],
// of two vectors of `dim` uint8 codes, exactly, for dim <= kMaxU8Dim. Past
// that the true value may exceed 2^32 - 1 and the result is it modulo 2^32.
using U8PairKernel = std::uint32_t (*)(const std::uint8_t* a, const std::uint8_t* b, std::size_t dim);

// The same for signed bytes (the rows of int8 datasets such as MS SPACEV):
// squared L2, exact for dim <= kMaxU8Dim (each term is at most 255^2 too),
// and the dot product as a signed sum, exact while |sum| < 2^31 (each term is
// at most 128^2, so for every dim <= 131071).
using I8L2Kernel = std::uint32_t (*)(const std::int8_t* a, const std::int8_t* b, std::size_t dim);
using I8DotKernel = std::int32_t (*)(const std::int8_t* a, const std::int8_t* b, std::size_t dim);

// The largest dimension whose int8 distances always fit a uint32: every term
// is at most 255^2 = 65025, and 66051 * 65025 <= 2^32 - 1 < 66052 * 65025.
// Code that accepts a dimension for int8 codes checks it against this.
inline constexpr std::size_t kMaxU8Dim = 66051;

// One query against `n` rows: out[i] = kernel(query, rows[i], dim).
// Implementations share the query loads across several rows.
using BatchKernel = void (*)(const float* query, const float* const* rows, std::size_t n, std::size_t dim, float* out);

// The same for uint8 codes: out[i] = the pair kernel's (query, codes[i], dim),
// exactly the integer it returns. One call scores a node's whole neighbour
// list, so a search makes one indirect call per step, not one per node.
using U8BatchKernel = void (*)(const std::uint8_t* query, const std::uint8_t* const* codes, std::size_t n,
                               std::size_t dim, std::uint32_t* out);

struct DistanceKernels {
  Isa isa;
  PairKernel l2_sq;
  PairKernel dot;
  BatchKernel l2_sq_batch;
  BatchKernel dot_batch;
  U8PairKernel l2_sq_u8;
  U8PairKernel dot_u8;
  U8BatchKernel l2_sq_u8_batch;
  U8BatchKernel dot_u8_batch;
  I8L2Kernel l2_sq_i8;
  I8DotKernel dot_i8;
  // True when l2_sq_u8 and dot_u8 use AVX-512 VNNI (Avx512VnniKernels()).
  bool vnni;
};

// The per-ISA tables. Each lives in its own translation unit compiled with
// that ISA's flags; calling one the CPU lacks raises SIGILL, so go through
// dispatch.h unless the ISA is known to be supported.
const DistanceKernels& ScalarKernels();
const DistanceKernels& Avx2Kernels();    // Defined only on x86-64 builds.
const DistanceKernels& Avx512Kernels();  // Defined only on x86-64 builds.
// Avx512Kernels() with AVX-512 VNNI int8 kernels: call only when the CPU has
// both (CpuFeatures::avx512_vnni). Defined only on x86-64 builds.
const DistanceKernels& Avx512VnniKernels();

// Hint the CPU to fetch `bytes` starting at `p` into cache (at most
// `max_lines` lines, 4 by default; the hardware prefetcher follows the rest
// of a row).
inline void PrefetchRow(const void* p, std::size_t bytes, std::size_t max_lines = 4) {
  const char* c = static_cast<const char*>(p);
  const std::size_t lines = std::min(max_lines, (bytes + 63) / 64);
  for (std::size_t i = 0; i < lines; ++i) __builtin_prefetch(c + i * 64, 0, 3);
}

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_DISTANCE_KERNELS_H_
