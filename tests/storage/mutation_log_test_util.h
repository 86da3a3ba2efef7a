// What the mutation-log tests share: an encoder written from the format
// comment of storage/mutation_log.h (independent of the one under test),
// sample records, and reading or refusing a log with test failures.
#ifndef ZYPHYR_TESTS_STORAGE_MUTATION_LOG_TEST_UTIL_H_
#define ZYPHYR_TESTS_STORAGE_MUTATION_LOG_TEST_UTIL_H_

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/crc32c.h"
#include "storage/mutation_log.h"
#include "tests/scratch_dir.h"

namespace zyphyr::log_testing {

inline constexpr std::size_t kDim = 4;
inline constexpr std::uint64_t kUid = 0x1234'5678'9abc'def0ULL;

using LogDir = testing::ScratchDir;
using testing::ReadBytes;
using testing::WriteBytes;

inline std::uint64_t FileSize(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<std::uint64_t>(st.st_size);
}

// ---- An encoder written from the format comment, independent of the one under test ----

template <typename T>
inline void Put(std::string* out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out->append(b, sizeof(T));
}

inline std::string LogHeader(std::uint16_t major, std::uint16_t minor, std::uint32_t dim, std::uint64_t uid) {
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

inline std::string RecordBytes(std::uint32_t type, std::uint64_t sequence, const std::string& payload) {
  std::string r;
  Put<std::uint32_t>(&r, 0x4345525Au);
  Put<std::uint32_t>(&r, type);
  Put<std::uint64_t>(&r, payload.size());
  Put<std::uint64_t>(&r, sequence);
  Put<std::uint32_t>(&r, Crc32c(payload.data(), payload.size()));
  Put<std::uint32_t>(&r, Crc32c(r.data(), 28));
  return r + payload;
}

inline std::string InsertPayload(const std::vector<std::uint64_t>& ids, const std::vector<float>& vectors,
                                 std::optional<std::uint64_t> count = std::nullopt) {
  std::string p;
  Put<std::uint64_t>(&p, count.value_or(ids.size()));
  for (std::uint64_t id : ids) Put(&p, id);
  for (float v : vectors) Put(&p, v);
  return p;
}

inline std::string DeletePayload(const std::vector<std::uint64_t>& ids) { return InsertPayload(ids, {}); }

// ---- Records ----

inline LogRecord Insert(std::uint64_t sequence, std::vector<std::uint64_t> ids, std::vector<float> vectors) {
  LogRecord r;
  r.type = LogRecordType::kInsert;
  r.sequence = sequence;
  r.ids = std::move(ids);
  r.vectors = std::move(vectors);
  return r;
}

inline LogRecord Delete(std::uint64_t sequence, std::vector<std::uint64_t> ids) {
  LogRecord r;
  r.type = LogRecordType::kDelete;
  r.sequence = sequence;
  r.ids = std::move(ids);
  return r;
}

// Equal types, sequences and ids, and bit-identical vectors (NaN payloads and -0.0 included).
inline void ExpectSameRecords(const std::vector<LogRecord>& got, const std::vector<LogRecord>& want) {
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

inline Status Append(MutationLogWriter& writer, const LogRecord& r) {
  if (r.type == LogRecordType::kInsert) return writer.AppendInsert(r.ids, r.vectors);
  return writer.AppendDelete(r.ids);
}

inline float FloatFromBits(std::uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

// Four records of every kind, sequences 1..4, for a log of kDim.
inline std::vector<LogRecord> SampleRecords() {
  return {
      Insert(1, {10, 11}, {1.5f, -0.0f, FloatFromBits(0x7fc01234u), 3.25f, 1e-40f, -7.0f, 0.1f, 1e30f}),
      Delete(2, {10}),
      Insert(3, {std::numeric_limits<std::uint64_t>::max()}, {9.0f, 8.0f, 7.0f, 6.0f}),
      Insert(4, {12, 13}, {0.5f, 0.25f, 0.125f, 2.0f, -1.0f, -2.0f, -3.0f, -4.0f}),
  };
}

// Writes `records` with a new writer at `path`; returns the end offset of each record (ends[0] is the header's).
inline std::vector<std::uint64_t> WriteLog(const std::string& path, const std::vector<LogRecord>& records) {
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

inline LogContents ReadOk(const std::string& path, std::size_t dim = kDim) {
  Result<LogContents> c = ReadMutationLog(path, dim, kUid);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : LogContents{};
}

inline void ExpectRefused(const std::string& path, const std::string& message, StatusCode code, std::size_t dim = kDim,
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

inline void ExpectCorruption(const std::string& path, const std::string& message, std::size_t dim = kDim,
                             std::uint64_t uid = kUid) {
  ExpectRefused(path, message, StatusCode::kCorruption, dim, uid);
}

}  // namespace zyphyr::log_testing

#endif  // ZYPHYR_TESTS_STORAGE_MUTATION_LOG_TEST_UTIL_H_
