// MeasureSearch: run every query once, one at a time on the calling thread,
// and report recall@k (ann-benchmarks' definition, see recall.h), QPS and
// latency percentiles; MeasureThroughput gives QPS with several threads.
// Engine-neutral: the caller passes how to search, so
// Zyphyr and its peers are measured by the same loop.
#ifndef ZYPHYR_SRC_EVAL_SEARCH_RUN_H_
#define ZYPHYR_SRC_EVAL_SEARCH_RUN_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "src/core/status.h"
#include "src/eval/latency.h"
#include "src/eval/recall.h"

namespace zyphyr {

struct SearchRunResult {
  double recall = 0.0;
  // Queries / the sum of their latencies: 1 / latency.mean, ann-benchmarks' QPS of a result file whose times are
  // `latencies` (the loop's own bookkeeping between queries is not counted).
  double qps = 0.0;
  LatencySummary latency;
  std::vector<double> latencies;                     // Seconds, per query.
  std::vector<std::vector<std::uint64_t>> returned;  // Ids found, per query.
};

// Writes the ids found for query q into `ids` (cleared by the callee).
using SearchFn = std::function<Status(std::size_t q, std::vector<std::uint64_t>* ids)>;

// Errors: the first error `search` returns; those of ComputeRecall.
Result<SearchRunResult> MeasureSearch(const RecallVectors& vectors, std::span<const std::vector<float>> true_distances,
                                      const RecallOptions& options, const SearchFn& search);

// Runs every query once on `threads` threads (0: one per hardware thread),
// queries handed out one at a time, and returns queries / wall seconds.
// `search` must be thread-safe. Errors: the first error `search` returns
// (the other threads stop early); InvalidArgument when num_queries == 0.
Result<double> MeasureThroughput(std::size_t num_queries, std::size_t threads, const SearchFn& search);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_EVAL_SEARCH_RUN_H_
