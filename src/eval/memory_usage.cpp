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

namespace {

// The value of the "<key>:   123 kB" line of /proc/self/status, in bytes.
Result<std::size_t> ProcStatusBytes(const std::string& key) {
  std::ifstream in("/proc/self/status");
  if (!in) return Status::IOError("cannot read /proc/self/status");
  std::string line;
  const std::string prefix = key + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    std::istringstream fields(line.substr(prefix.size()));
    std::size_t kib = 0;
    std::string unit;
    if (!(fields >> kib >> unit) || unit != "kB") {
      return Status::IOError("/proc/self/status: cannot parse '" + line + "'");
    }
    return kib * 1024;
  }
  return Status::NotFound("/proc/self/status has no " + key + " line");
}

}  // namespace

Result<std::size_t> VmHwmBytes() { return ProcStatusBytes("VmHWM"); }

Result<std::size_t> VmRssBytes() { return ProcStatusBytes("VmRSS"); }

Status ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  if (!out) return Status::IOError("cannot open /proc/self/clear_refs to reset the peak resident size");
  out << "5";
  out.close();
  if (!out) return Status::IOError("writing /proc/self/clear_refs failed: the peak resident size was not reset");
  return Status::Ok();
}

}  // namespace zyphyr
