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

namespace zyphyr {
namespace {

constexpr std::size_t kDim = 4;
constexpr std::uint64_t kUid = 0x1234'5678'9abc'def0ULL;

using LogDir = testing::ScratchDir;
using testing::ReadBytes;
using testing::WriteBytes;

std::uint64_t FileSize(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<std::uint64_t>(st.st_size);
}

// ---- An encoder written from the format comment, independent of the one under test ----

template <typename T>
void Put(std::string* out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out->append(b, sizeof(T));
}

std::string LogHeader(std::uint16_t major, std::uint16_t minor, std::uint32_t dim, std::uint64_t uid) {
  std::string h = "ZYPHRLOG";
  Put<std::uint16_t>(&h, major);
  Put<std::uint16_t>(&h, minor);
  Put<std::uint32_t>(&h, 0x01020304u);
  Put<std::uint32_t>(&h, dim);
  Put<std::uint32_t>(&h, 0);
  Put<std::uint64_t>(&h, uid);
  h.append(28, '\0');
  Put<std::uint32_t>(&h, Crc32c(h.data(), 60));
  return h;
}

std::string RecordBytes(std::uint32_t type, std::uint64_t sequence, const std::string& payload) {
  std::string r;
  Put<std::uint32_t>(&r, 0x4345525Au);
  Put<std::uint32_t>(&r, type);
  Put<std::uint64_t>(&r, payload.size());
  Put<std::uint64_t>(&r, sequence);
  Put<std::uint32_t>(&r, Crc32c(payload.data(), payload.size()));
  Put<std::uint32_t>(&r, Crc32c(r.data(), 28));
  return r + payload;
}

std::string InsertPayload(const std::vector<std::uint64_t>& ids, const std::vector<float>& vectors,
                          std::optional<std::uint64_t> count = std::nullopt) {
  std::string p;
  Put<std::uint64_t>(&p, count.value_or(ids.size()));
  for (std::uint64_t id : ids) Put(&p, id);
  for (float v : vectors) Put(&p, v);
  return p;
}

std::string DeletePayload(const std::vector<std::uint64_t>& ids) { return InsertPayload(ids, {}); }

// ---- Records ----

LogRecord Insert(std::uint64_t sequence, std::vector<std::uint64_t> ids, std::vector<float> vectors) {
  LogRecord r;
  r.type = LogRecordType::kInsert;
  r.sequence = sequence;
  r.ids = std::move(ids);
  r.vectors = std::move(vectors);
  return r;
}

LogRecord Delete(std::uint64_t sequence, std::vector<std::uint64_t> ids) {
  LogRecord r;
  r.type = LogRecordType::kDelete;
  r.sequence = sequence;
  r.ids = std::move(ids);
  return r;
}

// Equal types, sequences and ids, and bit-identical vectors (NaN payloads and -0.0 included).
void ExpectSameRecords(const std::vector<LogRecord>& got, const std::vector<LogRecord>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(i));
    EXPECT_EQ(got[i].type, want[i].type);
    EXPECT_EQ(got[i].sequence, want[i].sequence);
    EXPECT_EQ(got[i].ids, want[i].ids);
    ASSERT_EQ(got[i].vectors.size(), want[i].vectors.size());
    if (!got[i].vectors.empty()) {
      EXPECT_EQ(std::memcmp(got[i].vectors.data(), want[i].vectors.data(), got[i].vectors.size() * sizeof(float)), 0);
    }
  }
}

Status Append(MutationLogWriter& writer, const LogRecord& r) {
  if (r.type == LogRecordType::kInsert) return writer.AppendInsert(r.ids, r.vectors);
  return writer.AppendDelete(r.ids);
}

float FloatFromBits(std::uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

// Four records of every kind, sequences 1..4, for a log of kDim.
std::vector<LogRecord> SampleRecords() {
  return {
      Insert(1, {10, 11}, {1.5f, -0.0f, FloatFromBits(0x7fc01234u), 3.25f, 1e-40f, -7.0f, 0.1f, 1e30f}),
      Delete(2, {10}),
      Insert(3, {std::numeric_limits<std::uint64_t>::max()}, {9.0f, 8.0f, 7.0f, 6.0f}),
      Insert(4, {12, 13}, {0.5f, 0.25f, 0.125f, 2.0f, -1.0f, -2.0f, -3.0f, -4.0f}),
  };
}

// Writes `records` with a new writer at `path`; returns the end offset of each record (ends[0] is the header's).
std::vector<std::uint64_t> WriteLog(const std::string& path, const std::vector<LogRecord>& records) {
  std::vector<std::uint64_t> ends;
  Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kDim, kUid);
  EXPECT_TRUE(writer.ok()) << writer.status().ToString();
  if (!writer.ok()) return ends;
  ends.push_back(writer->contents().valid_bytes);
  for (const LogRecord& r : records) {
    const Status st = Append(*writer, r);
    EXPECT_TRUE(st.ok()) << st.ToString();
    ends.push_back(writer->contents().valid_bytes);
  }
  return ends;
}

LogContents ReadOk(const std::string& path, std::size_t dim = kDim) {
  Result<LogContents> c = ReadMutationLog(path, dim, kUid);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : LogContents{};
}

void ExpectRefused(const std::string& path, const std::string& message, StatusCode code, std::size_t dim = kDim,
                   std::uint64_t uid = kUid) {
  const std::string before = ReadBytes(path);
  Result<LogContents> c = ReadMutationLog(path, dim, uid);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), code);
  EXPECT_EQ(c.status().message(), message);
  Result<MutationLogWriter> w = MutationLogWriter::Open(path, dim, uid);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), code);
  EXPECT_EQ(w.status().message(), message);
  EXPECT_EQ(ReadBytes(path), before) << "a failed Open changed the file";
}

void ExpectCorruption(const std::string& path, const std::string& message, std::size_t dim = kDim,
                      std::uint64_t uid = kUid) {
  ExpectRefused(path, message, StatusCode::kCorruption, dim, uid);
}

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

// ---- Faults ----

// Real write(2) and fsync(2), until told to fail.
class FaultyOps : public FileOps {
 public:
  // Writes `budget` more bytes (cutting a write short where needed), then fails with `err`.
  void FailWritesAfter(std::size_t budget, int err = ENOSPC) {
    write_budget_ = budget;
    write_errno_ = err;
  }
  void FailSyncs(int err) { sync_errno_ = err; }
  void Heal() {
    write_budget_.reset();
    sync_errno_ = 0;
  }

  ssize_t Write(int fd, const void* data, std::size_t size) const override {
    if (write_budget_.has_value()) {
      if (*write_budget_ == 0) {
        errno = write_errno_;
        return -1;
      }
      size = std::min(size, *write_budget_);
    }
    const ssize_t n = ::write(fd, data, size);
    if (n > 0 && write_budget_.has_value()) *write_budget_ -= static_cast<std::size_t>(n);
    return n;
  }
  int Sync(int fd) const override {
    if (sync_errno_ != 0) {
      errno = sync_errno_;
      return -1;
    }
    return ::fsync(fd);
  }

 private:
  mutable std::optional<std::size_t> write_budget_;
  int write_errno_ = 0;
  int sync_errno_ = 0;
};

TEST(MutationLogTest, FailedWriteLeavesTheLogIntact) {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  const std::vector<LogRecord> records = SampleRecords();
  FaultyOps ops;
  Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kDim, kUid, ops);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  for (std::size_t i = 0; i < 2; ++i) ASSERT_TRUE(Append(*writer, records[i]).ok());
  const std::string before = ReadBytes(path);
  const std::size_t record3_size = 32 + 8 + 8 + 4 * kDim;
  for (std::size_t budget :
       {std::size_t{0}, std::size_t{1}, std::size_t{31}, std::size_t{32}, std::size_t{33}, record3_size - 1}) {
    SCOPED_TRACE("budget " + std::to_string(budget));
    ops.FailWritesAfter(budget);
    const Status st = Append(*writer, records[2]);
    EXPECT_EQ(st.code(), StatusCode::kIOError);
    EXPECT_EQ(st.message(), path + ": cannot write: No space left on device");
    ExpectSameRecords(writer->contents().records, {records[0], records[1]});
    EXPECT_EQ(ReadBytes(path), before);  // The partial record was truncated away.
    ExpectSameRecords(ReadOk(path).records, {records[0], records[1]});
  }
  ops.Heal();
  ASSERT_TRUE(Append(*writer, records[2]).ok());  // Same writer: written right after record 2, no hole.
  ExpectSameRecords(ReadOk(path).records, {records[0], records[1], records[2]});
  writer = Status::Internal("closed");  // Destroys the writer, releasing the lock.

  Result<MutationLogWriter> system = MutationLogWriter::Open(path, kDim, kUid);
  ASSERT_TRUE(system.ok()) << system.status().ToString();
  ASSERT_TRUE(Append(*system, records[3]).ok());
  ExpectSameRecords(ReadOk(path).records, records);
}

TEST(MutationLogTest, FailedSyncLeavesTheLogIntact) {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  const std::vector<LogRecord> records = SampleRecords();
  FaultyOps ops;
  Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kDim, kUid, ops);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE(Append(*writer, records[0]).ok());
  const std::string before = ReadBytes(path);
  ops.FailSyncs(EIO);
  Status st = Append(*writer, records[1]);
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_EQ(st.message(), path + ": cannot fsync: Input/output error");
  ExpectSameRecords(writer->contents().records, {records[0]});
  EXPECT_EQ(ReadBytes(path), before);
  ops.Heal();
  ASSERT_TRUE(Append(*writer, records[1]).ok());
  writer = Status::Internal("closed");

  Result<MutationLogWriter> system = MutationLogWriter::Open(path, kDim, kUid);
  ASSERT_TRUE(system.ok()) << system.status().ToString();
  ASSERT_TRUE(Append(*system, records[2]).ok());
  ExpectSameRecords(ReadOk(path).records, {records[0], records[1], records[2]});
}

TEST(MutationLogTest, FailedCreationIsRepairedByTheNextOpen) {
  LogDir dir;
  const std::string path = dir.File("shard.log");
  FaultyOps ops;
  ops.FailWritesAfter(10);
  Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kDim, kUid, ops);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kIOError);
  EXPECT_EQ(writer.status().message(), path + ": cannot write: No space left on device");
  const LogContents c = ReadOk(path);  // Ten bytes of a header: a torn creation.
  EXPECT_TRUE(c.records.empty());
  EXPECT_EQ(c.torn_bytes, 10u);

  ops.Heal();
  ops.FailSyncs(EIO);
  writer = MutationLogWriter::Open(path, kDim, kUid, ops);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().message(), path + ": cannot fsync: Input/output error");

  writer = MutationLogWriter::Open(path, kDim, kUid);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_EQ(ReadBytes(path), LogHeader(1, 0, kDim, kUid));
}

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
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      CrashChild(path, fds[1]);
    }
    ::close(fds[1]);
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
      const ssize_t n = ::read(fds[0], reinterpret_cast<char*>(&seq) + got, sizeof(seq) - got);
      if (n < 0 && errno == EINTR) continue;
      ASSERT_GE(n, 0);
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
      if (got == sizeof(seq)) {
        acked.push_back(seq);
        got = 0;
      }
    }
    ::close(fds[0]);
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
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    {
      Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kDim, kUid);
      if (!writer.ok()) ::_exit(3);
      const std::uint64_t one = 1;
      const std::uint64_t two = 2;
      if (!writer->AppendDelete({&one, 1}).ok()) ::_exit(4);
      const char locked = 'L';
      if (!WriteFull(fds[1], &locked, 1)) ::_exit(5);
      SleepFor(std::chrono::milliseconds(300));
      if (!writer->AppendDelete({&two, 1}).ok()) ::_exit(6);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  char c = 0;
  ssize_t n;
  do {
    n = ::read(fds[0], &c, 1);
  } while (n < 0 && errno == EINTR);
  ::close(fds[0]);
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
