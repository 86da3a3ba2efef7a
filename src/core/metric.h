// Distance metrics and the conversion between the engine's internal distance
// (always "smaller is closer") and the value reported to users.
//
//   metric   internal distance         reported value
//   l2       squared L2                true L2 (sqrt of internal)
//   ip       -<a, b>                   <a, b> (larger is closer)
//   cosine   -<a, b> on unit rows      1 - cos(a, b) = 1 + internal
//                                      (ann-benchmarks' "angular")
//
// The numeric values are pinned: later issues write them to disk.
#ifndef ZYPHYR_SRC_CORE_METRIC_H_
#define ZYPHYR_SRC_CORE_METRIC_H_

#include <cstdint>
#include <string_view>

#include "src/core/status.h"

namespace zyphyr {

enum class Metric : std::uint32_t {
  kL2 = 1,
  kInnerProduct = 2,
  kCosine = 3,
};

// "l2", "ip", "cosine".
std::string_view MetricName(Metric metric);

// Parses "l2", "ip" or "cosine"; anything else is InvalidArgument naming it.
Result<Metric> ParseMetric(std::string_view name);

// True when rows and queries are normalised to unit length before use.
inline bool MetricNormalizes(Metric metric) { return metric == Metric::kCosine; }

// Internal distance -> user-facing value (see the table above).
float ReportedDistance(Metric metric, float internal);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_CORE_METRIC_H_
