// What the bench commands write beside their printed table: the report
// directory, its text files and the recall/QPS plot.
#ifndef ZYPHYR_CLI_REPORT_OUTPUT_H_
#define ZYPHYR_CLI_REPORT_OUTPUT_H_

#include <filesystem>
#include <string>

#include "bench/harness/bench_report.h"
#include "src/core/status.h"

namespace zyphyr::cli {

// Creates `dir` and its parents (an existing one is fine). IOError "<dir>:
// cannot create directory: <reason>".
Status CreateReportDirectory(const std::string& dir);

// Writes `text` to `path`, replacing it. IOError "<path>: cannot write".
Status WriteTextFile(const std::filesystem::path& path, const std::string& text);

// Writes dir/report.txt (`table`) and dir/report.json (`json`), then prints
// "report: <dir>/report.json  <dir>/report.txt". The errors of WriteTextFile.
Status WriteReportFiles(const std::filesystem::path& dir, const std::string& table, const std::string& json);

// Draws `report`'s recall/QPS plot into `dir` (bench/harness/recall_plot.h)
// and prints "plot: <dir>/recall_qps.png". The figures are written already,
// so a plot not drawn (no gnuplot) is the warning "warning: plot not drawn:
// <reason>" on stderr, not a failed run.
void DrawRecallQpsPlot(const BenchReport& report, const std::filesystem::path& dir);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_REPORT_OUTPUT_H_
