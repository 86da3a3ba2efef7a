// Mutation logs: records round trip, bytes as documented, bad arguments and
// headers refused.
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
#include "tests/storage/mutation_log_test_util.h"

namespace zyphyr {
namespace {

using namespace log_testing;  // NOLINT(build/namespaces): the shared log fixture.

// ---- Round trip ----

TEST(MutationLogTest, RoundTripAndReopen) {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  const std::vector<LogRecord> want = SampleRecords();
  {
    Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kDim, kUid);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    EXPECT_TRUE(writer->contents().records.empty());
    EXPECT_EQ(writer->contents().valid_bytes, 64u);
    EXPECT_EQ(writer->contents().torn_bytes, 0u);
    EXPECT_EQ(FileSize(path), 64u);
    for (std::size_t i = 0; i < 3; ++i) ASSERT_TRUE(Append(*writer, want[i]).ok());
    ExpectSameRecords(writer->contents().records, {want.begin(), want.begin() + 3});
    EXPECT_EQ(writer->contents().valid_bytes, FileSize(path));

    const LogContents read = ReadOk(path);
    ExpectSameRecords(read.records, writer->contents().records);
    EXPECT_EQ(read.valid_bytes, FileSize(path));
    EXPECT_EQ(read.torn_bytes, 0u);
  }
  // Reopening keeps the records and continues the sequence.
  Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kDim, kUid);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ExpectSameRecords(writer->contents().records, {want.begin(), want.begin() + 3});
  ASSERT_TRUE(Append(*writer, want[3]).ok());
  ExpectSameRecords(writer->contents().records, want);
  const LogContents read = ReadOk(path);
  ExpectSameRecords(read.records, want);
  EXPECT_EQ(read.valid_bytes, FileSize(path));
  EXPECT_EQ(read.torn_bytes, 0u);
}

TEST(MutationLogTest, BytesMatchTheDocumentedLayout) {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  const std::vector<LogRecord> records = SampleRecords();
  WriteLog(path, records);
  std::string want = LogHeader(1, 0, kDim, kUid);
  for (const LogRecord& r : records) {
    want += RecordBytes(static_cast<std::uint32_t>(r.type), r.sequence,
                        r.type == LogRecordType::kInsert ? InsertPayload(r.ids, r.vectors) : DeletePayload(r.ids));
  }
  EXPECT_EQ(ReadBytes(path), want);
}

TEST(MutationLogTest, RejectsBadArgumentsWithoutWriting) {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kDim, kUid);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  const std::vector<std::uint64_t> ids = {1, 2};
  const std::vector<float> seven(7, 1.0f);
  Status st = writer->AppendInsert(ids, seven);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), path + ": insert of 2 ids of dimension 4 has 7 floats");
  st = writer->AppendInsert({}, {});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), path + ": insert of no ids");
  st = writer->AppendDelete({});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), path + ": delete of no ids");
  EXPECT_TRUE(writer->contents().records.empty());
  EXPECT_EQ(FileSize(path), 64u);

  Result<MutationLogWriter> zero = MutationLogWriter::Open(dir.File("zero.log"), 0, kUid);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().code(), StatusCode::kInvalidArgument);
}

TEST(MutationLogTest, MovedWriterKeepsTheFileAndLock) {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  const std::vector<LogRecord> want = SampleRecords();
  Result<MutationLogWriter> opened = MutationLogWriter::Open(path, kDim, kUid);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  MutationLogWriter a = std::move(opened).value();
  ASSERT_TRUE(Append(a, want[0]).ok());
  MutationLogWriter b(std::move(a));
  ASSERT_TRUE(Append(b, want[1]).ok());
  {
    Result<MutationLogWriter> other = MutationLogWriter::Open(dir.File("other.log"), kDim, kUid);
    ASSERT_TRUE(other.ok());
    b = std::move(other).value();  // Closes shard.log, releasing its lock.
  }
  Result<MutationLogWriter> again = MutationLogWriter::Open(path, kDim, kUid);  // Would block if still locked.
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_TRUE(Append(*again, want[2]).ok());
  ExpectSameRecords(ReadOk(path).records, {want.begin(), want.begin() + 3});
  EXPECT_TRUE(b.contents().records.empty());
}

// ---- Headers ----

TEST(MutationLogTest, MissingFileReadsAsEmpty) {
  LogDir dir;
  const LogContents c = ReadOk(dir.File("none.log"));
  EXPECT_TRUE(c.records.empty());
  EXPECT_EQ(c.valid_bytes, 0u);
  EXPECT_EQ(c.torn_bytes, 0u);

  WriteBytes(dir.File("empty.log"), "");
  const LogContents e = ReadOk(dir.File("empty.log"));
  EXPECT_TRUE(e.records.empty());
  EXPECT_EQ(e.valid_bytes, 0u);
  EXPECT_EQ(e.torn_bytes, 0u);

  Result<LogContents> d = ReadMutationLog(dir.File(""), kDim, kUid);  // The directory itself.
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kIOError);
  EXPECT_EQ(d.status().message().rfind(dir.File("") + ": cannot read: ", 0), 0u) << d.status().message();
}

TEST(MutationLogTest, HeaderErrorsAreCorruption) {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  const std::vector<LogRecord> records = SampleRecords();
  WriteLog(path, records);
  const std::string good = ReadBytes(path);

  ExpectCorruption(path, path + ": log has dimension 4, shard has 5", 5);
  ExpectCorruption(path, path + ": log belongs to another shard (uid 0x123456789abcdef0, expected 0x0000000000000007)",
                   kDim, 7);

  std::string bytes = good;
  bytes[0] = 'X';
  WriteBytes(path, bytes);
  ExpectCorruption(path, path + ": not a Zyphyr mutation log (bad magic)");

  bytes = good;
  bytes[40] ^= 1;  // A reserved byte, covered by the header CRC.
  WriteBytes(path, bytes);
  ExpectCorruption(path, path + ": log header checksum mismatch");

  WriteBytes(path, LogHeader(2, 0, kDim, kUid) + good.substr(64));
  ExpectRefused(path, path + ": unsupported log version 2.0 (this build reads 1.x)", StatusCode::kUnsupported);

  // A newer minor version is read.
  WriteBytes(path, LogHeader(1, 7, kDim, kUid) + good.substr(64));
  ExpectSameRecords(ReadOk(path).records, records);

  // So is a log with no records.
  WriteBytes(path, LogHeader(1, 0, kDim, kUid));
  const LogContents c = ReadOk(path);
  EXPECT_TRUE(c.records.empty());
  EXPECT_EQ(c.valid_bytes, 64u);
  EXPECT_EQ(c.torn_bytes, 0u);
}

}  // namespace
}  // namespace zyphyr
