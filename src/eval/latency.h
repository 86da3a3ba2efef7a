// Latency percentiles and process measures recorded with benchmark figures.
//
// Percentiles use the nearest-rank definition: the p-th percentile of n
// samples is the smallest sample x such that at least p% of the samples are
// <= x, i.e. sorted[ceil(p/100 * n) - 1] (rank clamped to [1, n]). It is
// always one of the measured values, never an interpolation; p99.9 of fewer
// than 1000 samples is therefore the maximum.
//
// All functions are thread-safe.
#ifndef ZYPHYR_SRC_EVAL_LATENCY_H_
#define ZYPHYR_SRC_EVAL_LATENCY_H_

#include <cstddef>
#include <span>
#include <vector>

#include "src/core/status.h"

namespace zyphyr {

// Nearest-rank percentile `p` (0 < p <= 100) of `sorted`, which must be
// sorted ascending and non-empty. Errors (InvalidArgument): empty input, p
// outside (0, 100].
Result<double> NearestRankPercentile(std::span<const double> sorted, double p);

struct LatencySummary {
  std::size_t count = 0;
  double mean = 0.0;
  double min = 0.0;
  double p50 = 0.0;
  double p95 = 0.0;
  double p99 = 0.0;
  double p999 = 0.0;
  double max = 0.0;
};

// Summary of per-query latencies (any unit; the summary is in the same
// unit). Errors (InvalidArgument): no samples.
Result<LatencySummary> SummarizeLatencies(std::span<const double> samples);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_EVAL_LATENCY_H_
