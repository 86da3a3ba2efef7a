#include "cli/version_command.h"

#include <fmt/core.h>

#include "cli/cli_errors.h"
#include "src/distance/dispatch.h"
#include "src/eval/latency.h"

namespace zyphyr::cli {

int RunVersion() {
  Result<const DistanceKernels*> kernels = ProcessKernels();
  if (!kernels.ok()) return ReportError(kernels.status());
  fmt::print("zyphyr {} (isa: {}, cpu: {})\n", ZYPHYR_VERSION, IsaName((*kernels)->isa), HostCpuName());
  return 0;
}

}  // namespace zyphyr::cli
