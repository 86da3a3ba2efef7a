// TopKLists and MergeTopK: the k nearest results of a batch of queries as flat
// arrays, and the pure function that merges such lists from several shards or
// ranks into one. The distributed search sends exactly these arrays between
// ranks (global ids, internal distances), so merging is tested without MPI.
#ifndef ZYPHYR_SRC_INDEX_TOP_K_MERGE_H_
#define ZYPHYR_SRC_INDEX_TOP_K_MERGE_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "src/index/neighbor.h"

namespace zyphyr {

// The id of an unused slot (a shard with fewer than k live rows).
inline constexpr std::uint64_t kNoId = std::numeric_limits<std::uint64_t>::max();

// For each of `queries` queries, k slots of (distance, id), nearest first
// (smaller distance, then smaller id); unused slots trail, with id kNoId and
// distance +infinity. Distances are internal ones (smaller is nearer for
// every metric; see src/core/metric.h).
struct TopKLists {
  std::size_t queries = 0;
  std::size_t k = 0;
  std::vector<float> distances;    // queries * k.
  std::vector<std::uint64_t> ids;  // queries * k.

  TopKLists() = default;
  // Every slot unused.
  TopKLists(std::size_t queries, std::size_t k);

  // Writes `found` (nearest first, at most k) into the slots of query q and
  // marks the rest unused.
  void Set(std::size_t q, std::span<const Neighbor> found);
  // The used slots of query q.
  std::vector<Neighbor> Get(std::size_t q) const;

  friend bool operator==(const TopKLists&, const TopKLists&) = default;
};

// Merges `parts` (each over the same queries; k may differ between parts)
// into the k nearest per query, nearest first, ties broken by smaller id. An
// id present in several parts is kept once, at its smallest distance.
// Precondition: every part has `queries` queries.
TopKLists MergeTopK(std::span<const TopKLists> parts, std::size_t queries, std::size_t k);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_TOP_K_MERGE_H_
