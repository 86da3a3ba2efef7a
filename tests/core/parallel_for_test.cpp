#include "src/core/parallel_for.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace zyphyr {
namespace {

using parallel_for_internal::PoolWorkers;

// Holds each arriving thread until `count` have arrived (or the time is up:
// then says false rather than hang the test).
class Rendezvous {
 public:
  explicit Rendezvous(std::size_t count) : count_(count) {}

  bool ArriveAndWait() {
    std::unique_lock<std::mutex> lock(mutex_);
    ++arrived_;
    all_.notify_all();
    return all_.wait_for(lock, std::chrono::seconds(20), [&] { return arrived_ >= count_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable all_;
  std::size_t count_;
  std::size_t arrived_ = 0;
};

// Runs items [0, threads) on `threads` threads, each item held until all
// have begun, so every thread of the call takes exactly one item. Returns
// the threads, and what each found in `mark` (then sets it to `next_mark`).
struct Participants {
  std::set<std::thread::id> ids;
  std::vector<int> marks_found;
  bool all_arrived = true;
};
thread_local int mark = 0;
Participants RunOneItemPerThread(std::size_t threads, int next_mark) {
  Participants out;
  Rendezvous rendezvous(threads);
  std::mutex mutex;
  ParallelFor(
      0, threads, threads, [] { return 0; },
      [&](std::size_t, int) {
        const bool arrived = rendezvous.ArriveAndWait();
        std::lock_guard<std::mutex> lock(mutex);
        out.all_arrived = out.all_arrived && arrived;
        out.ids.insert(std::this_thread::get_id());
        out.marks_found.push_back(mark);
        mark = next_mark;
      });
  return out;
}

TEST(ThreadPool, MultiThreadedRunsEveryIndexExactlyOnce) {
  for (std::size_t threads : {0, 1, 2, 3, 8}) {
    for (std::size_t n : {1, 2, 7, 1000}) {
      std::vector<std::atomic<int>> runs(n + 5);
      ParallelFor(
          5, n + 5, threads, [] { return 0; },
          [&](std::size_t i, int) { runs[i].fetch_add(1, std::memory_order_relaxed); });
      for (std::size_t i = 0; i < runs.size(); ++i) {
        ASSERT_EQ(runs[i].load(), i < 5 ? 0 : 1) << "index " << i << ", n " << n << ", threads " << threads;
      }
    }
  }
  ParallelFor(
      4, 4, 3, [] { return 0; }, [](std::size_t, int) { ADD_FAILURE() << "empty range"; });
}

TEST(ThreadPool, MultiThreadedOneThreadRunsOnTheCallerInIndexOrder) {
  std::vector<std::size_t> order;
  std::size_t states = 0;
  const std::thread::id caller = std::this_thread::get_id();
  ParallelFor(
      0, 50, 1, [&] { return ++states; },
      [&](std::size_t i, std::size_t) {
        EXPECT_EQ(std::this_thread::get_id(), caller);
        order.push_back(i);
      });
  std::vector<std::size_t> expected(50);
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = i;
  EXPECT_EQ(order, expected);
  EXPECT_EQ(states, 1u);
}

// make_state runs once per thread of the call, at most `threads` times, and
// each state is used by the one thread that made it.
TEST(ThreadPool, MultiThreadedStateIsMadeOncePerThreadOfTheCall) {
  for (std::size_t threads : {2, 3, 5}) {
    std::mutex mutex;
    std::vector<std::thread::id> makers;
    std::set<std::thread::id> used;
    ParallelFor(
        0, 2000, threads,
        [&] {
          std::lock_guard<std::mutex> lock(mutex);
          makers.push_back(std::this_thread::get_id());
          return makers.size() - 1;
        },
        [&](std::size_t, std::size_t state) {
          std::lock_guard<std::mutex> lock(mutex);
          EXPECT_EQ(makers[state], std::this_thread::get_id());
          used.insert(std::this_thread::get_id());
        });
    EXPECT_GE(makers.size(), 1u);
    EXPECT_LE(makers.size(), threads);
    EXPECT_EQ(std::set<std::thread::id>(makers.begin(), makers.end()).size(), makers.size());
    EXPECT_LE(used.size(), threads);
  }
}

// The threads of a call are the caller and pool workers that outlive it:
// a second call runs on the very same threads, whose thread_local state
// the first call left behind.
TEST(ThreadPool, MultiThreadedCallsReuseTheSameThreads) {
  // As many threads as the pool has workers, plus the caller: every worker
  // takes part in both calls.
  const std::size_t threads = std::max<std::size_t>(4, PoolWorkers() + 1);
  const Participants first = RunOneItemPerThread(threads, 1001);
  ASSERT_TRUE(first.all_arrived) << "a call of " << threads << " threads did not get them";
  EXPECT_EQ(first.ids.size(), threads);
  EXPECT_TRUE(first.ids.count(std::this_thread::get_id())) << "the caller takes part";
  EXPECT_EQ(PoolWorkers(), threads - 1);

  const Participants second = RunOneItemPerThread(threads, 1002);
  ASSERT_TRUE(second.all_arrived);
  EXPECT_EQ(second.ids, first.ids);
  EXPECT_EQ(second.marks_found, std::vector<int>(threads, 1001)) << "thread_local state survives between calls";
  EXPECT_EQ(PoolWorkers(), threads - 1) << "no new worker";

  // A smaller call takes some of the same workers and starts none.
  const Participants smaller = RunOneItemPerThread(2, 1003);
  ASSERT_TRUE(smaller.all_arrived);
  for (const std::thread::id& id : smaller.ids) EXPECT_TRUE(first.ids.count(id));
  EXPECT_EQ(PoolWorkers(), threads - 1);
}

// A body calling ParallelFor finishes, even when every worker is busy in
// the outer call (the inner calls then run on their callers).
TEST(ThreadPool, MultiThreadedNestedCallsDoNotDeadlock) {
  const std::size_t outer = std::max<std::size_t>(4, PoolWorkers() + 1);
  Rendezvous all_busy(outer);
  std::atomic<bool> arrived{true};
  std::atomic<std::uint64_t> sum{0};
  ParallelFor(
      0, outer, outer, [] { return 0; },
      [&](std::size_t i, int) {
        if (!all_busy.ArriveAndWait()) arrived = false;
        ParallelFor(
            0, 100, 4, [] { return 0; },
            [&](std::size_t j, int) {
              ParallelFor(
                  0, 3, 2, [] { return 0; },
                  [&](std::size_t l, int) { sum.fetch_add(i * 10000 + j * 10 + l, std::memory_order_relaxed); });
            });
      });
  EXPECT_TRUE(arrived.load());
  std::uint64_t expected = 0;
  for (std::uint64_t i = 0; i < outer; ++i) {
    for (std::uint64_t j = 0; j < 100; ++j) {
      for (std::uint64_t l = 0; l < 3; ++l) expected += i * 10000 + j * 10 + l;
    }
  }
  EXPECT_EQ(sum.load(), expected);

  // Nested calls with idle workers around.
  std::atomic<std::size_t> count{0};
  ParallelFor(
      0, 16, 2, [] { return 0; },
      [&](std::size_t, int) {
        ParallelFor(
            0, 50, 3, [] { return 0; }, [&](std::size_t, int) { count.fetch_add(1, std::memory_order_relaxed); });
      });
  EXPECT_EQ(count.load(), 16u * 50u);
}

TEST(ThreadPool, ConcurrentCallsFromSeveralThreadsEachRunTheirItems) {
  constexpr std::size_t kCallers = 4;
  constexpr std::size_t kItems = 500;
  std::vector<std::vector<int>> runs(kCallers, std::vector<int>(kItems, 0));
  std::vector<std::thread> callers;
  for (std::size_t c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int round = 0; round < 30; ++round) {
        ParallelFor(
            0, kItems, 3, [] { return 0; }, [&](std::size_t i, int) { ++runs[c][i]; });
      }
    });
  }
  for (std::thread& t : callers) t.join();
  for (std::size_t c = 0; c < kCallers; ++c) EXPECT_EQ(runs[c], std::vector<int>(kItems, 30)) << "caller " << c;
}

// A throwing body or make_state: the first exception reaches the caller,
// once every thread of the call has stopped; the items not yet started are
// skipped, and the pool goes on working.
TEST(ThreadPool, MultiThreadedExceptionReachesTheCaller) {
  for (std::size_t threads : {1, 4}) {
    std::atomic<std::size_t> ran{0};
    try {
      ParallelFor(
          0, 1000, threads, [] { return 0; },
          [&](std::size_t i, int) {
            if (i == 0) throw std::runtime_error("item 0 failed");
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            ran.fetch_add(1);
          });
      ADD_FAILURE() << "no exception, threads " << threads;
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "item 0 failed");
    }
    EXPECT_LT(ran.load(), 999u) << "threads " << threads;
    const std::size_t settled = ran.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(ran.load(), settled) << "a thread of the call still ran after it returned";
  }

  std::atomic<int> states{0};
  EXPECT_THROW(ParallelFor(
                   0, 100, 4,
                   [&] {
                     if (states.fetch_add(1) == 0) throw std::length_error("no scratch");
                     return 0;
                   },
                   [](std::size_t, int) {}),
               std::length_error);

  std::atomic<std::size_t> after{0};
  ParallelFor(
      0, 300, 4, [] { return 0; }, [&](std::size_t, int) { after.fetch_add(1); });
  EXPECT_EQ(after.load(), 300u);
}

// A child forked after the pool has started has none of its workers; it
// gets a pool of its own, whose threads really run in parallel.
TEST(ThreadPool, ForkedChildGetsAPoolOfItsOwn) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "ThreadSanitizer ends a child that starts threads after a multi-threaded fork";
#endif
  ASSERT_TRUE(RunOneItemPerThread(4, 1).all_arrived);  // The parent's pool is up.
  ASSERT_GE(PoolWorkers(), 3u);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(60);  // A hang ends the child by SIGALRM.
    if (PoolWorkers() != 0) ::_exit(3);
    if (!RunOneItemPerThread(4, 2).all_arrived) ::_exit(4);
    std::atomic<std::size_t> count{0};
    ParallelFor(
        0, 1000, 4, [] { return 0; }, [&](std::size_t, int) { count.fetch_add(1); });
    ::_exit(count.load() == 1000 && PoolWorkers() == 3 ? 0 : 5);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  // The parent's pool is untouched.
  EXPECT_TRUE(RunOneItemPerThread(4, 3).all_arrived);
}

}  // namespace
}  // namespace zyphyr
