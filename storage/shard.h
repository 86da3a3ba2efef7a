// Shard: one shard file (storage/shard_format.h, storage/FORMAT.md) mapped
// read-only and searched in place. Opening checks the header, the section
// table and the graph (checksums and structure) and never copies rows or
// links to the heap; the vector section's checksum is checked only by
// Verify() or when asked at open, so opening costs the same whatever the
// rows' size and only the pages a search touches become resident.
//
// WriteShard writes one atomically: a temporary file in the target's
// directory, fsync, rename over the target, fsync of the directory. A crash
// at any instant leaves the old shard or the new one.
//
// Every error names the file; corruption also names the section and the file
// offset at fault, e.g. "x.zys: level-0 links section at offset 12416: node 3
// links to node 900, past the 200 rows".
//
// Thread safety: a Shard is immutable once open; any number of threads may
// search it at once.
#ifndef ZYPHYR_STORAGE_SHARD_H_
#define ZYPHYR_STORAGE_SHARD_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/element_type.h"
#include "src/core/metric.h"
#include "src/core/rows_view.h"
#include "src/core/status.h"
#include "src/index/hnsw_graph_view.h"
#include "src/index/hnsw_searcher.h"
#include "src/index/quantized_searcher.h"
#include "src/quant/encoding.h"
#include "src/quant/quantizer.h"
#include "storage/file_ops.h"
#include "storage/mapped_file.h"
#include "storage/shard_header.h"

namespace zyphyr {

struct CheckedCodes;

// Build parameters recorded in a shard beside its contents.
struct ShardParams {
  std::uint32_t ef_construction = 0;
  std::uint64_t seed = 0;
  std::uint64_t uid = 0;  // Names the shard to its mutation log; random per shard.
  // The codes to store beside the rows (encoding int8 or pq; the quantizer
  // made `codes` from these rows), or both null for a float32 shard.
  const Quantizer* quantizer = nullptr;
  const EncodedRows* codes = nullptr;
  // How the rows are stored: float32 (a 1.x shard) or, for datasets
  // published as bytes, uint8 or int8 (a 2.0 shard, a quarter of the bytes).
  // Byte types need every value to be an integer in the type's range and a
  // metric other than cosine.
  ElementType element_type = ElementType::kFloat32;
};

// What WriteShard wrote.
struct WrittenShard {
  std::uint64_t bytes = 0;
  std::uint32_t header_crc32c = 0;
};

// Writes `rows` (row i labelled ids[i]; ids strictly increasing) and the graph
// over them to `path`, atomically, the rows as params.element_type. Errors:
// InvalidArgument when sizes disagree or ids do not increase, or the codes
// do not fit the rows, or a row does not fit the element type ("<path>: row
// 3 (id 17) column 5 holds 0.5, not a uint8 (0..255)"); IOError
// naming the path (the previous file at `path`, if any, is untouched).
Result<WrittenShard> WriteShard(const std::string& path, RowsView rows, std::span<const std::uint64_t> ids,
                                HnswGraphView graph, const ShardParams& params, const FileOps& ops = SystemFileOps());

// Where a shard with codes re-ranks its candidates' rows from:
//   kMemory  the mapping (a row copied from memory; the rows a search
//            re-ranks become resident, like the codes);
//   kFile    pread from the file (the rows stay out of the process: for
//            indexes searched beyond RAM, at a system call per row);
//   kAuto    memory when the vectors section is at most a quarter of the
//            machine's physical memory, else file.
enum class RerankRows { kAuto, kMemory, kFile };

// Parses "auto", "memory" or "file" (InvalidArgument "--rerank-rows: 'x' is
// not known (expected auto, memory or file)").
Result<RerankRows> ParseRerankRows(std::string_view name);

struct ShardOpenOptions {
  // Also check the vector section's checksum (reads every row once).
  bool verify_vectors = false;
  RerankRows rerank_rows = RerankRows::kAuto;
};

class Shard {
 public:
  // Maps and checks the shard at `path`. Errors: NotFound "<path>: no such
  // file"; Unsupported for another major version or byte order; Corruption
  // for anything else wrong (see the class comment); IOError when unreadable.
  static Result<std::unique_ptr<Shard>> Open(const std::string& path, const ShardOpenOptions& options = {});

  const std::string& path() const { return file_.path(); }
  // The decoded header and section table.
  const ShardHeader& info() const { return info_; }
  std::size_t size() const { return info_.rows; }
  std::size_t dim() const { return info_.dim; }
  Metric metric() const { return info_.metric; }

  // How the rows are stored (float32 in 1.x shards, uint8 or int8 in 2.x).
  ElementType element_type() const { return info_.element_type; }
  // Float32 shards: the rows (empty, data null, for byte shards).
  RowsView rows() const { return rows_; }
  // Byte shards: the rows (empty, data null, for float32 shards).
  ByteRowsView byte_rows() const { return byte_rows_; }
  // Row `node` (< size()) as floats, `dim()` values (byte rows converted
  // exactly), appended to `out`.
  void AppendRow(std::uint32_t node, std::vector<float>* out) const;
  HnswGraphView graph() const { return graph_; }
  std::span<const std::uint64_t> ids() const { return ids_; }

  // What the graph search sees (float32: the rows; int8, pq: codes). A shard
  // builds the one searcher its encoding searches with:
  Encoding encoding() const { return info_.encoding; }
  // float32: the searcher over the mapped rows and links; null with codes.
  const HnswSearcher* searcher() const { return searcher_.get(); }
  // int8, pq: the searcher over codes and compact links with re-ranking
  // from the rows, read from the mapping or with pread (rerank_from_memory());
  // null for a float32 shard.
  const QuantizedSearcher* quantized_searcher() const { return quantized_searcher_.get(); }
  // The quantizer and codes; null and empty for a float32 shard.
  const Quantizer* quantizer() const { return quantizer_ ? &*quantizer_ : nullptr; }
  CodesView codes() const { return codes_; }
  // With codes: whether re-ranking reads the rows from the mapping (else
  // with pread). ShardOpenOptions::rerank_rows decided it.
  bool rerank_from_memory() const { return rerank_from_memory_; }

  // The id of `node` (< size()). Contiguous ids (ids[i] = ids[0] + i, as
  // builds over row numbers give) are computed, so searches never touch the
  // ids section.
  std::uint64_t id(std::uint32_t node) const { return contiguous_ids_ ? first_id_ + node : ids_[node]; }

  // The node labelled `id`, if any (binary search over the increasing ids).
  std::optional<std::uint32_t> NodeOf(std::uint64_t id) const;

  // Checks every section's checksum, the vectors' included. Corruption naming
  // the section and its offset on a mismatch.
  Status Verify() const;

  // Bytes of the mapping now resident in memory (mincore), for benchmarks.
  std::size_t ResidentBytes() const;
  // Bytes of the sections searches read through the mapping, which stay
  // resident once warm: with codes the quantizer, codes, biases and compact
  // links, and the rows when re-ranking reads them from memory (the uint32
  // links not at all); without, rows and links (and ids unless they are
  // contiguous).
  std::size_t SearchBytes() const;

 private:
  Shard() = default;
  // The views over the checked sections and the searcher of the encoding:
  // over the rows when `codes` is null, else over the codes.
  void MakeSearcher(const DistanceKernels& kernels, CheckedCodes* codes, RerankRows rerank_rows);
  // Lets the pages searches never read leave the process's resident memory.
  void DropUnsearched() const;

  MappedFile file_;
  ShardHeader info_;
  RowsView rows_;
  ByteRowsView byte_rows_;
  HnswGraphView graph_;
  std::span<const std::uint64_t> ids_;
  bool contiguous_ids_ = false;
  std::uint64_t first_id_ = 0;
  std::unique_ptr<HnswSearcher> searcher_;
  std::optional<Quantizer> quantizer_;
  CodesView codes_;
  std::unique_ptr<RowSource> row_source_;
  bool rerank_from_memory_ = false;
  std::unique_ptr<QuantizedSearcher> quantized_searcher_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_SHARD_H_
