// How much memory this process holds: figures for benchmark reports.
#ifndef ZYPHYR_SRC_EVAL_MEMORY_USAGE_H_
#define ZYPHYR_SRC_EVAL_MEMORY_USAGE_H_

#include <cstddef>

#include "src/core/status.h"

namespace zyphyr {

// Peak resident set size of this process in bytes from getrusage(2)
// (ru_maxrss, which Linux reports in KiB). IOError if the call fails.
Result<std::size_t> PeakRssBytes();

// The kernel's high-water mark of resident memory ("VmHWM" in
// /proc/self/status) in bytes. IOError when the file cannot be read,
// NotFound when it has no VmHWM line (not Linux).
Result<std::size_t> VmHwmBytes();

// Resident memory now ("VmRSS"), in bytes. Errors as VmHwmBytes.
Result<std::size_t> VmRssBytes();

// Resets the kernel's high-water mark to the current resident size (writes
// "5" to /proc/self/clear_refs, Linux >= 4.0), so that VmHwmBytes() measures
// the peak of what follows. IOError when the kernel refuses.
Status ResetPeakRss();

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_EVAL_MEMORY_USAGE_H_
