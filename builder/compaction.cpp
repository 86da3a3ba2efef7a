#include "builder/compaction.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "builder/shard_build.h"
#include "src/core/vector_store.h"
#include "storage/index_directory.h"
#include "storage/index_manifest.h"
#include "storage/stale_temporaries.h"
#include "storage/stored_index.h"

namespace zyphyr {
namespace {

// Shard `i` of `index` rebuilt over its live vectors as shard `i` of
// `generation`, written into the index directory and added to `unpublished`.
// Its id range keeps the old one's start and grows over the inserts.
Result<ManifestShard> RebuildShard(const StoredIndex& index, std::size_t i, std::uint64_t generation,
                                   std::size_t threads, UnpublishedFiles* unpublished, const FileOps& ops) {
  const IndexManifest& old = index.manifest();
  std::vector<std::uint64_t> live_ids;
  std::vector<float> live_rows;
  index.CollectLive(i, &live_ids, &live_rows);
  VectorStore store(old.dim, old.metric);
  store.Reserve(live_ids.size());
  ZYPHYR_RETURN_IF_ERROR(store.AddBatch(live_ids, live_rows));
  Result<ManifestShard> entry = RebuildShardFile(index.dir(), i, generation, std::move(store),
                                                 BuildOptionsOf(old, threads), QuantizationOf(old, threads),
                                                 old.element_type, ops);
  if (!entry.ok()) return entry.status();
  unpublished->Add(JoinPath(index.dir(), entry->file));
  entry->id_begin = old.shards[i].id_begin;
  entry->centroid = old.shards[i].centroid;
  entry->id_end = std::max(old.shards[i].id_end, live_ids.empty() ? 0 : live_ids.back() + 1);
  return entry;
}

}  // namespace

Result<CompactReport> CompactIndex(const std::string& dir, std::size_t threads, const FileOps& ops) {
  Result<DirectoryLock> lock = DirectoryLock::Acquire(dir);
  if (!lock.ok()) return lock.status();
  RemoveStaleTemporaries(dir);  // Staging directories of killed builds of this index.
  // From holding the lock (not waiting for it) to the new manifest.
  const auto start = std::chrono::steady_clock::now();
  // The inserted vectors are only collected, never searched: not indexed.
  Result<std::unique_ptr<StoredIndex>> opened = StoredIndex::Open(dir);
  if (!opened.ok()) return opened.status();
  const StoredIndex& index = **opened;
  IndexManifest next = index.manifest();
  next.generation = index.manifest().generation + 1;
  next.next_id = index.next_id();
  next.rows = 0;
  next.shards.clear();
  CompactReport report;
  report.generation = next.generation;
  report.inserted = index.inserted_rows();
  report.deleted = index.deleted_ids();

  // The new shards are strays until the manifest names them: removed on a
  // failure and by an interrupt.
  UnpublishedFiles unpublished;
  for (std::size_t i = 0; i < index.shard_count(); ++i) {
    Result<ManifestShard> entry = RebuildShard(index, i, next.generation, threads, &unpublished, ops);
    if (!entry.ok()) return entry.status();
    next.rows += entry->rows;
    next.shards.push_back(std::move(*entry));
  }
  report.rows = next.rows;
  // The compaction rebuilt every shard the new manifest names, so its own
  // time is their build time (the original build's describes files it removes).
  next.build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The instant the compaction takes effect. Before it, the new shards are
  // strays the next compaction removes; after it, the old files are.
  if (Status committed = WriteManifest(dir, next); !committed.ok()) {
    // A failure after the rename (the directory's fsync) leaves the new
    // manifest in place: its shards must stay.
    Result<IndexManifest> now = ReadManifest(dir);
    if (now.ok() && now->generation == next.generation) unpublished.Published();
    return committed;
  }
  unpublished.Published();
  RemoveFilesNotNamedBy(dir, next);
  return report;
}

}  // namespace zyphyr
