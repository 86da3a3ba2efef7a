// How shards and rows are split among ranks: pure functions, the same on
// every rank, so no message is needed to agree on them.
#ifndef ZYPHYR_MPI_SHARD_ASSIGNMENT_H_
#define ZYPHYR_MPI_SHARD_ASSIGNMENT_H_

#include <cstddef>

namespace zyphyr {

// A half-open range [begin, end).
struct IndexRange {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t size() const { return end - begin; }
  bool contains(std::size_t i) const { return begin <= i && i < end; }
  friend bool operator==(const IndexRange&, const IndexRange&) = default;
};

// Part `part` of `parts` near-equal contiguous parts of [0, total): sizes
// differ by at most one, larger parts first. Precondition: part < parts.
inline IndexRange EvenPart(std::size_t total, std::size_t parts, std::size_t part) {
  const std::size_t base = total / parts;
  const std::size_t extra = total % parts;
  const std::size_t begin = part * base + (part < extra ? part : extra);
  return {begin, begin + base + (part < extra ? 1 : 0)};
}

// The shards rank `rank` of `ranks` owns: a contiguous block, every rank at
// least one when shards >= ranks.
inline IndexRange ShardsOfRank(std::size_t shards, std::size_t ranks, std::size_t rank) {
  return EvenPart(shards, ranks, rank);
}

// The rank owning shard `shard` (the inverse of ShardsOfRank).
inline std::size_t RankOfShard(std::size_t shards, std::size_t ranks, std::size_t shard) {
  for (std::size_t r = 0; r < ranks; ++r) {
    if (ShardsOfRank(shards, ranks, r).contains(shard)) return r;
  }
  return ranks;
}

}  // namespace zyphyr

#endif  // ZYPHYR_MPI_SHARD_ASSIGNMENT_H_
