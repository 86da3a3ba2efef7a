#include "src/core/metric.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace zyphyr {

std::string_view MetricName(Metric metric) {
  switch (metric) {
    case Metric::kL2: return "l2";
    case Metric::kInnerProduct: return "ip";
    case Metric::kCosine: return "cosine";
  }
  return "unknown";
}

Result<Metric> ParseMetric(std::string_view name) {
  if (name == "l2") return Metric::kL2;
  if (name == "ip") return Metric::kInnerProduct;
  if (name == "cosine") return Metric::kCosine;
  return Status::InvalidArgument("unknown metric '" + std::string(name) + "' (expected l2, ip or cosine)");
}

float ReportedDistance(Metric metric, float internal) {
  switch (metric) {
    case Metric::kL2: return std::sqrt(std::max(internal, 0.0f));
    case Metric::kInnerProduct: return -internal;
    case Metric::kCosine: return 1.0f + internal;
  }
  return internal;
}

}  // namespace zyphyr
