#include "bench/harness/recall_plot.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/core.h>

extern char** environ;

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
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::string program = "gnuplot";
  std::string script = files.script;
  char* argv[] = {program.data(), script.data(), nullptr};
  pid_t pid = 0;
  // gnuplot starts with no signal blocked, whatever this process blocks (storage/interrupt_cleanup.h).
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
  const int spawn_error = posix_spawnp(&pid, "gnuplot", &actions, &attributes, argv, environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error == ENOENT) {
    return Status::Unsupported("gnuplot not found (install gnuplot-nox); the plot script is " + files.script);
  }
  if (spawn_error != 0) return Status::Internal(std::string("cannot run gnuplot: ") + std::strerror(spawn_error));
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0) {
    if (errno != EINTR) return Status::Internal(std::string("waiting for gnuplot: ") + std::strerror(errno));
  }
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    const int code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
    return Status::Internal(fmt::format("gnuplot failed (exit status {}): {}", code, FirstLine(log)));
  }
  return files;
}

}  // namespace zyphyr
