#include "bench/harness/recall_plot.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/core.h>

#include "src/core/child_process.h"

namespace zyphyr {
namespace {

// A gnuplot single-quoted string: quotes are doubled.
std::string Quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IOError(path + ": cannot write: " + std::strerror(errno));
  out << text;
  out.close();
  if (!out) return Status::IOError(path + ": write failed");
  return Status::Ok();
}

std::string DataText(const BenchReport& report) {
  std::string out;
  for (const EngineReport& e : report.engines) {
    out += fmt::format("# {}\n# ef recall qps_single qps_threads\n", e.name);
    for (const EfRun& run : e.runs) {
      out += fmt::format("{} {:.6f} {:.3f} {:.3f}\n", run.ef, run.recall, run.qps_single, run.qps_threads);
    }
    out += "\n\n";  // gnuplot: two blank lines end a data block (an `index`).
  }
  return out;
}

std::string ScriptText(const BenchReport& report, const PlotFiles& files) {
  std::string out;
  out += "set terminal pngcairo size 1000,700 enhanced font 'sans,11'\n";
  out += "set output " + Quoted(files.png) + "\n";
  const std::string title = !report.plot_title.empty()
                                ? report.plot_title
                                : fmt::format("{}: recall@{} vs QPS (one thread; M={}, efConstruction={})",
                                              report.data_name, report.k, report.M, report.ef_construction);
  out += "set title " + Quoted(title) + " noenhanced\n";
  out += fmt::format("set xlabel 'recall@{}' noenhanced\n", report.k);
  out += "set ylabel 'queries per second (log scale)'\n";
  out += "set logscale y\nset grid\nset key top right\nset xrange [*:1.0]\n";
  out += "plot ";
  for (std::size_t i = 0; i < report.engines.size(); ++i) {
    if (i > 0) out += ", \\\n     ";
    out += fmt::format("{} index {} using 2:3 with linespoints lw 2 pt 7 title {} noenhanced", Quoted(files.data), i,
                       Quoted(report.engines[i].name));
  }
  out += "\n";
  return out;
}

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) return line;
  }
  return "no output";
}

}  // namespace

Result<PlotFiles> WriteRecallQpsPlot(const BenchReport& report, const std::string& dir) {
  const std::filesystem::path base = std::filesystem::absolute(dir);
  PlotFiles files{(base / "recall_qps.dat").string(), (base / "recall_qps.gp").string(),
                  (base / "recall_qps.png").string()};
  ZYPHYR_RETURN_IF_ERROR(WriteText(files.data, DataText(report)));
  ZYPHYR_RETURN_IF_ERROR(WriteText(files.script, ScriptText(report, files)));

  const std::string log = (base / "recall_qps.gnuplot.log").string();
  Result<int> code = RunAndWait("gnuplot", {"gnuplot", files.script}, log);
  if (code.status().code() == StatusCode::kNotFound) {
    return Status::Unsupported("gnuplot not found (install gnuplot-nox); the plot script is " + files.script);
  }
  if (!code.ok()) return Status::Internal("cannot run gnuplot: " + code.status().message());
  if (*code != 0) return Status::Internal(fmt::format("gnuplot failed (exit status {}): {}", *code, FirstLine(log)));
  return files;
}

}  // namespace zyphyr
