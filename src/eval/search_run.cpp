#include "src/eval/search_run.h"

#include <atomic>
#include <chrono>
#include <mutex>

#include "src/core/parallel_for.h"

namespace zyphyr {

Result<SearchRunResult> MeasureSearch(const RecallVectors& vectors, std::span<const std::vector<float>> true_distances,
                                      const RecallOptions& options, const SearchFn& search) {
  using Clock = std::chrono::steady_clock;
  const std::size_t num_queries = true_distances.size();
  std::vector<std::vector<std::uint64_t>> returned(num_queries);
  std::vector<double> latencies(num_queries);
  for (std::size_t q = 0; q < num_queries; ++q) {
    const Clock::time_point t0 = Clock::now();
    ZYPHYR_RETURN_IF_ERROR(search(q, &returned[q]));
    latencies[q] = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  // ann-benchmarks' single-query mode (its runner, run_individual_query): the time of a run is the sum of the
  // queries' own times, so its QPS (1 / best_search_time, the mean) is the one reported, not the loop's wall time.
  double total_s = 0.0;
  for (double t : latencies) total_s += t;

  Result<RecallReport> recall = ComputeRecall(vectors, true_distances, returned, options);
  if (!recall.ok()) return recall.status();
  Result<LatencySummary> latency = SummarizeLatencies(latencies);
  if (!latency.ok()) return latency.status();
  SearchRunResult result;
  result.recall = recall->recall;
  result.qps = total_s > 0.0 ? static_cast<double>(num_queries) / total_s : 0.0;
  result.latency = *latency;
  result.latencies = std::move(latencies);
  result.returned = std::move(returned);
  return result;
}

Result<double> MeasureThroughput(std::size_t num_queries, std::size_t threads, const SearchFn& search) {
  using Clock = std::chrono::steady_clock;
  if (num_queries == 0) return Status::InvalidArgument("no queries to measure");
  std::mutex error_mutex;
  Status first_error;
  std::atomic<bool> failed{false};
  const Clock::time_point start = Clock::now();
  ParallelFor(
      0, num_queries, threads, [] { return std::vector<std::uint64_t>(); },
      [&](std::size_t q, std::vector<std::uint64_t>& ids) {
        if (failed.load(std::memory_order_relaxed)) return;
        Status st = search(q, &ids);
        if (st.ok()) return;
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!failed.exchange(true)) first_error = std::move(st);
      });
  const double total_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (failed.load()) return first_error;
  return total_s > 0.0 ? static_cast<double>(num_queries) / total_s : 0.0;
}

}  // namespace zyphyr
