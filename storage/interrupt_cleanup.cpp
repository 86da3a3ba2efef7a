#include "storage/interrupt_cleanup.h"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

namespace zyphyr {
namespace {

struct Registry {
  std::mutex mu;
  std::map<std::string, CleanupKind> paths;
  bool interrupted = false;
};

// Never destroyed: the interrupt thread may use it while the process exits.
Registry& TheRegistry() {
  static Registry* registry = new Registry;
  return *registry;
}

void RemovePath(const std::string& path, CleanupKind kind) noexcept {
  if (kind == CleanupKind::kFile) {
    ::unlink(path.c_str());
    return;
  }
  // Another thread may still create a file inside while the tree goes: retry.
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) return;
  }
}

const char* SignalName(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "a signal";
  }
}

sigset_t InterruptSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

[[noreturn]] void HandleInterrupts(sigset_t set) {
  int signal = 0;
  while (sigwait(&set, &signal) != 0) {
  }
  const std::size_t removed = RemoveForInterrupt();
  // Silent when there was nothing to remove: mpirun ends the other ranks of a
  // failed job with SIGTERM, and only rank 0 reports a failure.
  if (removed > 0) {
    std::fprintf(stderr, "error: interrupted by %s: removed %zu unfinished %s\n", SignalName(signal), removed,
                 removed == 1 ? "path" : "paths");
    std::fflush(stderr);
  }
  // End the process by the same signal, so the parent sees what happened.
  std::signal(signal, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, signal);
  pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  std::raise(signal);
  ::_exit(128 + signal);
}

}  // namespace

void RegisterForInterruptCleanup(const std::string& path, CleanupKind kind) {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (r.interrupted) {
    RemovePath(path, kind);
    return;
  }
  r.paths[path] = kind;
}

bool CreateForInterruptCleanup(const std::string& path, CleanupKind kind, const std::function<bool()>& create) {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (r.interrupted) {
    errno = EINTR;
    return false;
  }
  if (!create()) return false;
  r.paths[path] = kind;
  return true;
}

void UnregisterFromInterruptCleanup(const std::string& path) {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.paths.erase(path);
}

std::size_t RemoveForInterrupt() noexcept {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.interrupted = true;
  const std::size_t count = r.paths.size();
  for (const auto& [path, kind] : r.paths) RemovePath(path, kind);
  r.paths.clear();
  return count;
}

std::size_t RegisteredForInterruptCleanup() {
  Registry& r = TheRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  return r.paths.size();
}

void InstallInterruptCleanup() {
  const sigset_t set = InterruptSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread(HandleInterrupts, set).detach();
}

}  // namespace zyphyr
