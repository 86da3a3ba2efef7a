// Stopwatch: wall-clock seconds since construction, for the timings the
// commands print.
#ifndef ZYPHYR_CLI_STOPWATCH_H_
#define ZYPHYR_CLI_STOPWATCH_H_

#include <chrono>

namespace zyphyr::cli {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
  void Restart() { start_ = std::chrono::steady_clock::now(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_STOPWATCH_H_
