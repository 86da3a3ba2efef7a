#include "builder/index_insert.h"

#include <vector>

#include "src/core/aligned_buffer.h"
#include "src/core/vector_store.h"
#include "src/partition/kmeans.h"
#include "storage/index_manifest.h"
#include "storage/index_mutations.h"

namespace zyphyr {
namespace {

// Each vector goes to the last shard, or under k-means to the shard whose
// centroid is nearest, so routed searches find it.
Result<std::vector<std::size_t>> RouteInserts(const IndexManifest& m, std::span<const float> rows, std::size_t count) {
  std::vector<std::size_t> target(count, m.shards.size() - 1);
  if (m.partition != "kmeans") return target;
  std::vector<float> centroids;
  for (const ManifestShard& entry : m.shards) {
    centroids.insert(centroids.end(), entry.centroid.begin(), entry.centroid.end());
  }
  AlignedBuffer<float> scratch(PaddedDim(m.dim));
  for (std::size_t i = 0; i < count; ++i) {
    ZYPHYR_RETURN_IF_ERROR(
        PrepareVector(rows.subspan(i * m.dim, m.dim), m.dim, m.metric, "vector " + std::to_string(i), scratch.data()));
    target[i] = NearestCentroids(std::span<const float>(scratch.data(), m.dim), centroids, m.dim, 1).front();
  }
  return target;
}

}  // namespace

Result<std::uint64_t> InsertIntoIndex(const std::string& dir, std::span<const float> rows, std::size_t count,
                                      const FileOps& ops) {
  return AppendToIndex(dir, rows, count, RouteInserts, ops);
}

}  // namespace zyphyr
