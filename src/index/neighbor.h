// Neighbor: one search result.
#ifndef ZYPHYR_SRC_INDEX_NEIGHBOR_H_
#define ZYPHYR_SRC_INDEX_NEIGHBOR_H_

#include <cstdint>

namespace zyphyr {

struct Neighbor {
  // The user-facing value of the metric (true L2, inner product, or
  // 1 - cosine; see src/core/metric.h). Results are ordered nearest first.
  float distance;
  // The caller's id of the row.
  std::uint64_t id;

  friend bool operator==(const Neighbor&, const Neighbor&) = default;
};

// The one order of results everywhere (searches, shard and rank merges, the
// exact ground truth, a beam's nodes): smaller distance first, equal
// distances by smaller id, so every sort and merge is deterministic.
template <typename Distance, typename Id>
constexpr bool DistanceIdLess(Distance a_distance, Id a_id, Distance b_distance, Id b_id) {
  return a_distance < b_distance || (a_distance == b_distance && a_id < b_id);
}

// Neighbors in that order, as a function object (std::sort inlines it).
struct NeighborOrder {
  constexpr bool operator()(const Neighbor& a, const Neighbor& b) const {
    return DistanceIdLess(a.distance, a.id, b.distance, b.id);
  }
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_NEIGHBOR_H_
