// The distance-kernel table: plain function pointers, one set per ISA, chosen
// once per process (see dispatch.h). Callers capture the table (or a pointer
// from it) once, outside their loops.
//
// Every kernel accepts any dimension >= 0 and any alignment; callers that pad
// rows to PaddedDim() (see src/core/vector_store.h) avoid the tail code.
#ifndef ZYPHYR_SRC_DISTANCE_KERNELS_H_
#define ZYPHYR_SRC_DISTANCE_KERNELS_H_

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

// One query against `n` rows: out[i] = kernel(query, rows[i], dim).
// Implementations share the query loads across several rows.
using BatchKernel = void (*)(const float* query, const float* const* rows, std::size_t n, std::size_t dim,
                             float* out);

struct DistanceKernels {
  Isa isa;
  PairKernel l2_sq;
  PairKernel dot;
  BatchKernel l2_sq_batch;
  BatchKernel dot_batch;
};

// The per-ISA tables. Each lives in its own translation unit compiled with
// that ISA's flags; calling one the CPU lacks raises SIGILL, so go through
// dispatch.h unless the ISA is known to be supported.
const DistanceKernels& ScalarKernels();
const DistanceKernels& Avx2Kernels();    // Defined only on x86-64 builds.
const DistanceKernels& Avx512Kernels();  // Defined only on x86-64 builds.

// Hint the CPU to fetch `bytes` starting at `p` into cache (at most 4 lines;
// the hardware prefetcher follows the rest of a row).
inline void PrefetchRow(const void* p, std::size_t bytes) {
  const char* c = static_cast<const char*>(p);
  std::size_t lines = bytes >= 256 ? 4 : (bytes + 63) / 64;
  for (std::size_t i = 0; i < lines; ++i) __builtin_prefetch(c + i * 64, 0, 3);
}

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_DISTANCE_KERNELS_H_
