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

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_NEIGHBOR_H_
