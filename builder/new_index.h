// The manifest of a new index directory (storage/index_manifest.h), as every
// build (mpi/distributed_build.h) assembles it.
#ifndef ZYPHYR_BUILDER_NEW_INDEX_H_
#define ZYPHYR_BUILDER_NEW_INDEX_H_

#include <cstddef>
#include <string>
#include <vector>

#include "src/core/metric.h"
#include "src/index/hnsw_options.h"
#include "src/quant/quantizer.h"
#include "storage/index_manifest.h"

namespace zyphyr {

// The manifest of a new index (generation 1) over rows of `dim` floats under
// `metric`, before its shards: `hnsw`'s M, efConstruction and seed,
// `partition`, `source`, and `quantization`'s encoding with its pq_m
// resolved (0 picks DefaultPqM(dim); 0 unless pq). Its shards are trained
// with QuantizationOf (builder/shard_build.h) of it.
IndexManifest NewIndexManifest(std::size_t dim, Metric metric, const HnswBuildOptions& hnsw,
                               const QuantizerOptions& quantization, const std::string& partition,
                               const std::string& source);

// Appends `shards` (the next in shard order) to `m`, adding their rows and
// raising next_id past their id ranges.
void AddShards(std::vector<ManifestShard> shards, IndexManifest* m);

}  // namespace zyphyr

#endif  // ZYPHYR_BUILDER_NEW_INDEX_H_
