#include "src/eval/latency.h"

#include <algorithm>
#include <cmath>

namespace zyphyr {

Result<double> NearestRankPercentile(std::span<const double> sorted, double p) {
  if (sorted.empty()) return Status::InvalidArgument("percentile of no samples");
  if (!(p > 0.0 && p <= 100.0)) return Status::InvalidArgument("percentile must be in (0, 100]");
  const double n = static_cast<double>(sorted.size());
  // p/100 * n is often meant to be a whole number (99.9% of 1000) but is not
  // exactly one in binary; shave a relative hair off before rounding up.
  const double exact = p / 100.0 * n;
  double rank = std::ceil(exact - 1e-9 * std::max(1.0, exact));
  rank = std::clamp(rank, 1.0, n);
  return sorted[static_cast<std::size_t>(rank) - 1];
}

Result<LatencySummary> SummarizeLatencies(std::span<const double> samples) {
  if (samples.empty()) return Status::InvalidArgument("latency summary of no samples");
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  LatencySummary s;
  s.count = sorted.size();
  double sum = 0.0;
  for (double x : sorted) sum += x;
  s.mean = sum / static_cast<double>(sorted.size());
  s.min = sorted.front();
  s.max = sorted.back();
  // Cannot fail: non-empty input, p in range.
  s.p50 = *NearestRankPercentile(sorted, 50.0);
  s.p95 = *NearestRankPercentile(sorted, 95.0);
  s.p99 = *NearestRankPercentile(sorted, 99.0);
  s.p999 = *NearestRankPercentile(sorted, 99.9);
  return s;
}

}  // namespace zyphyr
