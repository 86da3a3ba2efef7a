// ParallelFor: the one way Zyphyr spreads independent items over threads.
//
// Items are handed out one at a time from a shared counter, so uneven items
// (HNSW insertions, queries) balance themselves. Each thread of a call makes
// its own state once (scratch buffers, heaps), so the body allocates nothing
// per item. With one thread everything runs on the caller's thread, in index
// order, and no other thread is involved.
//
// The threads live: one pool per process, started on the first call with
// more than one thread and grown to the largest `threads - 1` any call has
// asked for. The caller is always one of a call's threads, and the pool
// lends it up to threads - 1 idle workers. So the thread_local scratch of
// what a body calls (search heaps, prepared query buffers) is made once per
// worker and reused by every later call, batch after batch.
//
// Nested calls (a body calling ParallelFor) and concurrent calls from
// several threads are safe: a call takes only idle workers, and its caller
// never waits for a worker that has not started on it, so with none idle
// the caller does every item itself.
//
// Signals: workers keep the signal mask of the thread that started them, so
// SIGINT, SIGTERM and SIGHUP stay blocked in them once main has blocked
// them (storage/interrupt_cleanup.h). Fork: a child process starts with a
// new, empty pool (pthread_atfork) and may call ParallelFor; a body itself
// must not fork a child that goes on running.
#ifndef ZYPHYR_SRC_CORE_PARALLEL_FOR_H_
#define ZYPHYR_SRC_CORE_PARALLEL_FOR_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>

namespace zyphyr {

// `requested` threads, 0 meaning one per hardware thread; at least 1.
inline std::size_t ResolveThreads(std::size_t requested) {
  if (requested != 0) return requested;
  return std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

namespace parallel_for_internal {

// A callable the pool runs without owning it or allocating.
struct Task {
  void (*run)(void* context) noexcept;
  void* context;
  void operator()() const noexcept { run(context); }
};

// Runs `task` on the calling thread and, at the same time, on up to
// `helpers` idle pool workers (growing the pool to `helpers` workers first);
// returns once every thread that started it has returned. `task` must return
// only when no work is left to start: once one thread has returned from it,
// no more workers join (so each thread runs it at most once).
void RunOnPool(std::size_t helpers, Task task);

// The pool's workers so far (tests).
std::size_t PoolWorkers();

}  // namespace parallel_for_internal

// Calls body(i, state) for every i in [begin, end) on up to `threads` threads
// (0: one per hardware thread), where `state` is what make_state() returned
// on that thread for this call; make_state runs at most `threads` times.
// body and make_state must be safe to call concurrently. If one of them
// throws, the items not yet started are skipped and, once every thread of
// the call has stopped, the first exception is rethrown to the caller.
template <typename MakeState, typename Body>
void ParallelFor(std::size_t begin, std::size_t end, std::size_t threads, MakeState make_state, Body body) {
  if (begin >= end) return;
  threads = std::min(ResolveThreads(threads), end - begin);
  if (threads == 1) {
    auto state = make_state();
    for (std::size_t i = begin; i < end; ++i) body(i, state);
    return;
  }
  std::atomic<std::size_t> next{begin};
  std::mutex error_mutex;
  std::exception_ptr error;
  auto work = [&]() noexcept {
    try {
      auto state = make_state();
      for (std::size_t i = next.fetch_add(1); i < end; i = next.fetch_add(1)) body(i, state);
    } catch (...) {
      next.store(end);  // The other threads take no new item.
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  using Work = decltype(work);
  parallel_for_internal::RunOnPool(threads - 1,
                                   {[](void* context) noexcept { (*static_cast<Work*>(context))(); }, &work});
  if (error) std::rethrow_exception(error);
}

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_CORE_PARALLEL_FOR_H_
