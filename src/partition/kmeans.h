// K-means under squared L2: partitions a dataset into shards (one cluster per
// shard) and routes queries to the partitions whose centroids are nearest.
//
// Every result is deterministic: the same inputs give bit-identical output
// for any thread count. Squared distances that decide anything are evaluated
// in double from the raw floats, summed in index order j = 0 .. dim - 1, i.e.
//   d(x, c) = sum_j (double(x_j) - double(c_j))^2,
// so a naive double-precision loop reproduces every choice; ties go to the
// smaller centroid index.
//
// Thread safety: the functions are reentrant and only read their inputs.
#ifndef ZYPHYR_SRC_PARTITION_KMEANS_H_
#define ZYPHYR_SRC_PARTITION_KMEANS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "src/core/status.h"

namespace zyphyr {

struct KMeansOptions {
  std::size_t clusters = 0;     // k, at least 1.
  std::size_t iterations = 25;  // Lloyd iterations at most (stops early when no assignment changes).
  std::uint64_t seed = 42;
  std::size_t threads = 1;  // 0: one per hardware thread.
};

// Trains k-means over `rows` (n x dim, row-major floats): k-means++ seeding
// (Arthur and Vassilvitskii, "k-means++: The Advantages of Careful Seeding",
// SODA 2007) drawn from std::mt19937_64 seeded with options.seed, then up to
// options.iterations Lloyd iterations (assign every row to its nearest
// centroid, move every centroid to the mean of its rows), stopping early once
// an iteration changes no assignment. A cluster left empty is re-seeded with
// the row farthest from its own centroid (several empty clusters take the
// farthest rows in turn, ties by the smaller row number).
//
// Returns options.clusters x dim centroids, row-major, bit-identical for any
// options.threads.
//
// Errors (InvalidArgument), checked in this order:
//   "k-means: clusters must be at least 1"
//   "k-means: dimension must be at least 1"
//   "k-means: 10 floats is not a whole number of rows of dimension 3"
//   "k-means: 5 rows are fewer than the 8 clusters"
//   "k-means: 5000000000 clusters exceed 32-bit cluster numbers"
//   "k-means: row 4 holds a non-finite value" (NaN or Inf; the first such row)
Result<std::vector<float>> TrainKMeans(std::span<const float> rows, std::size_t dim, const KMeansOptions& options);

// For each row of `rows` (n x dim, row-major), the index of its nearest
// centroid in `centroids` (k x dim, row-major) under squared L2, ties to the
// smaller index: exactly the choice of the double-precision loop above, for
// any `threads` (0: one per hardware thread). Float matrix products rank the
// centroids; every centroid that a bound on their rounding error cannot rule
// out is then evaluated exactly.
//
// Preconditions (checked, abort on violation): dim >= 1, rows.size() and
// centroids.size() multiples of dim, at least one centroid, at most 2^32 of
// them. Values should be finite; for a row holding NaN the index is
// unspecified but still in range.
std::vector<std::uint32_t> AssignNearest(std::span<const float> rows, std::size_t dim, std::span<const float> centroids,
                                         std::size_t threads);

// The min(n, k) centroids of `centroids` (k x dim, row-major) nearest to
// `query` (dim floats) under squared L2, nearest first, ties by the smaller
// index. Preconditions (checked, abort on violation): dim >= 1,
// query.size() == dim, centroids.size() a multiple of dim, at most 2^32
// centroids.
std::vector<std::uint32_t> NearestCentroids(std::span<const float> query, std::span<const float> centroids,
                                            std::size_t dim, std::size_t n);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_PARTITION_KMEANS_H_
