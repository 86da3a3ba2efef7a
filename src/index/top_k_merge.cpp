#include "src/index/top_k_merge.h"

#include <algorithm>

#include "src/core/check.h"

namespace zyphyr {

TopKLists::TopKLists(std::size_t q, std::size_t kk)
    : queries(q), k(kk), distances(q * kk, std::numeric_limits<float>::infinity()), ids(q * kk, kNoId) {}

void TopKLists::Set(std::size_t q, std::span<const Neighbor> found) {
  const std::size_t n = std::min(found.size(), k);
  for (std::size_t j = 0; j < k; ++j) {
    distances[q * k + j] = j < n ? found[j].distance : std::numeric_limits<float>::infinity();
    ids[q * k + j] = j < n ? found[j].id : kNoId;
  }
}

std::vector<Neighbor> TopKLists::Get(std::size_t q) const {
  std::vector<Neighbor> out;
  for (std::size_t j = 0; j < k && ids[q * k + j] != kNoId; ++j) out.push_back({distances[q * k + j], ids[q * k + j]});
  return out;
}

TopKLists MergeTopK(std::span<const TopKLists> parts, std::size_t queries, std::size_t k) {
  TopKLists out(queries, k);
  std::vector<Neighbor> pool;
  for (std::size_t q = 0; q < queries; ++q) {
    pool.clear();
    for (const TopKLists& part : parts) {
      ZYPHYR_CHECK(part.queries == queries);
      for (std::size_t j = 0; j < part.k && part.ids[q * part.k + j] != kNoId; ++j) {
        pool.push_back({part.distances[q * part.k + j], part.ids[q * part.k + j]});
      }
    }
    std::sort(pool.begin(), pool.end(), NeighborOrder{});
    // Keep each id once, at its first (nearest) occurrence.
    std::vector<Neighbor> kept;
    for (const Neighbor& n : pool) {
      if (kept.size() == k) break;
      if (std::none_of(kept.begin(), kept.end(), [&](const Neighbor& m) { return m.id == n.id; })) kept.push_back(n);
    }
    out.Set(q, kept);
  }
  return out;
}

}  // namespace zyphyr
