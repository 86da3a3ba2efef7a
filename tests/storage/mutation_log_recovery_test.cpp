// Mutation logs read back after damage: torn tails are dropped, bad records
// before good ones are corruption.
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

// ---- Torn tails ----

TEST(MutationLogTest, TornLastRecordAtEveryLength) {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  const std::vector<LogRecord> records = SampleRecords();
  const std::vector<std::uint64_t> ends = WriteLog(path, records);
  ASSERT_EQ(ends.size(), 5u);
  const std::string full = ReadBytes(path);
  const std::vector<LogRecord> first3(records.begin(), records.begin() + 3);
  for (std::uint64_t len = ends[3]; len <= ends[4]; ++len) {
    SCOPED_TRACE("length " + std::to_string(len));
    WriteBytes(path, full.substr(0, len));
    const LogContents c = ReadOk(path);
    if (len == ends[4]) {
      ExpectSameRecords(c.records, records);
      EXPECT_EQ(c.torn_bytes, 0u);
      continue;
    }
    ExpectSameRecords(c.records, first3);
    EXPECT_EQ(c.valid_bytes, ends[3]);
    EXPECT_EQ(c.torn_bytes, len - ends[3]);

    Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kDim, kUid);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    ExpectSameRecords(writer->contents().records, first3);
    EXPECT_EQ(writer->contents().torn_bytes, len - ends[3]);
    EXPECT_EQ(FileSize(path), ends[3]);  // Truncated on open.
    ASSERT_TRUE(Append(*writer, records[3]).ok());
    ExpectSameRecords(ReadOk(path).records, records);
    EXPECT_EQ(ReadBytes(path), full);
  }
}

TEST(MutationLogTest, TornHeaderIsAnEmptyLogAndIsRewritten) {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  const std::string header = LogHeader(1, 0, kDim, kUid);
  const std::vector<LogRecord> records = SampleRecords();
  for (std::size_t len = 1; len < 64; ++len) {
    SCOPED_TRACE("length " + std::to_string(len));
    WriteBytes(path, header.substr(0, len));
    const LogContents c = ReadOk(path);
    EXPECT_TRUE(c.records.empty());
    EXPECT_EQ(c.valid_bytes, 0u);
    EXPECT_EQ(c.torn_bytes, len);
    Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kDim, kUid);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    EXPECT_TRUE(writer->contents().records.empty());
    EXPECT_EQ(ReadBytes(path), header);
    ASSERT_TRUE(Append(*writer, records[0]).ok());
    ExpectSameRecords(ReadOk(path).records, {records[0]});
  }
}

TEST(MutationLogTest, GarbageAfterTheRecordsIsATornTail) {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  const std::vector<LogRecord> records = SampleRecords();
  const std::vector<LogRecord> first2(records.begin(), records.begin() + 2);
  WriteLog(path, first2);
  const std::string good = ReadBytes(path);

  std::mt19937_64 rng(7);
  std::string noise;
  for (int i = 0; i < 200; ++i) noise.push_back(static_cast<char>(rng()));
  std::string record3 = RecordBytes(1, 3, InsertPayload(records[2].ids, records[2].vectors));
  std::string bad_crc3 = record3;
  bad_crc3.back() ^= 0x40;
  const std::vector<std::pair<std::string, std::string>> tails = {
      {"zeros", std::string(100, '\0')},
      {"noise", noise},
      {"record magic then noise", "ZREC" + noise.substr(0, 40)},
      {"record with a bad payload checksum", bad_crc3},
      {"record 1 again (wrong sequence)", RecordBytes(1, 1, InsertPayload(records[0].ids, records[0].vectors))},
      {"record 3 with a bad payload checksum, then zeros", bad_crc3 + std::string(50, '\0')},
  };
  for (const auto& [name, tail] : tails) {
    SCOPED_TRACE(name);
    WriteBytes(path, good + tail);
    const LogContents c = ReadOk(path);
    ExpectSameRecords(c.records, first2);
    EXPECT_EQ(c.valid_bytes, good.size());
    EXPECT_EQ(c.torn_bytes, tail.size());
    Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kDim, kUid);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    EXPECT_EQ(ReadBytes(path), good);
    ASSERT_TRUE(Append(*writer, records[2]).ok());
    EXPECT_EQ(ReadBytes(path), good + record3);
  }
}

// ---- Corruption before good records ----

TEST(MutationLogTest, BadRecordBeforeAGoodOneIsCorruption) {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  const std::vector<std::uint64_t> ends = WriteLog(path, SampleRecords());
  ASSERT_EQ(ends.size(), 5u);
  const std::string good = ReadBytes(path);
  const std::string at2 = path + ": record at offset " + std::to_string(ends[1]) + ": ";

  std::string bytes = good;
  bytes[ends[1] + 32 + 3] ^= 0x10;  // Record 2's payload.
  WriteBytes(path, bytes);
  ExpectCorruption(path, at2 + "bad payload checksum");

  bytes = good;
  bytes[ends[1] + 8] ^= 0x01;  // Record 2's payload length.
  WriteBytes(path, bytes);
  ExpectCorruption(path, at2 + "bad header checksum");

  bytes = good;
  bytes[ends[1]] ^= 0x01;  // Record 2's magic.
  WriteBytes(path, bytes);
  ExpectCorruption(path, at2 + "bad record magic");

  bytes = good;
  bytes[ends[3] + 32 + 9] ^= 0x01;  // The last record's payload: nothing follows, so a torn tail.
  WriteBytes(path, bytes);
  const LogContents c = ReadOk(path);
  EXPECT_EQ(c.records.size(), 3u);
  EXPECT_EQ(c.torn_bytes, ends[4] - ends[3]);
}

TEST(MutationLogTest, ImpossibleRecordsAreCorruption) {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  const std::string header = LogHeader(1, 0, kDim, kUid);
  const std::string r1 = RecordBytes(2, 1, DeletePayload({5}));
  const std::string at2 = path + ": record at offset " + std::to_string(64 + r1.size()) + ": ";
  const std::string r3 = RecordBytes(2, 3, DeletePayload({6}));

  WriteBytes(path, header + r1 + RecordBytes(2, 3, DeletePayload({6})) + r3);
  ExpectCorruption(path, at2 + "sequence 3, expected 2");

  // Records whose checksums match cannot come from a torn write: corruption even when last.
  WriteBytes(path, header + r1 + RecordBytes(9, 2, DeletePayload({6})));
  ExpectCorruption(path, at2 + "unknown record type 9");

  WriteBytes(path, header + r1 + RecordBytes(1, 2, InsertPayload({6, 7}, {1, 2, 3, 4})));
  ExpectCorruption(path, at2 + "payload of insert record has 40 bytes, expected 56 for 2 ids");

  WriteBytes(path, header + r1 + RecordBytes(2, 2, DeletePayload({6, 7}).substr(0, 20)));
  ExpectCorruption(path, at2 + "payload of delete record has 20 bytes, expected 24 for 2 ids");

  WriteBytes(path, header + r1 + RecordBytes(2, 2, "abcd"));
  ExpectCorruption(path, at2 + "payload of delete record has 4 bytes, expected at least 8");

  WriteBytes(path, header + r1 + RecordBytes(1, 2, InsertPayload({6}, {}, std::uint64_t{1} << 62)));
  ExpectCorruption(path,
                   at2 + "payload of insert record has 16 bytes, expected more than 2^64 for 4611686018427387904 ids");

  WriteBytes(path, header + r1 + RecordBytes(2, 2, DeletePayload({})));
  ExpectCorruption(path, at2 + "delete record has no ids");

  // A header claiming more payload than the file holds is a torn tail when nothing valid follows.
  std::string huge = RecordBytes(2, 2, DeletePayload({6}));
  const std::uint64_t claimed = std::uint64_t{1} << 60;
  std::memcpy(huge.data() + 8, &claimed, 8);
  const std::uint32_t header_crc = Crc32c(huge.data(), 28);
  std::memcpy(huge.data() + 28, &header_crc, 4);
  WriteBytes(path, header + r1 + huge);
  LogContents c = ReadOk(path);
  EXPECT_EQ(c.records.size(), 1u);
  EXPECT_EQ(c.torn_bytes, huge.size());

  // A well-formed record with the wrong sequence as the last one is dropped as a torn tail (see the header).
  WriteBytes(path, header + r1 + r3);
  c = ReadOk(path);
  EXPECT_EQ(c.records.size(), 1u);
  EXPECT_EQ(c.torn_bytes, r3.size());
}

}  // namespace
}  // namespace zyphyr
