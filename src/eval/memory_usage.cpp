#include "src/eval/memory_usage.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace zyphyr {

Result<std::size_t> PeakRssBytes() {
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0) {
    return Status::IOError(std::string("getrusage failed: ") + std::strerror(errno));
  }
  return static_cast<std::size_t>(usage.ru_maxrss) * 1024;
}

Result<std::size_t> VmHwmBytes() {
  std::ifstream in("/proc/self/status");
  if (!in) return Status::IOError("cannot read /proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    std::size_t kib = 0;
    std::string unit;
    if (!(fields >> kib >> unit) || unit != "kB") {
      return Status::IOError("/proc/self/status: cannot parse '" + line + "'");
    }
    return kib * 1024;
  }
  return Status::NotFound("/proc/self/status has no VmHWM line");
}

}  // namespace zyphyr
