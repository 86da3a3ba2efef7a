#include "bench/harness/engine_run.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <system_error>

#include <fmt/core.h>

#include "io/ann_result_file.h"
#include "src/eval/memory_usage.h"
#include "src/eval/recall.h"
#include "src/eval/search_run.h"

namespace zyphyr {
namespace {

using Clock = std::chrono::steady_clock;

// The ann-benchmarks result of one single-thread run: returned ids and their
// distances recomputed from the vectors (reported convention).
AnnResult MakeResult(const Engine& engine, const BenchData& data, const BenchSettings& settings, std::size_t ef,
                     double build_seconds, const SearchRunResult& run) {
  const std::size_t k = settings.k;
  const std::size_t q_count = data.test_rows;
  AnnResult result;
  result.algo = std::string(engine.name());
  result.name = RunName(result.algo, settings.build, ef);
  result.dataset = data.name;
  result.distance = data.distance_name;
  result.count = k;
  result.build_time = build_seconds;
  result.index_size = static_cast<double>(engine.MemoryBytes()) / 1024.0;
  result.best_search_time = run.latency.mean;
  result.batch_mode = false;
  result.run_count = 1;
  result.times.resize(q_count);
  result.neighbors.assign(q_count * k, -1);
  result.distances.assign(q_count * k, std::numeric_limits<float>::infinity());
  double total_results = 0.0;
  for (std::size_t q = 0; q < q_count; ++q) {
    result.times[q] = static_cast<float>(run.latencies[q]);
    const std::vector<std::uint64_t>& ids = run.returned[q];
    const std::size_t found = std::min(ids.size(), k);
    total_results += static_cast<double>(found);
    for (std::size_t j = 0; j < found; ++j) {
      const std::uint64_t id = ids[j];
      if (id >= data.train_rows) continue;  // Already refused by the recall computation.
      result.neighbors[q * k + j] = static_cast<std::int32_t>(id);
      const double d = RecallDistance(data.metric, data.query(q), {data.train.data() + id * data.dim, data.dim});
      // Recall orientation -> reported convention: only ip differs (sign).
      result.distances[q * k + j] = static_cast<float>(data.metric == Metric::kInnerProduct ? -d : d);
    }
  }
  result.candidates = q_count > 0 ? total_results / static_cast<double>(q_count) : 0.0;
  return result;
}

// One untimed pass over the queries at the widest ef first, for every
// engine alike: the sweep then measures warm caches (the pages of a mapped
// index, the rows a codes engine re-reads), not the first touch of each.
Status WarmUp(Engine& engine, const BenchData& data, const BenchSettings& settings) {
  ZYPHYR_RETURN_IF_ERROR(engine.SetEf(*std::max_element(settings.efs.begin(), settings.efs.end())));
  std::vector<std::uint64_t> ids;
  for (std::size_t q = 0; q < data.test_rows; ++q) {
    ids.clear();
    ZYPHYR_RETURN_IF_ERROR(engine.Search(data.query(q), settings.k, &ids));
  }
  return Status::Ok();
}

// The figures of `engine` at beam `ef`, its result file written under `run_dir`.
Result<EfRun> MeasureEf(Engine& engine, const BenchData& data, const BenchSettings& settings, std::size_t ef,
                        double build_seconds, const std::filesystem::path& run_dir) {
  const RecallVectors vectors{data.train, data.test, data.dim, data.metric};
  ZYPHYR_RETURN_IF_ERROR(engine.SetEf(ef));
  Result<SearchRunResult> run = MeasureSearch(
      vectors, data.true_distances, RecallOptions{settings.k},
      [&](std::size_t q, std::vector<std::uint64_t>* ids) { return engine.Search(data.query(q), settings.k, ids); });
  if (!run.ok()) return run.status();

  EfRun ef_run;
  ef_run.ef = ef;
  ef_run.recall = run->recall;
  ef_run.id_recall = IdOverlapRecall(run->returned, data.true_ids, settings.k, settings.k);
  ef_run.qps_single = run->qps;
  ef_run.latency = run->latency;
  ef_run.qps_threads = run->qps;
  if (settings.threads > 1) {
    Result<double> qps = MeasureThroughput(
        data.test_rows, settings.threads,
        [&](std::size_t q, std::vector<std::uint64_t>* ids) { return engine.Search(data.query(q), settings.k, ids); });
    if (!qps.ok()) return qps.status();
    ef_run.qps_threads = *qps;
  }
  AnnResult result = MakeResult(engine, data, settings, ef, build_seconds, *run);
  ef_run.mean_results = result.candidates;
  const std::string file_name =
      fmt::format("M{}_efC{}_ef{}.hdf5", settings.build.M, settings.build.ef_construction, ef);
  ef_run.result_file = (run_dir / file_name).string();
  ZYPHYR_RETURN_IF_ERROR(WriteAnnResult(ef_run.result_file, result));
  return ef_run;
}

}  // namespace

std::string RunName(const std::string& engine, const EngineBuildParams& build, std::size_t ef) {
  return fmt::format("{}(M={},efC={},ef={})", engine, build.M, build.ef_construction, ef);
}

Result<EngineReport> RunEngine(Engine& engine, const BenchData& data, const BenchSettings& settings,
                               const RunProgress& progress) {
  if (settings.efs.empty()) return Status::InvalidArgument("--ef: no values given");
  if (settings.k == 0) return Status::InvalidArgument("--k must be at least 1");
  EngineReport report;
  report.name = std::string(engine.name());

  // A failed reset only makes the figure an over-estimate (the whole run's peak).
  (void)ResetPeakRss();
#ifdef __GLIBC__
  malloc_trim(0);  // What earlier engines freed leaves before the baseline is taken.
#endif
  const Result<std::size_t> rss_before = VmRssBytes();
  EngineBuildParams build = settings.build;
  build.progress = progress.build;
  build.element_type = data.element_type;
  const Clock::time_point start = Clock::now();
  ZYPHYR_RETURN_IF_ERROR(engine.Build(data.train, data.dim, data.metric, build));
  report.build_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  report.description = engine.description();  // Once built: it may name what the build chose.
  report.note = engine.note();
  report.index_bytes = engine.MemoryBytes();
#ifdef __GLIBC__
  // What the build freed goes back to the kernel, for every engine alike, so
  // that "resident" counts what the index holds, not the allocator's caches
  // of the build's scratch (per-thread arenas keep freed memory otherwise).
  malloc_trim(0);
#endif

  const std::filesystem::path run_dir =
      std::filesystem::path(settings.results_dir) / data.name / std::to_string(settings.k) / report.name;
  std::error_code ec;
  std::filesystem::create_directories(run_dir, ec);
  if (ec) return Status::IOError(run_dir.string() + ": cannot create directory: " + ec.message());

  ZYPHYR_RETURN_IF_ERROR(WarmUp(engine, data, settings));

  for (std::size_t ef : settings.efs) {
    Result<EfRun> ef_run = MeasureEf(engine, data, settings, ef, report.build_seconds, run_dir);
    if (!ef_run.ok()) return ef_run.status();
    report.runs.push_back(std::move(*ef_run));
    if (progress.sweep) progress.sweep(report.runs.size(), settings.efs.size());
  }
  Result<std::size_t> peak = VmHwmBytes();
  report.peak_rss_bytes = peak.ok() ? *peak : 0;
  const Result<std::size_t> rss_after = VmRssBytes();
  if (rss_before.ok() && rss_after.ok() && *rss_after > *rss_before) report.resident_bytes = *rss_after - *rss_before;
  return report;
}

}  // namespace zyphyr
