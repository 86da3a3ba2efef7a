// What `zyphyr bench` measured, and its renderings: the table printed on
// stdout and the JSON report.
#ifndef ZYPHYR_BENCH_HARNESS_BENCH_REPORT_H_
#define ZYPHYR_BENCH_HARNESS_BENCH_REPORT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "src/core/status.h"
#include "src/eval/latency.h"

namespace zyphyr {

// The recall levels at which engines are compared (QPS at recall >= level).
inline constexpr double kRecallLevels[] = {0.90, 0.95, 0.99};

// One ef setting of one engine.
struct EfRun {
  std::size_t ef = 0;
  double recall = 0.0;        // recall@k, ann-benchmarks' definition.
  double id_recall = 0.0;     // recall@k by id overlap (big-ann-benchmarks): the fraction of the k true ids found.
  double qps_single = 0.0;    // One query at a time, one thread.
  double qps_threads = 0.0;   // The same queries over BenchSettings::threads threads.
  LatencySummary latency;     // Seconds, from the single-thread run.
  double mean_results = 0.0;  // Ids returned per query (k unless the engine came up short).
  std::string result_file;    // The ann-benchmarks result file written for this run.
};

struct EngineReport {
  std::string name;
  std::string description;
  std::string note;
  double build_seconds = 0.0;
  std::size_t index_bytes = 0;
  std::size_t peak_rss_bytes = 0;  // Process peak while this engine was built and searched.
  // Resident memory the engine added to the process, measured after its
  // search sweep (warm): VmRSS then minus VmRSS just before its build. Counts
  // heap and the pages of mapped files it touched; not the page cache that
  // pread goes through.
  std::size_t resident_bytes = 0;
  std::vector<EfRun> runs;
};

struct BenchReport {
  // Dataset.
  std::string data_path;
  std::string data_name;
  std::string distance;
  std::size_t dim = 0;
  std::size_t train_rows = 0;
  std::size_t test_rows = 0;
  bool ground_truth_computed = false;
  std::size_t data_bytes = 0;
  // The table shows id_recall next to recall (set under ip, where big-ann-benchmarks counts recall by ids; JSON
  // always has both).
  bool id_recall_column = false;
  // Settings.
  std::size_t k = 10;
  std::size_t M = 0;
  std::size_t ef_construction = 0;
  std::size_t threads = 1;
  std::size_t build_threads = 1;
  // Machine.
  std::string cpu;
  std::string isa;
  std::size_t hardware_threads = 0;
  std::string started_at;  // ISO 8601, UTC.
  std::vector<EngineReport> engines;
  // The plot's title when not empty (else one naming the dataset, k, M and
  // efConstruction, for one search thread).
  std::string plot_title;
};

// The highest single-thread QPS among the runs whose recall reaches `level`;
// nullopt when none does.
std::optional<double> QpsAtRecall(const EngineReport& engine, double level);

// The single-thread QPS where the engine's recall first reaches `level`,
// walking its runs in increasing ef (whatever order they were measured in) and interpolating
// linearly in recall between the last run below the level and the first at
// or above it; the first run's QPS when that one already reaches it; nullopt
// when none does. Unlike QpsAtRecall it does not depend on where the ef grid
// happens to fall: an engine with a run just above the level gains nothing
// over one whose next run overshoots it.
std::optional<double> InterpolatedQpsAtRecall(const EngineReport& engine, double level);

// The report as JSON (pretty-printed), with per engine "qps_at_recall",
// "ratio_to_hnswlib", "qps_at_recall_interpolated" and
// "ratio_to_hnswlib_interpolated" for each level in kRecallLevels (null where
// undefined). The ratios are to the newest hnswlib in the report:
// "hnswlib-0.8" when it ran, else Debian's "hnswlib"; settings'
// "ratio_to_hnswlib_reference" names it (null when neither ran).
std::string ReportJson(const BenchReport& report);

// The engines of a report written by ReportJson (what a standalone child
// process of `zyphyr bench --isolate` measured), each with its runs, build
// time and memory; the derived figures (qps_at_recall, ratios) are left to be
// recomputed. Errors: InvalidArgument "<what>: not a bench report (...)" for
// text that is not JSON or lacks an engine's fields.
Result<std::vector<EngineReport>> ParseReportEngines(const std::string& json_text, const std::string& what);

// One line per engine and round: single-thread QPS at recall 0.90 and 0.95
// (interpolated, as the report's third table), then each engine's median and
// best over the rounds. `rounds` holds one report per round, engines in the
// same order; an engine missing from a round is skipped there.
std::string RoundsTable(const std::vector<BenchReport>& rounds);

// The report as the fixed-width text table `zyphyr bench` prints; with
// id_recall_column an "id-recall@k" column follows "recall@k" and a line
// under the table says what each counts.
std::string ReportTable(const BenchReport& report);

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_HARNESS_BENCH_REPORT_H_
