// The recall-vs-QPS plot of a bench report, drawn by gnuplot (Debian
// gnuplot-nox) as a PNG: one line per engine, QPS on a log scale, as
// ann-benchmarks draws its plots.
#ifndef ZYPHYR_BENCH_HARNESS_RECALL_PLOT_H_
#define ZYPHYR_BENCH_HARNESS_RECALL_PLOT_H_

#include <string>

#include "bench/harness/bench_report.h"
#include "src/core/status.h"

namespace zyphyr {

struct PlotFiles {
  std::string data;    // <dir>/recall_qps.dat: per engine a block "ef recall qps_single qps_threads".
  std::string script;  // <dir>/recall_qps.gp: the gnuplot script, rerunnable by hand.
  std::string png;     // <dir>/recall_qps.png.
};

// Writes the data and the script into `dir` (which must exist), then runs
// `gnuplot` found on PATH with its output in <dir>/recall_qps.gnuplot.log.
// Errors: IOError when a file cannot be written; Unsupported "gnuplot not
// found (install gnuplot-nox); the plot script is <dir>/recall_qps.gp" when
// gnuplot is missing; Internal "gnuplot failed (exit status N): <first line
// of its log>" when it fails. The data and script are left in place either way.
Result<PlotFiles> WriteRecallQpsPlot(const BenchReport& report, const std::string& dir);

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_HARNESS_RECALL_PLOT_H_
