#include "builder/new_index.h"

#include <algorithm>
#include <utility>

namespace zyphyr {

IndexManifest NewIndexManifest(std::size_t dim, Metric metric, const HnswBuildOptions& hnsw,
                               const QuantizerOptions& quantization, const std::string& partition,
                               const std::string& source) {
  IndexManifest m;
  m.dim = dim;
  m.metric = metric;
  m.M = hnsw.M;
  m.ef_construction = hnsw.ef_construction;
  m.seed = hnsw.seed;
  m.generation = 1;
  m.partition = partition;
  m.encoding = quantization.encoding;
  if (m.encoding == Encoding::kPq) m.pq_m = quantization.pq_m == 0 ? DefaultPqM(dim) : quantization.pq_m;
  m.source = source;
  return m;
}

void AddShards(std::vector<ManifestShard> shards, IndexManifest* m) {
  for (ManifestShard& entry : shards) {
    m->rows += entry.rows;
    m->next_id = std::max(m->next_id, entry.id_end);
    m->shards.push_back(std::move(entry));
  }
}

}  // namespace zyphyr
