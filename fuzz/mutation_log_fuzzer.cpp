// libFuzzer target for the mutation log reader and writer (storage/mutation_log.h).
//
// Each input (see fuzz/fuzz_input.h: a mode byte, then a log image) is written
// to a per-process scratch file and read with ReadMutationLog as the log of a
// shard of dimension kLogDim and uid kLogUid. Whatever the bytes, reading must
// not crash or read out of bounds, and a refusal must name the file. A log
// that reads must be consistent (sequence numbers 1, 2, ...; the valid and
// torn bytes adding up to the file; inserts carrying dim floats per id), and
// a writer must open it with the same records, drop the torn tail, and append
// a record that the next read returns after them.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "storage/mutation_log.h"

namespace zyphyr::fuzz {
namespace {

bool SameRecord(const LogRecord& a, const LogRecord& b) {
  return a.type == b.type && a.sequence == b.sequence && a.ids == b.ids && a.vectors.size() == b.vectors.size() &&
         (a.vectors.empty() || std::memcmp(a.vectors.data(), b.vectors.data(), a.vectors.size() * sizeof(float)) == 0);
}

void CheckContents(const LogContents& c, std::uint64_t file_size) {
  if (c.valid_bytes + c.torn_bytes != file_size) {
    Fail("valid bytes " + std::to_string(c.valid_bytes) + " + torn bytes " + std::to_string(c.torn_bytes) +
         " != file size " + std::to_string(file_size));
  }
  for (std::size_t i = 0; i < c.records.size(); ++i) {
    const LogRecord& r = c.records[i];
    if (r.sequence != i + 1) Fail("record " + std::to_string(i) + " has sequence " + std::to_string(r.sequence));
    if (r.ids.empty()) Fail("record " + std::to_string(i) + " has no ids");
    const std::size_t floats = r.type == LogRecordType::kInsert ? r.ids.size() * kLogDim : 0;
    if (r.type != LogRecordType::kInsert && r.type != LogRecordType::kDelete) Fail("record of unknown type");
    if (r.vectors.size() != floats) Fail("record " + std::to_string(i) + " has the wrong number of floats");
  }
}

// Reads the log at file.path, then writes to it (see the top of the file).
void CheckLogFile(const FuzzFile& file) {
  const std::string& path = *file.path;

  Result<LogContents> read = ReadMutationLog(path, kLogDim, kLogUid);
  if (!read.ok()) {
    CheckErrorNamesPath(read.status(), path);
    // The writer refuses what the reader refuses.
    if (MutationLogWriter::Open(path, kLogDim, kLogUid).ok()) Fail("writer opened a log the reader refused");
    return;
  }
  CheckContents(*read, file.image_bytes);

  // A writer sees the same records, cuts the torn tail and appends after them.
  LogRecord appended;
  {
    Result<MutationLogWriter> writer = MutationLogWriter::Open(path, kLogDim, kLogUid);
    if (!writer.ok()) Fail("reader accepted the log, the writer refused it: " + writer.status().ToString());
    const std::vector<LogRecord>& seen = writer->contents().records;
    if (seen.size() != read->records.size()) Fail("the writer sees another number of records");
    for (std::size_t i = 0; i < seen.size(); ++i) {
      if (!SameRecord(seen[i], read->records[i])) Fail("the writer sees record " + std::to_string(i) + " differently");
    }
    appended.type = LogRecordType::kInsert;
    appended.sequence = seen.size() + 1;
    appended.ids = {seen.size() + 1000};
    appended.vectors = {1.0f, -2.0f, 0.5f, 3.0f};
    Status st = writer->AppendInsert(appended.ids, appended.vectors);
    if (!st.ok()) Fail("append failed: " + st.ToString());
  }
  Result<LogContents> again = ReadMutationLog(path, kLogDim, kLogUid);
  if (!again.ok()) Fail("the log does not read after an append: " + again.status().ToString());
  if (again->torn_bytes != 0) Fail("torn bytes remain after an append");
  if (again->records.size() != read->records.size() + 1) Fail("the appended record is not read back");
  for (std::size_t i = 0; i < read->records.size(); ++i) {
    if (!SameRecord(again->records[i], read->records[i])) Fail("record " + std::to_string(i) + " changed on append");
  }
  if (!SameRecord(again->records.back(), appended)) Fail("the appended record reads back differently");
}

}  // namespace
}  // namespace zyphyr::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return zyphyr::fuzz::RunFuzzInput(data, size, zyphyr::fuzz::RepairLog, "zyphyr-log-fuzz", ".log",
                                    zyphyr::fuzz::CheckLogFile);
}
