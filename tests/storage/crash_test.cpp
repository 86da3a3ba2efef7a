// Crash safety under SIGKILL: a child process writes shards, or inserts into
// and compacts an index directory, in a loop until the parent kills it at a
// random instant. Afterwards the shard is whole (the old contents or the new,
// byte for byte) and the index opens with every acknowledged insert in it.
//
// The children never return into GoogleTest: they leave with _exit (no
// atexit handlers, no leak check, no flushing of the parent's buffers), and
// report only through their exit status and a pipe.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "builder/compaction.h"
#include "builder/index_insert.h"
#include "builder/open_index.h"
#include "src/data/synthetic.h"
#include "storage/shard.h"
#include "storage/stored_index.h"
#include "tests/builder/one_rank_build.h"
#include "tests/child_pipe.h"
#include "tests/index/index_test_util.h"
#include "tests/scratch_dir.h"
#include "tests/storage/storage_test_util.h"

namespace zyphyr {
namespace {

using testing::MakeStore;
using testing::ReadBytes;
using testing::ScratchDir;
using testing::SmallIndex;
using testing::WriteIndexShard;

constexpr int kKills = 50;
constexpr std::uint32_t kSeed = 20240611;

// Exit statuses of a child that stopped on its own (it should only ever be killed).
constexpr int kChildWriteFailed = 2;
constexpr int kChildPipeFailed = 3;

// Kills `child` with SIGKILL and reaps it; returns its wait status.
int KillAndReap(pid_t child) {
  ::kill(child, SIGKILL);
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(child, &status, 0);
  } while (r < 0 && errno == EINTR);
  EXPECT_EQ(r, child) << "waitpid: " << std::strerror(errno);
  return status;
}

// Describes a wait status for failure messages.
std::string DescribeStatus(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "wait status " + std::to_string(status);
}

void SleepMicros(std::uint32_t us) { std::this_thread::sleep_for(std::chrono::microseconds(us)); }

// Microseconds since `start`.
double MicrosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
}

// The kills land uniformly in [0, window): `floor_us`, widened to `work_us` (what the child should get through in
// one round, measured on this machine: a disk with slow fsyncs or a sanitizer build can be ten times slower) but
// never past `cap_us`, which bounds the test's time.
std::uint32_t KillWindowUs(double work_us, std::uint32_t floor_us, std::uint32_t cap_us) {
  return static_cast<std::uint32_t>(std::clamp(work_us, static_cast<double>(floor_us), static_cast<double>(cap_us)));
}

// Writes all of `data` to `fd` or _exits the child.
void WriteOrDie(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(kChildPipeFailed);
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

// ---- Shard writes ------------------------------------------------------------

TEST(StorageCrash, KilledShardWriteLeavesTheOldOrTheNewFile) {
  ScratchDir refs;
  ScratchDir work;
  // Two different shards large enough that a write takes a while (and is hit mid-way).
  auto a = SmallIndex(3000, 32, Metric::kL2, 4, 3);
  auto b = SmallIndex(3000, 32, Metric::kL2, 4, 5);
  WriteIndexShard(*a, refs.File("a.zys"));
  WriteIndexShard(*b, refs.File("b.zys"));
  const std::string a_bytes = ReadBytes(refs.File("a.zys"));
  const std::string b_bytes = ReadBytes(refs.File("b.zys"));
  ASSERT_FALSE(a_bytes.empty());
  ASSERT_NE(a_bytes, b_bytes);

  const std::string name = "shard.zys";
  const std::string target = work.File(name);
  const std::string temp_prefix = "." + name + ".tmp-";
  const auto start = std::chrono::steady_clock::now();
  WriteIndexShard(*a, target);
  const double write_us = MicrosSince(start);

  // Room for about three writes, so that kills land before, during and after the first one.
  const std::uint32_t window_us = KillWindowUs(3 * write_us, 15000, 100000);
  std::mt19937 rng(kSeed);
  std::uniform_int_distribution<std::uint32_t> delay_us(0, window_us);
  int saw_a = 0, saw_b = 0, strays = 0;
  bool holds_a = true;  // What `target` holds now.
  for (int kill = 0; kill < kKills; ++kill) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0) << "fork: " << std::strerror(errno);
    if (child == 0) {
      // Alternate the other shard and this one forever (so the first completed write changes the file); the file at
      // `target` must always be one of them, whole.
      for (std::uint64_t i = 0;; ++i) {
        const HnswIndex& index = (i % 2 == 0) == holds_a ? *b : *a;
        auto written = WriteShard(target, index.store().rows(), index.store().ids(), index.graph().view(),
                                  ShardParams{32, 3, 0x1234});
        if (!written.ok()) ::_exit(kChildWriteFailed);
      }
    }
    SleepMicros(delay_us(rng));
    const int status = KillAndReap(child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "kill " << kill << ": the writer " << DescribeStatus(status);

    auto shard = Shard::Open(target, ShardOpenOptions{true, RerankRows::kAuto});
    ASSERT_TRUE(shard.ok()) << "kill " << kill << ": " << shard.status().ToString();
    const std::string bytes = ReadBytes(target);
    if (bytes == a_bytes) {
      ++saw_a;
      holds_a = true;
    } else if (bytes == b_bytes) {
      ++saw_b;
      holds_a = false;
    } else {
      FAIL() << "kill " << kill << ": " << target << " holds " << bytes.size()
             << " bytes equal to neither shard written";
    }

    // Only temporaries ('.shard.zys.tmp-*', never the target's name) may be left beside the target; they are
    // removed before the next round.
    for (const std::string& entry : work.List()) {
      if (entry == name) continue;
      ASSERT_EQ(entry.rfind(temp_prefix, 0), 0u) << "kill " << kill << ": unexpected file " << entry;
      std::filesystem::remove(work.File(entry));
      ++strays;
    }
  }
  std::cout << "[ crash    ] a write takes " << static_cast<int>(write_us) << " us; " << kKills << " kills within "
            << window_us << " us: shard A seen " << saw_a << " times, B " << saw_b << " times, " << strays
            << " stray temporaries removed\n";
  ::testing::Test::RecordProperty("saw_a", saw_a);
  ::testing::Test::RecordProperty("saw_b", saw_b);
  ::testing::Test::RecordProperty("stray_temporaries", strays);
}

// ---- Index inserts and compactions -----------------------------------------------

constexpr std::size_t kIndexDim = 8;
// Sent through the pipe after a completed compaction instead of an id.
constexpr std::uint64_t kCompactedMarker = ~std::uint64_t{0};

// What the child reports after each completed operation.
struct Ack {
  std::uint64_t id;     // The inserted id, or kCompactedMarker.
  std::uint64_t local;  // The child's operation counter.
};

// The vector inserted by the child of round `round` (-1: the parent, before the first round) at operation `local`:
// unique per (round, local) and far from the clustered base rows.
std::vector<float> InsertedVector(int round, std::uint64_t local) {
  std::vector<float> v(kIndexDim);
  v[0] = 100.0f + static_cast<float>(round);
  v[1] = static_cast<float>(local) * 0.01f;
  for (std::size_t i = 2; i < kIndexDim; ++i) v[i] = static_cast<float>(i);
  return v;
}

// The child: insert, compact, then 8 inserts and a compaction, over and over (the first compaction comes early, so
// that slow builds reach it too), acknowledging each operation through `fd`. Never returns.
[[noreturn]] void InsertAndCompactForever(const std::string& dir, int round, int fd) {
  for (std::uint64_t local = 0;; ++local) {
    Ack ack{kCompactedMarker, local};
    if (local % 10 == 1) {
      if (!CompactIndex(dir, 1).ok()) ::_exit(kChildWriteFailed);
    } else {
      const std::vector<float> v = InsertedVector(round, local);
      auto id = InsertIntoIndex(dir, v, 1);
      if (!id.ok()) ::_exit(kChildWriteFailed);
      ack.id = *id;
    }
    WriteOrDie(fd, &ack, sizeof(ack));
  }
}

// Reads every Ack from `fd` until end of file.
std::vector<Ack> ReadAcks(int fd) {
  std::string bytes;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(bytes.size() % sizeof(Ack), 0u) << "a torn acknowledgement";
  std::vector<Ack> acks(bytes.size() / sizeof(Ack));
  if (!acks.empty()) std::memcpy(acks.data(), bytes.data(), acks.size() * sizeof(Ack));
  return acks;
}

struct Acknowledged {
  std::uint64_t id;
  std::vector<float> vector;
};

// Whether `index` holds `a.id` and finds it for its own vector at distance 0.
::testing::AssertionResult Findable(const StoredIndex& index, const Acknowledged& a) {
  if (!index.Contains(a.id)) return ::testing::AssertionFailure() << "id " << a.id << " is not in the index";
  auto found = index.Search(a.vector, HnswSearchOptions{1, 64});
  if (!found.ok()) return ::testing::AssertionFailure() << "id " << a.id << ": " << found.status().ToString();
  if (found->empty() || (*found)[0].id != a.id || (*found)[0].distance != 0.0f) {
    auto f = ::testing::AssertionFailure() << "id " << a.id << ": its own vector finds ";
    if (found->empty()) return f << "nothing";
    return f << "id " << (*found)[0].id << " at distance " << (*found)[0].distance;
  }
  return ::testing::AssertionSuccess();
}

TEST(StorageCrash, KilledInsertsAndCompactionsKeepEveryAcknowledgedInsert) {
  ScratchDir scratch;
  const std::string dir = scratch.File("idx");
  auto base = ClusteredGaussian(300, kIndexDim, 4, 17);
  ASSERT_TRUE(base.ok());
  DistributedBuildParams params;
  params.hnsw.M = 6;
  params.hnsw.ef_construction = 40;
  params.hnsw.threads = 1;
  params.data = "crash test";
  ASSERT_TRUE(testing::BuildOnOneRank(dir, *base, Metric::kL2, params).ok());

  // One insert and one compaction here, timed: the window covers a child's insert, compaction and next 8 inserts.
  std::vector<Acknowledged> acked;
  auto start = std::chrono::steady_clock::now();
  const std::vector<float> first = InsertedVector(-1, 0);
  auto first_id = InsertIntoIndex(dir, first, 1);
  ASSERT_TRUE(first_id.ok()) << first_id.status().ToString();
  acked.push_back({*first_id, first});
  const double insert_us = MicrosSince(start);
  start = std::chrono::steady_clock::now();
  ASSERT_TRUE(CompactIndex(dir, 1).ok());
  const double compact_us = MicrosSince(start);
  const std::uint32_t window_us = KillWindowUs(9 * insert_us + compact_us, 30000, 200000);

  std::mt19937 rng(kSeed + 1);
  std::uniform_int_distribution<std::uint32_t> delay_us(0, window_us);
  int compactions = 0;
  for (int round = 0; round < kKills; ++round) {
    pid_t child = 0;
    int fd = -1;
    ASSERT_NO_FATAL_FAILURE(testing::ForkWithPipe(&child, &fd));
    if (child == 0) InsertAndCompactForever(dir, round, fd);
    SleepMicros(delay_us(rng));
    const int status = KillAndReap(child);
    const std::vector<Ack> acks = ReadAcks(fd);
    ::close(fd);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "round " << round << ": the child " << DescribeStatus(status);

    const std::size_t old_acked = acked.size();
    for (const Ack& ack : acks) {
      if (ack.id == kCompactedMarker) {
        ++compactions;
      } else {
        acked.push_back({ack.id, InsertedVector(round, ack.local)});
      }
    }
    auto index = OpenSearchableIndex(dir);
    ASSERT_TRUE(index.ok()) << "round " << round << ": " << index.status().ToString();
    // Every acknowledged id is there; the new ones, and a sample of the older ones, are found by their vectors.
    for (const Acknowledged& a : acked) ASSERT_TRUE((*index)->Contains(a.id)) << "round " << round << ": " << a.id;
    for (std::size_t i = old_acked; i < acked.size(); ++i) {
      ASSERT_TRUE(Findable(**index, acked[i])) << "round " << round;
    }
    for (int sample = 0; sample < 20 && old_acked > 0; ++sample) {
      ASSERT_TRUE(Findable(**index, acked[rng() % old_acked])) << "round " << round;
    }
  }
  // At the end, every acknowledged insert is found.
  auto index = OpenSearchableIndex(dir);
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  for (const Acknowledged& a : acked) ASSERT_TRUE(Findable(**index, a));
  EXPECT_GE((*index)->live_rows(), 300 + acked.size());
  std::cout << "[ crash    ] an insert takes " << static_cast<int>(insert_us) << " us, a compaction "
            << static_cast<int>(compact_us) << " us; " << kKills << " kills within " << window_us
            << " us: " << acked.size() << " acknowledged inserts, " << compactions
            << " acknowledged compactions, generation " << (*index)->manifest().generation << ", "
            << (*index)->inserted_rows() << " rows in logs\n";
  ::testing::Test::RecordProperty("acknowledged_inserts", static_cast<int>(acked.size()));
  ::testing::Test::RecordProperty("acknowledged_compactions", compactions);
}

}  // namespace
}  // namespace zyphyr
