// What this CPU and its operating system let the distance kernels use.
//
// Detection reads cpuid and, when the OS has enabled XSAVE, the XCR0 register:
// a CPU that has AVX-512 under an OS that does not save the ZMM/opmask state on
// a context switch is reported as lacking AVX-512 (likewise YMM state for
// AVX2). Compiled at the baseline ISA, so it is safe to call on any x86-64
// CPU; on other architectures every flag is false.
#ifndef ZYPHYR_SRC_DISTANCE_CPU_FEATURES_H_
#define ZYPHYR_SRC_DISTANCE_CPU_FEATURES_H_

#include <string>

namespace zyphyr {

struct CpuFeatures {
  // AVX2 and FMA, with YMM state enabled by the OS: the flags that
  // kernels_avx2.cpp is compiled with.
  bool avx2_fma = false;
  // AVX-512 F, VL, BW and DQ plus everything in avx2_fma, with opmask and ZMM
  // state enabled by the OS: the flags that kernels_avx512.cpp is compiled with.
  bool avx512 = false;
  // AVX-512 VNNI plus everything in avx512 (VNNI uses the same register
  // state): the flags of kernels_avx512_vnni.cpp. Not an ISA of its own; it
  // selects the int8 kernels of the avx512 table (see kernels.h).
  bool avx512_vnni = false;
};

// Queries the CPU on every call (cheap, but callers that need it often should
// cache the result; dispatch.cpp does). Thread-safe.
CpuFeatures DetectCpuFeatures();

// The processor brand string ("AMD EPYC 9654 96-Core Processor"), trimmed of
// padding, for reports; "unknown" when the CPU does not provide one.
std::string CpuBrandString();

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_DISTANCE_CPU_FEATURES_H_
