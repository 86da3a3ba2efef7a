#include "src/core/parallel_for.h"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <vector>

namespace zyphyr::parallel_for_internal {

namespace {

// One RunOnPool call as the workers see it. It lives on its caller's stack;
// a worker touches it only between joining (open > 0, under the lock) and
// leaving (running decremented, under the lock), and the caller returns only
// once no worker is in it and none can join.
struct Job {
  Task task;
  std::size_t open;         // Workers that may still join.
  std::size_t running = 0;  // Workers in task() now.
};

class Pool {
 public:
  void Run(std::size_t helpers, Task task) {
    Job job{task, helpers};
    std::size_t idle;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (workers_.size() < helpers) {
        workers_.emplace_back([this] { Work(); });
        ++idle_;
      }
      jobs_.push_back(&job);
      idle = idle_;
    }
    for (std::size_t i = 0; i < std::min(helpers, idle); ++i) posted_.notify_one();
    task();
    std::unique_lock<std::mutex> lock(mutex_);
    Close(&job);
    left_.wait(lock, [&] { return job.running == 0; });
  }

  std::size_t workers() {
    std::lock_guard<std::mutex> lock(mutex_);
    return workers_.size();
  }

  // Around fork(): no other thread is inside the pool's bookkeeping while
  // the address space is copied.
  void LockForFork() { mutex_.lock(); }
  void UnlockAfterFork() { mutex_.unlock(); }

  // Keeps the pool a fork left behind in this child reachable (not freed).
  void Keep(Pool* abandoned) { abandoned_ = abandoned; }

 private:
  // Lets no more workers join `job`: once one thread has returned from its
  // task, every item has been handed out, and a thread joining now (the
  // same worker again, say) would only make state for nothing. Called with
  // the lock held.
  void Close(Job* job) {
    if (job->open == 0) return;
    jobs_.erase(std::find(jobs_.begin(), jobs_.end(), job));
    job->open = 0;
  }

  // A worker: joins the oldest job that has room, runs it, and again.
  void Work() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      posted_.wait(lock, [&] { return !jobs_.empty(); });
      Job* job = jobs_.front();
      if (--job->open == 0) jobs_.pop_front();
      ++job->running;
      --idle_;
      lock.unlock();
      job->task();
      lock.lock();
      Close(job);
      ++idle_;
      --job->running;
      left_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable posted_;  // Workers wait here for a job.
  std::condition_variable left_;    // Callers wait here for their workers.
  std::deque<Job*> jobs_;           // The jobs with open > 0, oldest first.
  std::vector<std::thread> workers_;
  std::size_t idle_ = 0;  // Workers not in a task.
  Pool* abandoned_ = nullptr;
};

std::atomic<Pool*> g_pool{nullptr};
std::once_flag g_pool_once;

void LockForFork() { g_pool.load(std::memory_order_acquire)->LockForFork(); }
void UnlockInParent() { g_pool.load(std::memory_order_acquire)->UnlockAfterFork(); }
// The child has only the thread that forked: the old pool's workers and its
// locked mutex stay behind, never touched again (kept, not freed: neither
// can be destroyed), and the child grows a pool of its own when it needs one.
void ReplaceInChild() {
  Pool* fresh = new Pool;
  fresh->Keep(g_pool.load(std::memory_order_relaxed));
  g_pool.store(fresh, std::memory_order_release);
}

Pool& ThePool() {
  std::call_once(g_pool_once, [] {
    g_pool.store(new Pool, std::memory_order_release);
    pthread_atfork(&LockForFork, &UnlockInParent, &ReplaceInChild);
  });
  return *g_pool.load(std::memory_order_acquire);
}

}  // namespace

void RunOnPool(std::size_t helpers, Task task) { ThePool().Run(helpers, task); }

std::size_t PoolWorkers() { return ThePool().workers(); }

}  // namespace zyphyr::parallel_for_internal
