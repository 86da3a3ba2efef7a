#include "storage/index_mutations.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "src/core/aligned_buffer.h"
#include "src/core/vector_store.h"
#include "storage/index_directory.h"
#include "storage/mutation_log.h"
#include "storage/stored_index.h"

namespace zyphyr {
namespace {

// Reads the manifest and every log (no shard opened): the id the next insert gets.
Result<std::uint64_t> NextId(const std::string& dir, const IndexManifest& m) {
  std::uint64_t next = m.next_id;
  for (const ManifestShard& entry : m.shards) {
    Result<LogContents> log = ReadMutationLog(JoinPath(dir, entry.log), m.dim, entry.uid);
    if (!log.ok()) return log.status();
    for (const LogRecord& r : log->records) {
      if (r.type != LogRecordType::kInsert) continue;
      for (std::uint64_t id : r.ids) next = std::max(next, id + 1);
    }
  }
  return next;
}

// The checks every vector passes before anything is written.
Status CheckInserts(const std::string& dir, const IndexManifest& m, std::span<const float> rows, std::size_t count) {
  if (count == 0) return Status::InvalidArgument("nothing to insert");
  if (rows.size() != count * m.dim) {
    return Status::InvalidArgument("vectors have dimension " + std::to_string(rows.size() / count) + ", the index " +
                                   dir + " has " + std::to_string(m.dim));
  }
  AlignedBuffer<float> scratch(PaddedDim(m.dim));
  for (std::size_t i = 0; i < count; ++i) {
    ZYPHYR_RETURN_IF_ERROR(
        PrepareVector(rows.subspan(i * m.dim, m.dim), m.dim, m.metric, "vector " + std::to_string(i), scratch.data()));
    // Compaction stores them in the shards' type.
    ZYPHYR_RETURN_IF_ERROR(CheckFitsElementType(rows.subspan(i * m.dim, m.dim), m.element_type,
                                                "vector " + std::to_string(i), StoresText(m.element_type)));
  }
  return Status::Ok();
}

}  // namespace

Result<std::uint64_t> AppendToIndex(const std::string& dir, std::span<const float> rows, std::size_t count,
                                    const InsertRouter& route, const FileOps& ops) {
  Result<IndexManifest> m = ReadManifest(dir);
  if (!m.ok()) return m.status();
  ZYPHYR_RETURN_IF_ERROR(CheckInserts(dir, *m, rows, count));
  Result<DirectoryLock> lock = DirectoryLock::Acquire(dir);
  if (!lock.ok()) return lock.status();
  // Re-read under the lock: a compaction may have replaced the manifest.
  m = ReadManifest(dir);
  if (!m.ok()) return m.status();
  Result<std::uint64_t> first = NextId(dir, *m);
  if (!first.ok()) return first.status();
  Result<std::vector<std::size_t>> target = route(*m, rows, count);
  if (!target.ok()) return target.status();
  for (std::size_t shard = 0; shard < m->shards.size(); ++shard) {
    std::vector<std::uint64_t> shard_ids;
    std::vector<float> shard_rows;
    for (std::size_t i = 0; i < count; ++i) {
      if ((*target)[i] != shard) continue;
      shard_ids.push_back(*first + i);
      shard_rows.insert(shard_rows.end(), rows.begin() + i * m->dim, rows.begin() + (i + 1) * m->dim);
    }
    if (shard_ids.empty()) continue;
    const ManifestShard& entry = m->shards[shard];
    Result<MutationLogWriter> writer = MutationLogWriter::Open(JoinPath(dir, entry.log), m->dim, entry.uid, ops);
    if (!writer.ok()) return writer.status();
    ZYPHYR_RETURN_IF_ERROR(writer->AppendInsert(shard_ids, shard_rows));
  }
  return *first;
}

Result<std::size_t> DeleteFromIndex(const std::string& dir, std::span<const std::uint64_t> ids, const FileOps& ops) {
  Result<DirectoryLock> lock = DirectoryLock::Acquire(dir);
  if (!lock.ok()) return lock.status();
  Result<std::unique_ptr<StoredIndex>> index = StoredIndex::Open(dir);
  if (!index.ok()) return index.status();
  std::vector<std::uint64_t> unique(ids.begin(), ids.end());
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  if (unique.empty()) return Status::InvalidArgument("no ids to delete");
  const IndexManifest& m = (*index)->manifest();
  std::vector<std::vector<std::uint64_t>> per_shard(m.shards.size());
  for (std::uint64_t id : unique) {
    std::optional<std::size_t> shard = (*index)->ShardHolding(id);
    if (shard) {
      per_shard[*shard].push_back(id);
    } else if ((*index)->WasDeleted(id)) {
      return Status::InvalidArgument("id " + std::to_string(id) + " is already deleted");
    } else {
      return Status::InvalidArgument("id " + std::to_string(id) + " is not in the index");
    }
  }
  for (std::size_t i = 0; i < per_shard.size(); ++i) {
    if (per_shard[i].empty()) continue;
    const ManifestShard& entry = m.shards[i];
    Result<MutationLogWriter> writer = MutationLogWriter::Open(JoinPath(dir, entry.log), m.dim, entry.uid, ops);
    if (!writer.ok()) return writer.status();
    ZYPHYR_RETURN_IF_ERROR(writer->AppendDelete(per_shard[i]));
  }
  return unique.size();
}

}  // namespace zyphyr
