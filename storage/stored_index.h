// StoredIndex: an index directory (a manifest, shard files and their mutation
// logs; see storage/index_manifest.h) opened for search, and the operations
// that change one: build, insert, delete, compact.
//
// Opening maps every shard (storage/shard.h) and replays its mutation log:
// inserted vectors go into a small in-memory HNSW index beside the shard,
// deleted ids are masked out of results (searches still walk through them, so
// the graph stays connected). Compaction folds the logs into new shards.
//
// Mutating operations take an exclusive lock on DIR/.lock, so concurrent
// inserts, deletes and compactions from any processes serialize. Each one is
// durable when it returns (record fsync'd, or manifest renamed into place).
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
#include "storage/file_ops.h"
#include "storage/index_manifest.h"
#include "storage/shard.h"

namespace zyphyr {

struct IndexBuildParams {
  HnswBuildOptions hnsw;  // M, efConstruction, threads, seed, progress.
  std::string source;     // Recorded in the manifest.
  // Codes stored beside the rows and searched instead of them (int8, pq);
  // float32 (the default) stores none. Trained per shard on its rows.
  QuantizerOptions quantization;
};

// Builds an HNSW graph over `store` (whose ids must increase: row numbers of
// the dataset) and writes a new index directory at `dir` holding one shard.
// The directory appears complete or not at all: it is assembled under a
// temporary name beside `dir` and renamed into place. Errors: InvalidArgument
// "<dir>: already exists (remove it or choose another --index)" when `dir`
// exists; the errors of HnswIndex::Build and WriteShard; IOError. The
// manifest records the wall seconds up to publishing as build_seconds.
Status BuildIndexDirectory(const std::string& dir, VectorStore store, const IndexBuildParams& params,
                           const FileOps& ops = SystemFileOps());

// The steps of BuildIndexDirectory, for builds that write several shards,
// possibly from several processes (mpi/distributed_build.h):
//
// Builds the HNSW graph over `store` (ids increasing), and the codes of
// `quantization` unless it says float32, and writes them into `dir` as shard
// `number` of generation 1 (ShardFileName). Returns its manifest entry (no
// centroid). Errors: InvalidArgument "<dir>: ids must increase"; those of
// HnswIndex::Build, Quantizer::Train and WriteShard.
Result<ManifestShard> BuildShardFile(const std::string& dir, std::size_t number, VectorStore store,
                                     const HnswBuildOptions& hnsw, const QuantizerOptions& quantization,
                                     const FileOps& ops = SystemFileOps());
// Writes `manifest` and the lock file into `staging` (a directory holding the
// shards the manifest names), makes them durable and renames `staging` to
// `dir`: the instant the index appears. InvalidArgument "<dir>: already
// exists (...)" when something took `dir` meanwhile; IOError.
Status PublishIndexDirectory(const std::string& staging, const std::string& dir, const IndexManifest& manifest);
// A fresh directory beside `dir` to assemble an index in, holding its owner
// file; an interrupt removes it until it is published (storage/
// interrupt_cleanup.h). First removes the staging directories of `dir` whose
// builds were killed (storage/stale_temporaries.h). The caller removes it on
// failure with RemoveStagingDirectory. IOError "<dir>: cannot create: <reason>".
Result<std::string> CreateStagingDirectory(const std::string& dir);
void RemoveStagingDirectory(const std::string& staging);

// The check BuildIndexDirectory starts with, for callers that want to refuse
// before reading any data: InvalidArgument "<dir>: already exists (...)" when
// anything (a dangling symlink included) is at `dir`.
Status CheckIndexDirectoryIsNew(const std::string& dir);

struct StoredIndexOptions {
  // Check the vector sections' checksums too (reads every row).
  bool verify_vectors = false;
  // Threads for building the in-memory index of inserted vectors.
  std::size_t threads = 1;
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
  // HnswIndex::Search; IOError when a row cannot be read back.
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
  // inserted vectors' index.
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

// Appends `count` vectors (row-major, dim floats each) to the index in `dir`
// through the mutation log of the last shard (range partition) or of the
// shard with the nearest centroid (k-means partition); they get ids next_id,
// next_id + 1, ...
// Every vector is checked (dimension, NaN/Inf, zero norm under cosine) before
// anything is written. Returns the first id given. Durable on return.
Result<std::uint64_t> InsertIntoIndex(const std::string& dir, std::span<const float> rows, std::size_t count,
                                      const FileOps& ops = SystemFileOps());

// Deletes `ids` (duplicates ignored) through the mutation logs of the shards
// holding them. InvalidArgument "id 7 is not in the index" (or "id 7 is
// already deleted") before anything is written if one is not live. Returns how
// many were deleted. Durable on return.
Result<std::size_t> DeleteFromIndex(const std::string& dir, std::span<const std::uint64_t> ids,
                                    const FileOps& ops = SystemFileOps());

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

// Checks a shard file or an index directory completely: every checksum (the
// vectors' too), the structure, the manifest against the shards, and the logs.
// Returns a line per thing checked; the first problem as the error.
Result<std::vector<std::string>> VerifyPath(const std::string& path);

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_STORED_INDEX_H_
