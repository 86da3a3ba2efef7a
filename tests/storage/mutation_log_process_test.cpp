// Mutation logs across processes: every acknowledged append survives a
// SIGKILL, and a second writer waits for the first.
#include "storage/mutation_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "storage/crc32c.h"
#include "tests/child_pipe.h"
#include "tests/scratch_dir.h"
#include "tests/storage/mutation_log_test_util.h"

namespace zyphyr {
namespace {

using namespace log_testing;  // NOLINT(build/namespaces): the shared log fixture.

// ---- Crashes and locks, across processes ----

constexpr std::size_t kCrashDim = 8;

// The rows the crash test's child appends as record `sequence`: usually 1-3 rows, every 16th record 100 (so that
// it spans pages and a kill can cut its write short).
void CrashRows(std::uint64_t sequence, std::vector<std::uint64_t>* ids, std::vector<float>* vectors) {
  const std::size_t count = sequence % 16 == 0 ? 100 : 1 + sequence % 3;
  ids->resize(count);
  vectors->resize(count * kCrashDim);
  for (std::size_t i = 0; i < count; ++i) {
    (*ids)[i] = sequence * 1000 + i;
    for (std::size_t d = 0; d < kCrashDim; ++d) {
      (*vectors)[i * kCrashDim + d] = static_cast<float>(sequence) + static_cast<float>(i) * 0.5f + 0.125f * d;
    }
  }
}

bool WriteFull(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The child: appends records until killed, acknowledging each durable one on `ack_fd`. Never returns.
[[noreturn]] void CrashChild(const std::string& path, int ack_fd) {
  Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kCrashDim, kUid);
  if (!writer.ok()) ::_exit(3);
  std::vector<std::uint64_t> ids;
  std::vector<float> vectors;
  for (int i = 0; i < 5000; ++i) {  // Far more than fit in the longest delay; bounded so a stray child ends.
    const std::uint64_t sequence = writer->contents().records.size() + 1;
    CrashRows(sequence, &ids, &vectors);
    if (!writer->AppendInsert(ids, vectors).ok()) ::_exit(4);
    if (!WriteFull(ack_fd, &sequence, sizeof(sequence))) ::_exit(5);
  }
  ::_exit(0);
}

void SleepFor(std::chrono::microseconds us) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(us.count() / 1000000);
  ts.tv_nsec = static_cast<long>(us.count() % 1000000) * 1000;
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

TEST(MutationLogTest, EveryAcknowledgedAppendSurvivesSigkill) {
  LogDir dir;
  const std::string path = dir.File("crash.log");
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> delay_us(0, 20000);
  std::uint64_t last = 0;  // Records in the log after the previous iteration.
  int unacknowledged = 0;
  int torn = 0;
  std::vector<std::uint64_t> ids;
  std::vector<float> vectors;
  for (int iteration = 0; iteration < 50; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    pid_t pid = 0;
    int fd = -1;
    ASSERT_NO_FATAL_FAILURE(testing::ForkWithPipe(&pid, &fd));
    if (pid == 0) CrashChild(path, fd);
    SleepFor(std::chrono::microseconds(delay_us(rng)));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE((WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) ||
                (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0))
        << "child failed, status " << wstatus;

    std::vector<std::uint64_t> acked;
    std::uint64_t seq = 0;
    std::size_t got = 0;
    for (;;) {
      const ssize_t n = ::read(fd, reinterpret_cast<char*>(&seq) + got, sizeof(seq) - got);
      if (n < 0 && errno == EINTR) continue;
      ASSERT_GE(n, 0);
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
      if (got == sizeof(seq)) {
        acked.push_back(seq);
        got = 0;
      }
    }
    ::close(fd);
    EXPECT_EQ(got, 0u);  // Acknowledgements are written whole (8 bytes < PIPE_BUF).
    for (std::size_t i = 0; i < acked.size(); ++i) ASSERT_EQ(acked[i], last + 1 + i) << "acknowledgements in order";

    Result<LogContents> log = ReadMutationLog(path, kCrashDim, kUid);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    const std::uint64_t floor = std::max<std::uint64_t>(last, acked.empty() ? 0 : acked.back());
    const std::uint64_t n = log->records.size();
    ASSERT_GE(n, floor) << "acknowledged records lost";
    ASSERT_LE(n, floor + 1) << "more than one unacknowledged record";
    if (n == floor + 1) ++unacknowledged;
    if (log->torn_bytes > 0) ++torn;
    for (std::size_t i = 0; i < n; ++i) {
      const LogRecord& r = log->records[i];
      CrashRows(i + 1, &ids, &vectors);
      ASSERT_EQ(r.type, LogRecordType::kInsert);
      ASSERT_EQ(r.sequence, i + 1);
      ASSERT_EQ(r.ids, ids);
      ASSERT_EQ(r.vectors, vectors);
    }
    last = n;
  }
  EXPECT_GT(last, 0u);
  std::printf("[          ] %llu records; %d kills left an unacknowledged record, %d a torn tail\n",
              static_cast<unsigned long long>(last), unacknowledged, torn);
}

TEST(MutationLogTest, SecondWriterWaitsForTheFirst) {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  pid_t pid = 0;
  int fd = -1;
  ASSERT_NO_FATAL_FAILURE(testing::ForkWithPipe(&pid, &fd));
  if (pid == 0) {
    {
      Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kDim, kUid);
      if (!writer.ok()) ::_exit(3);
      const std::uint64_t one = 1;
      const std::uint64_t two = 2;
      if (!writer->AppendDelete({&one, 1}).ok()) ::_exit(4);
      const char locked = 'L';
      if (!WriteFull(fd, &locked, 1)) ::_exit(5);
      SleepFor(std::chrono::milliseconds(300));
      if (!writer->AppendDelete({&two, 1}).ok()) ::_exit(6);
    }
    ::_exit(0);
  }
  char c = 0;
  ssize_t n;
  do {
    n = ::read(fd, &c, 1);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  ASSERT_EQ(n, 1) << "the child did not get the lock";

  const auto start = std::chrono::steady_clock::now();
  Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kDim, kUid);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_GE(waited, std::chrono::milliseconds(200));
  ExpectSameRecords(writer->contents().records, {Delete(1, {1}), Delete(2, {2})});
  const std::uint64_t three = 3;
  ASSERT_TRUE(writer->AppendDelete({&three, 1}).ok());

  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << "child status " << wstatus;
  ExpectSameRecords(ReadOk(path).records, {Delete(1, {1}), Delete(2, {2}), Delete(3, {3})});
}

}  // namespace
}  // namespace zyphyr
