// Building one shard file: the HNSW graph over its rows, the quantizer trained
// on them and their codes (unless float32), written through storage's
// WriteShard. Every build of an index (mpi/distributed_build.h, on one rank
// or several) and every compaction (builder/compaction.h) builds its shards
// here.
#ifndef ZYPHYR_BUILDER_SHARD_BUILD_H_
#define ZYPHYR_BUILDER_SHARD_BUILD_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "src/core/element_type.h"
#include "src/core/status.h"
#include "src/core/vector_store.h"
#include "src/index/hnsw_options.h"
#include "src/quant/quantizer.h"
#include "storage/file_ops.h"
#include "storage/index_manifest.h"

namespace zyphyr {

// The quantizer options the shards of the index `m` describes are trained
// with: its encoding and pq_m, its seed, `threads`.
QuantizerOptions QuantizationOf(const IndexManifest& m, std::size_t threads);

// Builds the HNSW graph over `store` (ids increasing), and the codes of
// `quantization` unless it says float32, and writes them into `dir` as shard
// `number` of generation 1 (ShardFileName), its rows stored as
// `element_type`. Returns its manifest entry (a fresh uid, ids [first,
// last + 1), no centroid). Errors: InvalidArgument
// "<dir>: ids must increase"; those of HnswIndex::Build, Quantizer::Train
// ("shard N: ...") and WriteShard (prefixed "<dir>: ").
Result<ManifestShard> BuildShardFile(const std::string& dir, std::size_t number, VectorStore store,
                                     const HnswBuildOptions& hnsw, const QuantizerOptions& quantization,
                                     ElementType element_type = ElementType::kFloat32,
                                     const FileOps& ops = SystemFileOps());

// As BuildShardFile for shard `number` of `generation` (a compaction's), in
// the index directory itself; WriteShard's errors unprefixed.
Result<ManifestShard> RebuildShardFile(const std::string& dir, std::size_t number, std::uint64_t generation,
                                       VectorStore store, const HnswBuildOptions& hnsw,
                                       const QuantizerOptions& quantization, ElementType element_type,
                                       const FileOps& ops = SystemFileOps());

}  // namespace zyphyr

#endif  // ZYPHYR_BUILDER_SHARD_BUILD_H_
