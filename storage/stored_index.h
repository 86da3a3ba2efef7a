// StoredIndex: an index directory (a manifest, shard files and their mutation
// logs; see storage/index_manifest.h) opened for search. Building one, and
// the operations that change one, are elsewhere: storage/index_directory.h
// (lock, staging, publishing), storage/index_mutations.h (insert, delete
// through the logs), storage/index_verify.h, and builder/ (graphs, quantizers,
// compaction).
//
// Opening maps every shard (storage/shard.h) and replays its mutation log:
// inserted vectors go into a small in-memory HNSW index beside the shard
// (StoredIndexOptions::index_inserted), deleted ids are masked out of results
// (searches still walk through them, so the graph stays connected).
//
// Thread safety: a StoredIndex is immutable once open; Search is thread-safe.
#ifndef ZYPHYR_STORAGE_STORED_INDEX_H_
#define ZYPHYR_STORAGE_STORED_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "src/core/status.h"
#include "src/core/vector_store.h"
#include "src/index/hnsw_index.h"
#include "src/index/hnsw_options.h"
#include "src/index/neighbor.h"
#include "storage/index_manifest.h"
#include "storage/shard.h"

namespace zyphyr {

// The options an index was built with (its manifest's M, efConstruction and
// seed), for graphs built over its vectors later: inserted vectors,
// compaction.
HnswBuildOptions BuildOptionsOf(const IndexManifest& m, std::size_t threads);

// Builds the graph over a shard's inserted vectors so that Search finds them:
// HnswIndex::Build, which builder/open_index.h supplies (storage stores and
// validates; it builds nothing).
using InsertedIndexer = Result<std::unique_ptr<HnswIndex>> (*)(VectorStore store, const HnswBuildOptions& options);

struct StoredIndexOptions {
  // Check the vector sections' checksums too (reads every row).
  bool verify_vectors = false;
  // Shards with codes: where re-ranking reads rows (ShardOpenOptions).
  RerankRows rerank_rows = RerankRows::kAuto;
  // Threads for building the in-memory index of inserted vectors.
  std::size_t threads = 1;
  // Indexes the vectors inserted through the logs (OpenSearchableIndex sets
  // it). Null: they are held and counted (live_rows, Contains, CollectLive)
  // but not indexed, which is all deletes, verification and compaction need;
  // Search and SearchPrepared then refuse an index that has any.
  InsertedIndexer index_inserted = nullptr;
  // Manifest numbers of the shards to open (a rank of a distributed search
  // opens its own); every shard when empty. InvalidArgument "<dir>: has 2
  // shards, shard 5 asked for" for a number past the manifest's.
  std::vector<std::size_t> shards;
};

class StoredIndex {
 public:
  // Errors: those of ReadManifest, Shard::Open and ReadMutationLog; Corruption
  // "<dir>/<file>: does not match the manifest (...)" when a shard's size,
  // header checksum, rows, dimension or metric differ from the manifest's.
  static Result<std::unique_ptr<StoredIndex>> Open(const std::string& dir, const StoredIndexOptions& options = {});

  ~StoredIndex();

  // The k nearest live vectors to `query` over every shard and every inserted
  // vector, nearest first, ties by id; distances as HnswIndex::Search reports
  // them. Shards with codes are searched with them and re-ranked
  // (options.rerank) with their rows, read from the files. Errors as
  // HnswIndex::Search; IOError when a row cannot be read back; Internal
  // "<dir>: opened without indexing its inserted vectors" when inserted
  // vectors exist and StoredIndexOptions::index_inserted was null.
  Result<std::vector<Neighbor>> Search(std::span<const float> query, const HnswSearchOptions& options) const;

  // As Search, over the opened shards whose manifest numbers are in `only`
  // (every opened shard when empty; numbers not opened are skipped), with
  // internal distances (smaller is nearer under every metric; see
  // src/core/metric.h), as the distributed search merges them. `query` must
  // be prepared already (PrepareVector: padded, normalised under cosine).
  // Errors: IOError when a row cannot be read back for re-ranking.
  Status SearchPrepared(const float* query, const HnswSearchOptions& options, std::span<const std::size_t> only,
                        std::vector<Neighbor>* out) const;

  const std::string& dir() const { return dir_; }
  const IndexManifest& manifest() const { return manifest_; }
  std::size_t dim() const { return manifest_.dim; }
  Metric metric() const { return manifest_.metric; }
  Encoding encoding() const { return manifest_.encoding; }
  // Live vectors: rows of the shards plus inserted, minus deleted.
  std::size_t live_rows() const;
  std::size_t inserted_rows() const;  // Inserted through the logs and not deleted.
  std::size_t deleted_ids() const;    // Deleted through the logs.
  // The id the next inserted vector gets (from the opened shards' logs: exact
  // when every shard is open).
  std::uint64_t next_id() const { return next_id_; }
  // Whether `id` is live in this index.
  bool Contains(std::uint64_t id) const;
  // The opened shard (its position i, as for shard(i)) whose rows or log
  // hold `id` live, if any.
  std::optional<std::size_t> ShardHolding(std::uint64_t id) const;
  // Whether `id` was deleted through a log since the last compaction.
  bool WasDeleted(std::uint64_t id) const;

  // The opened shards (all, unless StoredIndexOptions::shards chose some), in
  // manifest order; shard_number(i) is the manifest number of the i-th.
  std::size_t shard_count() const;
  const Shard& shard(std::size_t i) const;
  std::size_t shard_number(std::size_t i) const;
  // Bytes of the shard mappings now resident (mincore), plus the heap of the
  // inserted vectors' index (none when they were not indexed).
  std::size_t ResidentBytes() const;
  // The shards' SearchBytes, plus the heap of the inserted vectors' index.
  std::size_t SearchBytes() const;

  // The live vectors of shard `i` (its rows and its log's inserts), in id
  // order, as the engine stores them (normalised under cosine); `dim` floats
  // each. For compaction.
  void CollectLive(std::size_t i, std::vector<std::uint64_t>* ids, std::vector<float>* rows) const;

 private:
  struct ShardState;
  StoredIndex() = default;

  std::string dir_;
  IndexManifest manifest_;
  std::vector<std::unique_ptr<ShardState>> shards_;
  std::uint64_t next_id_ = 0;
};

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_STORED_INDEX_H_
