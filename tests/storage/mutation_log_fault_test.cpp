// Mutation logs under failing writes and syncs: the log stays intact.
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
#include "tests/scratch_dir.h"
#include "tests/storage/failing_file_ops.h"
#include "tests/storage/mutation_log_test_util.h"

namespace zyphyr {
namespace {

using namespace log_testing;  // NOLINT(build/namespaces): the shared log fixture.

// ---- Faults ----

using testing::FailingFileOps;

// A log "shard.log" in a scratch directory, SampleRecords() to write to it, and the FailingFileOps that the
// test's writers go through.
struct FaultyLog {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  const std::vector<LogRecord> records = SampleRecords();
  FailingFileOps ops;

  // A writer of the log through `ops`.
  Result<MutationLogWriter> Open() { return MutationLogWriter::Open(path, kDim, kUid, ops); }
};

TEST(MutationLogTest, FailedWriteLeavesTheLogIntact) {
  FaultyLog log;
  Result<MutationLogWriter> writer = log.Open();
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  for (std::size_t i = 0; i < 2; ++i) ASSERT_TRUE(Append(*writer, log.records[i]).ok());
  const std::string before = ReadBytes(log.path);
  const std::size_t record3_size = 32 + 8 + 8 + 4 * kDim;
  for (std::size_t budget :
       {std::size_t{0}, std::size_t{1}, std::size_t{31}, std::size_t{32}, std::size_t{33}, record3_size - 1}) {
    SCOPED_TRACE("budget " + std::to_string(budget));
    log.ops.FailWritesAfter(budget);
    const Status st = Append(*writer, log.records[2]);
    EXPECT_EQ(st.code(), StatusCode::kIOError);
    EXPECT_EQ(st.message(), log.path + ": cannot write: No space left on device");
    ExpectSameRecords(writer->contents().records, {log.records[0], log.records[1]});
    EXPECT_EQ(ReadBytes(log.path), before);  // The partial record was truncated away.
    ExpectSameRecords(ReadOk(log.path).records, {log.records[0], log.records[1]});
  }
  log.ops.Heal();
  ASSERT_TRUE(Append(*writer, log.records[2]).ok());  // Same writer: written right after record 2, no hole.
  ExpectSameRecords(ReadOk(log.path).records, {log.records[0], log.records[1], log.records[2]});
  writer = Status::Internal("closed");  // Destroys the writer, releasing the lock.

  Result<MutationLogWriter> system = MutationLogWriter::Open(log.path, kDim, kUid);
  ASSERT_TRUE(system.ok()) << system.status().ToString();
  ASSERT_TRUE(Append(*system, log.records[3]).ok());
  ExpectSameRecords(ReadOk(log.path).records, log.records);
}

TEST(MutationLogTest, FailedSyncLeavesTheLogIntact) {
  FaultyLog log;
  Result<MutationLogWriter> writer = log.Open();
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE(Append(*writer, log.records[0]).ok());
  const std::string before = ReadBytes(log.path);
  log.ops.FailSyncs(EIO);
  Status st = Append(*writer, log.records[1]);
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_EQ(st.message(), log.path + ": cannot fsync: Input/output error");
  ExpectSameRecords(writer->contents().records, {log.records[0]});
  EXPECT_EQ(ReadBytes(log.path), before);
  log.ops.Heal();
  ASSERT_TRUE(Append(*writer, log.records[1]).ok());
  writer = Status::Internal("closed");

  Result<MutationLogWriter> system = MutationLogWriter::Open(log.path, kDim, kUid);
  ASSERT_TRUE(system.ok()) << system.status().ToString();
  ASSERT_TRUE(Append(*system, log.records[2]).ok());
  ExpectSameRecords(ReadOk(log.path).records, {log.records[0], log.records[1], log.records[2]});
}

TEST(MutationLogTest, FailedCreationIsRepairedByTheNextOpen) {
  FaultyLog log;
  log.ops.FailWritesAfter(10);
  Result<MutationLogWriter> writer = log.Open();
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kIOError);
  EXPECT_EQ(writer.status().message(), log.path + ": cannot write: No space left on device");
  const LogContents c = ReadOk(log.path);  // Ten bytes of a header: a torn creation.
  EXPECT_TRUE(c.records.empty());
  EXPECT_EQ(c.torn_bytes, 10u);

  log.ops.Heal();
  log.ops.FailSyncs(EIO);
  writer = log.Open();
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().message(), log.path + ": cannot fsync: Input/output error");

  writer = MutationLogWriter::Open(log.path, kDim, kUid);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_EQ(ReadBytes(log.path), LogHeader(1, 0, kDim, kUid));
}

}  // namespace
}  // namespace zyphyr
