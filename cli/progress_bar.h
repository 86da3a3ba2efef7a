// ProgressBar: a one-line bar on stderr for long steps (ground truth, index
// builds, sweeps), drawn only when stderr is a terminal, so batch jobs and
// logs stay quiet. Updates are thread-safe and redrawn at most ~10 times a
// second.
#ifndef ZYPHYR_CLI_PROGRESS_BAR_H_
#define ZYPHYR_CLI_PROGRESS_BAR_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>

namespace zyphyr::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();  // Finishes the line if one was drawn.
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // True when stderr is a terminal (otherwise every call is a no-op).
  bool active() const { return active_; }

  // Records progress `done` of `total`; redraws when due (always at done == total).
  void Update(std::size_t done, std::size_t total);

  // A callback for the library's progress hooks; empty when inactive, so the
  // library skips the calls altogether.
  std::function<void(std::size_t, std::size_t)> Callback();

  // Ends the bar's line (idempotent).
  void Finish();

 private:
  void Draw(std::size_t done, std::size_t total);

  std::string label_;
  bool active_;
  bool drawn_ = false;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_PROGRESS_BAR_H_
