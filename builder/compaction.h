// `zyphyr compact`: the mutation logs of an index directory folded into new
// shards.
#ifndef ZYPHYR_BUILDER_COMPACTION_H_
#define ZYPHYR_BUILDER_COMPACTION_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "src/core/status.h"
#include "storage/file_ops.h"

namespace zyphyr {

struct CompactReport {
  std::uint64_t rows = 0;      // Live rows in the new shards.
  std::uint64_t inserted = 0;  // Folded in from the logs.
  std::uint64_t deleted = 0;   // Dropped.
  std::uint64_t generation = 0;
};

// Folds every mutation log into new shards (the graph rebuilt over the live
// vectors with the manifest's M, efConstruction and seed), then replaces the
// manifest, then removes the old shards and logs. A crash at any instant
// leaves the old index or the new one. `threads` build the graph. The new
// manifest's build_seconds is the compaction's own time (it rebuilt every
// shard), from acquiring the lock to replacing the manifest.
Result<CompactReport> CompactIndex(const std::string& dir, std::size_t threads, const FileOps& ops = SystemFileOps());

}  // namespace zyphyr

#endif  // ZYPHYR_BUILDER_COMPACTION_H_
