#include "cli/isolated_run.h"

#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/core.h>

#include "cli/report_output.h"
#include "src/core/child_process.h"

namespace zyphyr::cli {
namespace {

// The command line of the standalone child that measures `engine`: the
// options of this run, with --engine-only and a report directory of its own.
std::vector<std::string> ChildArguments(const BenchOptions& o, const std::string& engine, const std::string& report) {
  std::vector<std::string> args = {"zyphyr",
                                   "bench",
                                   "--data",
                                   o.data,
                                   "--k",
                                   std::to_string(o.k),
                                   "--ef",
                                   o.ef_list,
                                   "--threads",
                                   std::to_string(o.threads),
                                   "--build-threads",
                                   std::to_string(o.build_threads),
                                   "--seed",
                                   std::to_string(o.seed),
                                   "--encoding",
                                   o.encodings,
                                   "--rerank",
                                   std::to_string(o.rerank),
                                   "--rerank-rows",
                                   o.rerank_rows,
                                   "--engine-only",
                                   engine,
                                   "--report",
                                   report};
  if (o.pq_m != 0) args.insert(args.end(), {"--pq-m", std::to_string(o.pq_m)});
  if (!o.queries.empty()) args.insert(args.end(), {"--queries", o.queries});
  if (!o.groundtruth.empty()) args.insert(args.end(), {"--groundtruth", o.groundtruth});
  if (!o.metric.empty()) args.insert(args.end(), {"--metric", o.metric});
  if (o.rows != 0) args.insert(args.end(), {"--rows", std::to_string(o.rows)});
  if (o.index.empty()) {
    args.insert(args.end(), {"--M", std::to_string(o.M), "--ef-construction", std::to_string(o.ef_construction)});
  } else {
    args.insert(args.end(), {"--index", o.index});
  }
  return args;
}

// The last non-empty line of `path` (a child's log), or "".
std::string LastLine(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::string last;
  while (std::getline(in, line)) {
    if (!line.empty() && line.find('\r') == std::string::npos) last = line;
  }
  return last;
}

}  // namespace

Result<std::vector<EngineReport>> RunIsolated(const BenchOptions& o, const std::string& engine,
                                              const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  ZYPHYR_RETURN_IF_ERROR(CreateReportDirectory(dir.string()));
  const std::filesystem::path log = dir / "log.txt";
  fmt::print(stderr, "{}: own process, report {}\n", engine, dir.string());
  Result<int> status = RunAndWait("/proc/self/exe", ChildArguments(o, engine, dir.string()), log.string());
  if (!status.ok()) return status.status().WithContext(engine + " (own process)");
  if (*status != 0) {
    return Status::Internal(fmt::format("{} (own process): exit status {}: {}; log: {}", engine, *status,
                                        LastLine(log), log.string()));
  }
  std::ifstream in(dir / "report.json");
  std::stringstream text;
  text << in.rdbuf();
  return ParseReportEngines(text.str(), (dir / "report.json").string());
}

}  // namespace zyphyr::cli
