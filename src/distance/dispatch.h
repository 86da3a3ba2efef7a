// Run-time choice of the distance kernels.
//
// CPU detection (cpuid + xgetbv, so an OS that does not save AVX-512 state is
// seen as lacking it) picks the best ISA this host supports. The environment
// variable ZYPHYR_ISA=scalar|avx2|avx512 forces one; forcing an ISA the host
// lacks, or an unknown name, is an error rather than a crash.
//
// On a CPU with AVX-512 VNNI the avx512 table is Avx512VnniKernels() (the
// same float kernels, VNNI int8 kernels; see kernels.h), whether chosen by
// detection or forced.
#ifndef ZYPHYR_SRC_DISTANCE_DISPATCH_H_
#define ZYPHYR_SRC_DISTANCE_DISPATCH_H_

#include <string_view>
#include <vector>

#include "src/core/status.h"
#include "src/distance/kernels.h"

namespace zyphyr {

// True when this CPU and OS can run kernels of `isa`.
bool HostSupports(Isa isa);

// The ISAs this host supports, scalar first.
std::vector<Isa> SupportedIsas();

// Parses "scalar", "avx2" or "avx512" (InvalidArgument otherwise).
Result<Isa> ParseIsa(std::string_view name);

// The table for `isa` (for kAvx512, Avx512VnniKernels() when the host has
// VNNI); Unsupported when the host lacks it.
Result<const DistanceKernels*> KernelsFor(Isa isa);

// The table this process uses: chosen on the first call (thread-safe) from
// ZYPHYR_ISA or CPU detection, then the same pointer (or the same error) on
// every call.
Result<const DistanceKernels*> ProcessKernels();

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_DISTANCE_DISPATCH_H_
