// IndexManifest: the human-readable table of contents of an index directory
// (DIR/manifest.json). It names every shard file and its mutation log, the
// global id range each shard was built over, and the parameters the index was
// built with. The manifest is always replaced atomically and written last, so
// it never names a shard that is missing or half-written: replacing it is the
// instant an index build or a compaction takes effect.
//
// Example:
//   {
//     "format": "zyphyr-index", "version": 1,
//     "dim": 784, "metric": "l2", "M": 16, "ef_construction": 200, "seed": 42,
//     "rows": 60000, "next_id": 60000, "generation": 1, "partition": "range",
//     "source": "data/fashion-mnist-784-euclidean.hdf5", "build_seconds": 41.3,
//     "shards": [{"file": "shard-0000-g1.zys", "log": "shard-0000-g1.log",
//                 "uid": "9f1c2e0a4b7d3c55", "rows": 60000, "id_begin": 0,
//                 "id_end": 60000, "bytes": 205844480,
//                 "header_crc32c": "0x1a2b3c4d"}]
//   }
// Under "partition": "kmeans" every shard also has "centroid": [dim numbers].
// "encoding" is "float32" (written by builds before codes existed: absent),
// "int8" or "pq" (then also "pq_m", the sub-spaces): what the shards' graph
// searches run on. "element_type" is "uint8" or "int8" when the shards store
// their rows as bytes (version 2 shards, datasets published as bytes), and
// absent for float32 rows.
//
// A manifest is checked as a whole when it is read (ValidateManifest), so
// every reader (search, the distributed index, info, verify, insert, delete,
// compact) refuses the same ones:
//   - shard i's file and log are ShardFileName(i, generation) and
//     ShardLogName(i, generation) (builds write generation 1, each compaction
//     renames every shard), so no two shards share a file or a log; no two
//     shards share a uid;
//   - each id range is well formed (id_begin <= id_end) and holds at least as
//     many ids as the shard has rows (as many right after a build; fewer once
//     a compaction has dropped deleted rows, whose ids stay in the range);
//   - under "range" the id ranges are pairwise disjoint and follow each other
//     in shard order without gaps (shard i + 1 starts where shard i ends; the
//     last one grows as compactions fold inserts in). Under "kmeans" every
//     shard holds rows from all over the data set, so its range [smallest id,
//     largest id + 1) overlaps the others' and only the checks above apply;
//   - next_id is at least every id_end (inserts never reuse an id);
//   - the shards' rows add up to "rows".
// Opening a shard then ties the file to its entry (size, header checksum, uid,
// rows, ids inside the range: StoredIndex::Open).
//
// "build_seconds": the wall seconds of the build that wrote the shards the
// manifest names (`zyphyr build`: from its start to publishing the index;
// `zyphyr compact`: the compaction's own time, since it rebuilds every shard
// from scratch). Absent in manifests written before it existed: unknown.
#ifndef ZYPHYR_STORAGE_INDEX_MANIFEST_H_
#define ZYPHYR_STORAGE_INDEX_MANIFEST_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/core/element_type.h"
#include "src/core/metric.h"
#include "src/core/status.h"
#include "src/quant/encoding.h"

namespace zyphyr {

inline constexpr char kManifestName[] = "manifest.json";
inline constexpr char kLockName[] = ".lock";
inline constexpr int kManifestVersion = 1;

struct ManifestShard {
  std::string file;  // Shard file name, relative to the index directory.
  std::string log;   // Its mutation log's name (the log may not exist yet).
  std::uint64_t uid = 0;
  std::uint64_t rows = 0;
  std::uint64_t id_begin = 0;  // Ids the shard was built over: [id_begin, id_end).
  std::uint64_t id_end = 0;
  std::uint64_t bytes = 0;          // File size.
  std::uint32_t header_crc32c = 0;  // The shard header's checksum, tying the manifest to that exact file.
  // Under k-means partitioning, the centre of the partition (dim floats, as
  // the engine stores vectors: normalised under cosine); queries are routed
  // to the shards with the nearest centroids. Empty under range partitioning.
  std::vector<float> centroid;
};

struct IndexManifest {
  std::size_t dim = 0;
  Metric metric = Metric::kL2;
  std::size_t M = 0;
  std::size_t ef_construction = 0;
  std::uint64_t seed = 0;
  std::uint64_t rows = 0;     // Rows in the shards (before the logs are applied).
  std::uint64_t next_id = 0;  // The id the next inserted vector gets (at least).
  std::uint64_t generation = 1;
  // "range": shard i holds a contiguous range of row numbers. "kmeans": shard
  // i holds the rows nearest to its centroid (ManifestShard::centroid).
  std::string partition = "range";
  Encoding encoding = Encoding::kFloat32;
  std::size_t pq_m = 0;  // pq: sub-spaces of every shard's quantizer; 0 otherwise.
  ElementType element_type = ElementType::kFloat32;  // How every shard stores its rows.
  std::string source;    // The dataset the index was built from, as given.
  // Wall seconds of the build of these shards (see above); nullopt: unknown
  // (older manifests). ann-benchmarks result files report it as build_time.
  std::optional<double> build_seconds;
  std::vector<ManifestShard> shards;
};

// "shard-0003-g2.zys" and "shard-0003-g2.log" for shard 3 of generation 2.
std::string ShardFileName(std::size_t shard, std::uint64_t generation);
std::string ShardLogName(std::size_t shard, std::uint64_t generation);

// The manifest as pretty-printed JSON (two-space indent, trailing newline).
std::string ManifestToJson(const IndexManifest& manifest);

// The whole-manifest rules of the header comment. Corruption naming `where`
// and the problem, the first one found, in this order:
//   "<where>: shard 1 has the same file as shard 0 (shard-0000-g1.zys)"
//     (likewise "same log", "same uid")
//   "<where>: shards[1]: id_end is below id_begin"
//   "<where>: shards[1]: file is 'x.zys', expected 'shard-0001-g1.zys' (shard 1 of generation 1)"
//     (likewise "log is")
//   "<where>: shards[1]: 1600 rows, more than the 1500 ids of its id range [1500, 3000)"
//   "<where>: shards 0 and 1 have overlapping id ranges [0, 1500) and [1000, 3000)"
//   "<where>: id ranges leave [1500, 2000) uncovered between shards 0 and 1"
//   "<where>: id ranges of shards 0 and 1 are out of order: [1500, 3000) then [0, 1500) (range partition: each
//    shard starts where the one before ends)"
//   "<where>: field 'next_id' is 2999, below the end of shard 1's id range [1500, 3000) (inserts would reuse ids)"
//   "<where>: shards hold 2500 rows, field 'rows' says 3000"
Status ValidateManifest(const IndexManifest& manifest, const std::string& where);

// Parses manifest JSON, then checks it with ValidateManifest. `where` names
// it in errors: Corruption "<where>: not valid JSON: ...", "<where>: field
// 'dim' is missing", "<where>: field 'dim' must be a positive integer",
// "<where>: not a Zyphyr index manifest", "<where>: field 'build_seconds'
// must be a non-negative number of seconds", Unsupported "<where>:
// unsupported manifest version 2", and those of ValidateManifest.
Result<IndexManifest> ManifestFromJson(const std::string& json, const std::string& where);

// Reads DIR/manifest.json. NotFound "<dir>: not an index directory (no
// manifest.json)" when it is missing (NotFound "<dir>: no such directory"
// when DIR itself is); otherwise the errors of ManifestFromJson.
Result<IndexManifest> ReadManifest(const std::string& dir);

// Replaces DIR/manifest.json atomically (storage/atomic_file.h), after
// ValidateManifest (its Corruption, naming DIR/manifest.json: a manifest no
// reader would accept is never written).
Status WriteManifest(const std::string& dir, const IndexManifest& manifest);

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_INDEX_MANIFEST_H_
