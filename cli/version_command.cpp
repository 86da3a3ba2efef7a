#include "cli/version_command.h"

#include <fmt/core.h>

#include "cli/cli_errors.h"
#include "src/distance/cpu_features.h"
#include "src/distance/dispatch.h"

namespace zyphyr::cli {

int RunVersion() {
  Result<const DistanceKernels*> kernels = ProcessKernels();
  if (!kernels.ok()) return ReportError(kernels.status());
  fmt::print("zyphyr {} (isa: {}, cpu: {})\n", ZYPHYR_VERSION, IsaName((*kernels)->isa), CpuBrandString());
  return 0;
}

}  // namespace zyphyr::cli
