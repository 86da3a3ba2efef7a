#include "bench/harness/bench_report.h"

#include <algorithm>
#include <vector>

#include <fmt/core.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace zyphyr {
namespace {

using nlohmann::json;

std::string LevelKey(double level) { return fmt::format("{:.2f}", level); }

const EngineReport* FindEngine(const BenchReport& report, const std::string& name) {
  for (const EngineReport& e : report.engines) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

using QpsAt = std::optional<double> (*)(const EngineReport&, double);

const EngineReport* RatioReference(const BenchReport& report) {
  const EngineReport* newest = FindEngine(report, "hnswlib-0.8");
  return newest != nullptr ? newest : FindEngine(report, "hnswlib");
}

std::optional<double> RatioToHnswlib(const BenchReport& report, const EngineReport& engine, double level,
                                     QpsAt qps_at = &QpsAtRecall) {
  const EngineReport* hnswlib = RatioReference(report);
  if (hnswlib == nullptr) return std::nullopt;
  std::optional<double> mine = qps_at(engine, level);
  std::optional<double> theirs = qps_at(*hnswlib, level);
  if (!mine || !theirs || *theirs <= 0.0) return std::nullopt;
  return *mine / *theirs;
}

json OptionalJson(std::optional<double> value) { return value ? json(*value) : json(nullptr); }

json LatencyJson(const LatencySummary& l) {
  return {{"mean_us", l.mean * 1e6}, {"p50_us", l.p50 * 1e6},   {"p95_us", l.p95 * 1e6},
          {"p99_us", l.p99 * 1e6},   {"p999_us", l.p999 * 1e6}, {"max_us", l.max * 1e6}};
}

double Mib(std::size_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

std::string Cell(std::optional<double> value, const char* spec) {
  return value ? fmt::format(fmt::runtime(spec), *value) : std::string("-");
}

}  // namespace

std::optional<double> QpsAtRecall(const EngineReport& engine, double level) {
  std::optional<double> best;
  for (const EfRun& run : engine.runs) {
    if (run.recall + 1e-12 < level) continue;
    if (!best || run.qps_single > *best) best = run.qps_single;
  }
  return best;
}

std::optional<double> InterpolatedQpsAtRecall(const EngineReport& engine, double level) {
  // In increasing ef, whatever order --ef listed them in.
  std::vector<const EfRun*> runs;
  for (const EfRun& run : engine.runs) runs.push_back(&run);
  std::stable_sort(runs.begin(), runs.end(), [](const EfRun* a, const EfRun* b) { return a->ef < b->ef; });
  const EfRun* below = nullptr;
  for (const EfRun* run : runs) {
    if (run->recall + 1e-12 < level) {
      below = run;
      continue;
    }
    if (below == nullptr) return run->qps_single;
    const double t = (level - below->recall) / (run->recall - below->recall);
    return below->qps_single + t * (run->qps_single - below->qps_single);
  }
  return std::nullopt;
}

std::string ReportJson(const BenchReport& r) {
  json engines = json::array();
  for (const EngineReport& e : r.engines) {
    json runs = json::array();
    for (const EfRun& run : e.runs) {
      runs.push_back({{"ef", run.ef},
                      {"recall", run.recall},
                      {"id_overlap_recall", run.id_recall},
                      {"qps_single_thread", run.qps_single},
                      {"qps_threads", run.qps_threads},
                      {"latency", LatencyJson(run.latency)},
                      {"mean_results", run.mean_results},
                      {"result_file", run.result_file}});
    }
    json at_recall = json::object();
    json ratio = json::object();
    json interpolated = json::object();
    json interpolated_ratio = json::object();
    for (double level : kRecallLevels) {
      at_recall[LevelKey(level)] = OptionalJson(QpsAtRecall(e, level));
      ratio[LevelKey(level)] = OptionalJson(RatioToHnswlib(r, e, level));
      interpolated[LevelKey(level)] = OptionalJson(InterpolatedQpsAtRecall(e, level));
      interpolated_ratio[LevelKey(level)] = OptionalJson(RatioToHnswlib(r, e, level, &InterpolatedQpsAtRecall));
    }
    engines.push_back({{"name", e.name},
                       {"description", e.description},
                       {"note", e.note},
                       {"build_seconds", e.build_seconds},
                       {"index_bytes", e.index_bytes},
                       {"peak_rss_bytes", e.peak_rss_bytes},
                       {"resident_bytes", e.resident_bytes},
                       {"runs", runs},
                       {"qps_at_recall", at_recall},
                       {"ratio_to_hnswlib", ratio},
                       {"qps_at_recall_interpolated", interpolated},
                       {"ratio_to_hnswlib_interpolated", interpolated_ratio}});
  }
  json doc = {
      {"dataset",
       {{"path", r.data_path},
        {"name", r.data_name},
        {"distance", r.distance},
        {"dim", r.dim},
        {"train_rows", r.train_rows},
        {"test_rows", r.test_rows},
        {"ground_truth_computed", r.ground_truth_computed},
        {"bytes_in_memory", r.data_bytes}}},
      {"settings",
       {{"k", r.k},
        {"M", r.M},
        {"ef_construction", r.ef_construction},
        {"threads", r.threads},
        {"build_threads", r.build_threads},
        {"recall_definition", "ann-benchmarks: distances recomputed, hit when <= t_k + 1e-3"},
        {"id_overlap_recall_definition", "big-ann-benchmarks: the fraction of the first k true ids found"},
        {"qps_single_thread", "one query at a time, one thread"},
        {"ratio_to_hnswlib_reference", RatioReference(r) ? json(RatioReference(r)->name) : json(nullptr)}}},
      {"machine", {{"cpu", r.cpu}, {"isa", r.isa}, {"hardware_threads", r.hardware_threads}}},
      {"started_at", r.started_at},
      {"engines", engines},
  };
  return doc.dump(2) + "\n";
}

std::string ReportTable(const BenchReport& r) {
  std::string out;
  auto line = [&out](const std::string& text) {
    out += text;
    out += '\n';
  };
  line(fmt::format("dataset: {}  train: {} x {}  queries: {}  distance: {}{}", r.data_name, r.train_rows, r.dim,
                   r.test_rows, r.distance, r.ground_truth_computed ? "  (ground truth computed here)" : ""));
  line(fmt::format("index: M {}  efConstruction {}  build threads {}  |  search: k {}  threads {}  |  cpu: {}  isa: {}",
                   r.M, r.ef_construction, r.build_threads, r.k, r.threads, r.cpu, r.isa));
  line("");
  const std::string qps_threads_header = fmt::format("QPS {}t", r.threads);
  const std::string id_recall_header = fmt::format("id-recall@{}", r.k);
  const std::string id_recall_title = r.id_recall_column ? " " + id_recall_header : std::string();
  line(fmt::format("{:<11} {:>5} {:>9}{} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9}", "engine", "ef",
                   fmt::format("recall@{}", r.k), id_recall_title, "QPS 1t", qps_threads_header, "p50 us", "p95 us",
                   "p99 us", "p99.9 us"));
  for (const EngineReport& e : r.engines) {
    for (const EfRun& run : e.runs) {
      const std::string id_recall =
          r.id_recall_column ? fmt::format(" {:>{}.4f}", run.id_recall, id_recall_header.size()) : std::string();
      line(fmt::format("{:<11} {:>5} {:>9.4f}{} {:>10.0f} {:>10.0f} {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f}", e.name,
                       run.ef, run.recall, id_recall, run.qps_single, run.qps_threads, run.latency.p50 * 1e6,
                       run.latency.p95 * 1e6, run.latency.p99 * 1e6, run.latency.p999 * 1e6));
    }
  }
  if (r.id_recall_column) {
    line(fmt::format(
        "recall@{0}: ann-benchmarks' (distances recomputed, ties count); id-recall@{0}: big-ann-benchmarks' (the "
        "fraction of the {0} true ids found)",
        r.k));
  }
  line("");
  line(fmt::format("{:<11} {:>9} {:>11} {:>13} {:>8} {:>13}   {:>14} {:>14} {:>14}", "engine", "build s", "index MiB",
                   "resident MiB", "B/vec", "peak RSS MiB", "QPS@0.90 (x)", "QPS@0.95 (x)", "QPS@0.99 (x)"));
  for (const EngineReport& e : r.engines) {
    std::string cells;
    for (double level : kRecallLevels) {
      std::optional<double> qps = QpsAtRecall(e, level);
      std::optional<double> ratio = RatioToHnswlib(r, e, level);
      std::string cell = qps ? fmt::format("{:.0f} ({})", *qps, Cell(ratio, "{:.2f}")) : std::string("-");
      cells += fmt::format(" {:>14}", cell);
    }
    const double per_vector =
        r.train_rows > 0 ? static_cast<double>(e.resident_bytes) / static_cast<double>(r.train_rows) : 0.0;
    line(fmt::format("{:<11} {:>9.2f} {:>11.1f} {:>13.1f} {:>8.1f} {:>13.1f}  {}", e.name, e.build_seconds,
                     Mib(e.index_bytes), Mib(e.resident_bytes), per_vector, Mib(e.peak_rss_bytes), cells));
  }
  const EngineReport* reference = RatioReference(r);
  line("(x) = QPS ratio to " + (reference ? reference->name : std::string("hnswlib")) +
       " at the same recall; QPS@r = best single-thread QPS with recall@" +
       std::to_string(r.k) +
       " >= r; resident = memory the engine added to the process, after its searches (B/vec: per train vector)");
  line("");
  line(
      fmt::format("{:<11} {:>14} {:>14} {:>14}   (single-thread QPS where recall@{} reaches r, interpolated "
                  "between measured ef)",
                  "engine", "@0.90 (x)", "@0.95 (x)", "@0.99 (x)", r.k));
  for (const EngineReport& e : r.engines) {
    std::string cells;
    for (double level : kRecallLevels) {
      std::optional<double> qps = InterpolatedQpsAtRecall(e, level);
      std::optional<double> ratio = RatioToHnswlib(r, e, level, &InterpolatedQpsAtRecall);
      cells += fmt::format(" {:>14}", qps ? fmt::format("{:.0f} ({})", *qps, Cell(ratio, "{:.2f}")) : std::string("-"));
    }
    line(fmt::format("{:<11}{}", e.name, cells));
  }
  for (const EngineReport& e : r.engines) {
    line(fmt::format("{}: {}{}", e.name, e.description, e.note.empty() ? "" : "; note: " + e.note));
  }
  return out;
}

}  // namespace zyphyr

namespace zyphyr {

Result<std::vector<EngineReport>> ParseReportEngines(const std::string& json_text, const std::string& what) {
  std::vector<EngineReport> engines;
  try {
    const json doc = json::parse(json_text);
    for (const json& e : doc.at("engines")) {
      EngineReport engine;
      engine.name = e.at("name").get<std::string>();
      engine.description = e.at("description").get<std::string>();
      engine.note = e.at("note").get<std::string>();
      engine.build_seconds = e.at("build_seconds").get<double>();
      engine.index_bytes = e.at("index_bytes").get<std::size_t>();
      engine.peak_rss_bytes = e.at("peak_rss_bytes").get<std::size_t>();
      engine.resident_bytes = e.at("resident_bytes").get<std::size_t>();
      for (const json& r : e.at("runs")) {
        EfRun run;
        run.ef = r.at("ef").get<std::size_t>();
        run.recall = r.at("recall").get<double>();
        run.id_recall = r.at("id_overlap_recall").get<double>();
        run.qps_single = r.at("qps_single_thread").get<double>();
        run.qps_threads = r.at("qps_threads").get<double>();
        const json& l = r.at("latency");
        run.latency.mean = l.at("mean_us").get<double>() * 1e-6;
        run.latency.p50 = l.at("p50_us").get<double>() * 1e-6;
        run.latency.p95 = l.at("p95_us").get<double>() * 1e-6;
        run.latency.p99 = l.at("p99_us").get<double>() * 1e-6;
        run.latency.p999 = l.at("p999_us").get<double>() * 1e-6;
        run.latency.max = l.at("max_us").get<double>() * 1e-6;
        run.mean_results = r.at("mean_results").get<double>();
        run.result_file = r.at("result_file").get<std::string>();
        engine.runs.push_back(std::move(run));
      }
      engines.push_back(std::move(engine));
    }
  } catch (const json::exception& e) {
    return Status::InvalidArgument(what + ": not a bench report (" + e.what() + ")");
  }
  return engines;
}

std::string RoundsTable(const std::vector<BenchReport>& rounds) {
  constexpr double kLevels[] = {0.90, 0.95};
  std::vector<std::string> names;
  for (const BenchReport& round : rounds) {
    for (const EngineReport& e : round.engines) {
      if (std::find(names.begin(), names.end(), e.name) == names.end()) names.push_back(e.name);
    }
  }
  std::string out = fmt::format("{:<11} {:>6} {:>12} {:>12}   (single-thread QPS where recall reaches r, interpolated)\n",
                                "engine", "round", "QPS@0.90", "QPS@0.95");
  for (const std::string& name : names) {
    std::vector<std::vector<double>> per_level(std::size(kLevels));
    for (std::size_t i = 0; i < rounds.size(); ++i) {
      const EngineReport* e = FindEngine(rounds[i], name);
      if (e == nullptr) continue;
      std::string cells;
      for (std::size_t l = 0; l < std::size(kLevels); ++l) {
        std::optional<double> qps = InterpolatedQpsAtRecall(*e, kLevels[l]);
        if (qps) per_level[l].push_back(*qps);
        cells += fmt::format(" {:>12}", Cell(qps, "{:.0f}"));
      }
      out += fmt::format("{:<11} {:>6}{}\n", name, i + 1, cells);
    }
    std::string median_cells;
    std::string best_cells;
    for (std::vector<double>& values : per_level) {
      std::optional<double> median;
      std::optional<double> best;
      if (!values.empty()) {
        std::sort(values.begin(), values.end());
        const std::size_t m = values.size() / 2;
        median = values.size() % 2 == 1 ? values[m] : (values[m - 1] + values[m]) / 2.0;
        best = values.back();
      }
      median_cells += fmt::format(" {:>12}", Cell(median, "{:.0f}"));
      best_cells += fmt::format(" {:>12}", Cell(best, "{:.0f}"));
    }
    out += fmt::format("{:<11} {:>6}{}\n", name, "median", median_cells);
    out += fmt::format("{:<11} {:>6}{}\n", name, "best", best_cells);
  }
  return out;
}

}  // namespace zyphyr
