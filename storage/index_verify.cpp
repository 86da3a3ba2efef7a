#include "storage/index_verify.h"

#include <filesystem>
#include <memory>

#include "storage/index_directory.h"
#include "storage/mutation_log.h"
#include "storage/shard.h"
#include "storage/stored_index.h"

namespace zyphyr {

Result<std::vector<std::string>> VerifyPath(const std::string& path) {
  std::vector<std::string> lines;
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    Result<std::unique_ptr<Shard>> shard = Shard::Open(path, ShardOpenOptions{true, RerankRows::kAuto});
    if (!shard.ok()) return shard.status();
    lines.push_back(path + ": header, " + std::to_string((*shard)->info().sections.size()) +
                    " section checksums and graph structure ok (" + std::to_string((*shard)->size()) + " rows)");
    return lines;
  }
  StoredIndexOptions options;
  options.verify_vectors = true;  // Only counts the inserted vectors: they are not indexed.
  Result<std::unique_ptr<StoredIndex>> index = StoredIndex::Open(path, options);
  if (!index.ok()) return index.status();
  const IndexManifest& m = (*index)->manifest();
  lines.push_back(JoinPath(path, kManifestName) + ": ok (generation " + std::to_string(m.generation) + ", " +
                  std::to_string(m.shards.size()) + " shard" + (m.shards.size() == 1 ? "" : "s") + ")");
  for (std::size_t i = 0; i < m.shards.size(); ++i) {
    const Shard& shard = (*index)->shard(i);
    lines.push_back(shard.path() + ": header, " + std::to_string(shard.info().sections.size()) +
                    " section checksums and graph structure ok (" + std::to_string(shard.size()) +
                    " rows), matches the manifest");
    const std::string log_path = JoinPath(path, m.shards[i].log);
    Result<LogContents> log = ReadMutationLog(log_path, m.dim, m.shards[i].uid);
    if (!log.ok()) return log.status();
    std::string line = log_path + ": " + std::to_string(log->records.size()) + " records ok";
    if (log->torn_bytes > 0) {
      line += ", a torn tail of " + std::to_string(log->torn_bytes) + " bytes (an unacknowledged write; dropped)";
    }
    lines.push_back(line);
  }
  lines.push_back(path + ": " + std::to_string((*index)->live_rows()) + " live vectors (" +
                  std::to_string((*index)->inserted_rows()) + " inserted, " + std::to_string((*index)->deleted_ids()) +
                  " deleted since the last compaction)");
  return lines;
}

}  // namespace zyphyr
