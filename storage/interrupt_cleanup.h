// What an interrupted process removes before it exits: the paths it is
// writing that no reader may ever see and nothing will ever finish. They are
// temporary files (storage/atomic_file.h registers every PendingFile),
// staging directories of index builds, and the new shards of a compaction
// before its manifest names them.
//
// InstallInterruptCleanup, called by the program before it starts any thread,
// blocks SIGINT, SIGTERM and SIGHUP in every thread and starts one thread that
// waits for them. On the first it removes every registered path, prints one
// line on stderr when there were any ("error: interrupted by SIGTERM: removed
// 2 unfinished paths") and ends the process by that signal (exit status 128 +
// signal in a shell).
// SIGKILL cannot be caught: what it leaves, the next build or compaction of
// the same target removes (storage/stale_temporaries.h).
//
// Without InstallInterruptCleanup (a library user, the tests) registering is
// only bookkeeping. Thread safety: every function may be called from any
// thread.
#ifndef ZYPHYR_STORAGE_INTERRUPT_CLEANUP_H_
#define ZYPHYR_STORAGE_INTERRUPT_CLEANUP_H_

#include <cstddef>
#include <functional>
#include <string>

namespace zyphyr {

enum class CleanupKind {
  kFile,  // unlink(2).
  kTree,  // The directory and everything in it.
};

// Adds `path` to what an interrupt removes. Once an interrupt has begun its
// removal, registering removes `path` at once instead (the process is ending,
// and the path may have been created after the sweep passed).
void RegisterForInterruptCleanup(const std::string& path, CleanupKind kind);

// Creates `path` by calling `create` (true when it made the path; false with
// errno set when it could not) and registers it, under one lock with the
// interrupt's removal: the path is either registered before an interrupt
// removes what is registered, or never created. After an interrupt has begun
// nothing is created: false with errno EINTR.
bool CreateForInterruptCleanup(const std::string& path, CleanupKind kind, const std::function<bool()>& create);

// Forgets `path` (after it was published, renamed into place or removed).
void UnregisterFromInterruptCleanup(const std::string& path);

// Removes every registered path, then makes later registrations remove their
// path at once. Returns how many were registered. What the interrupt thread
// runs; public for tests.
std::size_t RemoveForInterrupt() noexcept;

// The number of paths registered now (tests).
std::size_t RegisteredForInterruptCleanup();

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and so in every
// thread it starts later) and starts the thread that handles them as above.
// Call once, from main, before any other thread exists: a thread started
// earlier would still take the signals and die without cleaning up. Child
// processes must be started with the signals unblocked (bench/harness/
// recall_plot.cpp does this for gnuplot).
void InstallInterruptCleanup();

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_INTERRUPT_CLEANUP_H_
