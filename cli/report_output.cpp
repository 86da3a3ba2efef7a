#include "cli/report_output.h"

#include <fstream>
#include <system_error>

#include <fmt/core.h>

#include "bench/harness/recall_plot.h"

namespace zyphyr::cli {

Status CreateReportDirectory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError(dir + ": cannot create directory: " + ec.message());
  return Status::Ok();
}

Status WriteTextFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IOError(path.string() + ": cannot write");
  return Status::Ok();
}

Status WriteReportFiles(const std::filesystem::path& dir, const std::string& table, const std::string& json) {
  ZYPHYR_RETURN_IF_ERROR(WriteTextFile(dir / "report.txt", table));
  ZYPHYR_RETURN_IF_ERROR(WriteTextFile(dir / "report.json", json));
  fmt::print("report: {}  {}\n", (dir / "report.json").string(), (dir / "report.txt").string());
  return Status::Ok();
}

void DrawRecallQpsPlot(const BenchReport& report, const std::filesystem::path& dir) {
  Result<PlotFiles> plot = WriteRecallQpsPlot(report, dir.string());
  if (!plot.ok()) {
    fmt::print(stderr, "warning: plot not drawn: {}\n", plot.status().message());
  } else {
    fmt::print("plot: {}\n", plot->png);
  }
}

}  // namespace zyphyr::cli
