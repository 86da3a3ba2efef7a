#include "src/distance/dispatch.h"

#include <cstdint>
#include <cstdlib>
#include <string>

#include "src/distance/cpu_features.h"

namespace zyphyr {

namespace {

constexpr Isa kAllIsas[] = {Isa::kScalar, Isa::kAvx2, Isa::kAvx512};

bool IsKnown(Isa isa) {
  for (Isa known : kAllIsas) {
    if (isa == known) return true;
  }
  return false;
}

const CpuFeatures& HostFeatures() {
  static const CpuFeatures features = DetectCpuFeatures();
  return features;
}

// "scalar, avx2": the host's ISAs, for error messages.
std::string SupportedList() {
  std::string out;
  for (Isa isa : SupportedIsas()) {
    if (!out.empty()) out += ", ";
    out += IsaName(isa);
  }
  return out;
}

Result<const DistanceKernels*> ChooseProcessKernels() {
  const char* forced = std::getenv("ZYPHYR_ISA");
  if (forced == nullptr || *forced == '\0') return KernelsFor(SupportedIsas().back());

  Result<Isa> isa = ParseIsa(forced);
  if (!isa.ok()) {
    return Status::InvalidArgument("unknown ISA '" + std::string(forced) +
                                   "' in ZYPHYR_ISA (expected scalar, avx2 or avx512)");
  }
  if (!HostSupports(*isa)) {
    const std::string name(IsaName(*isa));
    return Status::Unsupported("ZYPHYR_ISA=" + name + " but this CPU does not support " + name +
                               " (supported: " + SupportedList() + ")");
  }
  return KernelsFor(*isa);
}

}  // namespace

bool HostSupports(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kAvx2:
      return HostFeatures().avx2_fma;
    case Isa::kAvx512:
      return HostFeatures().avx512;
  }
  return false;
}

std::vector<Isa> SupportedIsas() {
  std::vector<Isa> out;
  for (Isa isa : kAllIsas) {
    if (HostSupports(isa)) out.push_back(isa);
  }
  return out;
}

Result<Isa> ParseIsa(std::string_view name) {
  for (Isa isa : kAllIsas) {
    if (name == IsaName(isa)) return isa;
  }
  return Status::InvalidArgument("unknown ISA '" + std::string(name) + "' (expected scalar, avx2 or avx512)");
}

Result<const DistanceKernels*> KernelsFor(Isa isa) {
  if (!IsKnown(isa)) {
    return Status::InvalidArgument("no ISA with value " + std::to_string(static_cast<std::uint32_t>(isa)));
  }
  // Checked before the table is touched: Avx2Kernels() and Avx512Kernels()
  // live in files compiled for their ISA; Avx512VnniKernels() points into
  // one compiled for VNNI as well, so it needs the VNNI bit on top.
  if (!HostSupports(isa)) {
    return Status::Unsupported("this CPU does not support " + std::string(IsaName(isa)) +
                               " (supported: " + SupportedList() + ")");
  }
  switch (isa) {
    case Isa::kScalar:
      return &ScalarKernels();
#if defined(__x86_64__)
    case Isa::kAvx2:
      return &Avx2Kernels();
    case Isa::kAvx512:
      return HostFeatures().avx512_vnni ? &Avx512VnniKernels() : &Avx512Kernels();
#else
    case Isa::kAvx2:
    case Isa::kAvx512:
      break;  // Never supported off x86-64: HostSupports said no above.
#endif
  }
  return Status::Internal("no kernels for " + std::string(IsaName(isa)));
}

Result<const DistanceKernels*> ProcessKernels() {
  // A function-local static: initialised once, thread-safely, on first use
  // (never during static initialisation), and the same value ever after.
  static const Result<const DistanceKernels*> chosen = ChooseProcessKernels();
  return chosen;
}

}  // namespace zyphyr
