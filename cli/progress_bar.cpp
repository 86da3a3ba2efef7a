#include "cli/progress_bar.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/core.h>

namespace zyphyr::cli {
namespace {

constexpr int kWidth = 30;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

}  // namespace

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)),
      active_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - kRedrawInterval) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(std::size_t done, std::size_t total) {
  if (!active_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (done < total && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  Draw(done, total);
}

std::function<void(std::size_t, std::size_t)> ProgressBar::Callback() {
  if (!active_) return {};
  return [this](std::size_t done, std::size_t total) { Update(done, total); };
}

void ProgressBar::Finish() {
  if (!active_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (drawn_) fmt::print(stderr, "\n");
  drawn_ = false;
}

void ProgressBar::Draw(std::size_t done, std::size_t total) {
  const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  const int filled = static_cast<int>(fraction * kWidth);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  fmt::print(stderr, "\r{:<28} [{}{}] {:5.1f}%  {:.1f} s ", label_, std::string(filled, '#'),
             std::string(kWidth - filled, ' '), fraction * 100.0, elapsed);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace zyphyr::cli
