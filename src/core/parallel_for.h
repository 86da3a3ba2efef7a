// ParallelFor: the one way Zyphyr spreads independent items over threads.
//
// Items are handed out one at a time from a shared counter, so uneven items
// (HNSW insertions, queries) balance themselves. Each thread makes its own
// state once (scratch buffers, heaps), so the body allocates nothing per item.
// With one thread everything runs on the caller's thread, in index order.
#ifndef ZYPHYR_SRC_CORE_PARALLEL_FOR_H_
#define ZYPHYR_SRC_CORE_PARALLEL_FOR_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace zyphyr {

// `requested` threads, 0 meaning one per hardware thread; at least 1.
inline std::size_t ResolveThreads(std::size_t requested) {
  if (requested != 0) return requested;
  return std::max<std::size_t>(1, std::thread::hardware_concurrency());
}

// Calls body(i, state) for every i in [begin, end) on up to `threads` threads
// (0: one per hardware thread), where `state` is what make_state() returned
// on that thread. body and make_state must be safe to call concurrently.
template <typename MakeState, typename Body>
void ParallelFor(std::size_t begin, std::size_t end, std::size_t threads, MakeState make_state, Body body) {
  if (begin >= end) return;
  threads = std::min(ResolveThreads(threads), end - begin);
  std::atomic<std::size_t> next{begin};
  auto work = [&] {
    auto state = make_state();
    for (std::size_t i = next.fetch_add(1); i < end; i = next.fetch_add(1)) body(i, state);
  };
  if (threads == 1) {
    work();
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(work);
  for (std::thread& t : pool) t.join();
}

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_CORE_PARALLEL_FOR_H_
