#include "src/partition/kmeans.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <string>

// Eigen stays single-threaded: row blocks are spread over threads here.
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>

#include "src/core/check.h"
#include "src/core/parallel_for.h"
#include "src/core/squared_norm.h"
#include "src/partition/exact_distance.h"

namespace zyphyr {
namespace {

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Rows per GEMM block, lowered for many centroids so that one thread's output
// buffer stays at most 4 MiB.
constexpr std::size_t kAssignBlock = 256;
constexpr std::size_t kMaxBlockFloats = std::size_t{1} << 20;
// Rows per task when k-means++ updates its distances.
constexpr std::size_t kSeedBlock = 1024;
// Dimensions per task of the centroid update (two cache lines of doubles).
constexpr std::size_t kUpdateDims = 16;

// A double in [0, 1) from the top 53 bits of one draw (the standard
// distributions are implementation-defined, so their values differ by library).
double UnitDouble(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// |approx - exact| <= gemm |x||c| + rounding (|x|^2 + |c|^2) + absolute, where
// approx = (|x|^2 + |c|^2) - 2 g from double norms and the float GEMM value g,
// and exact is ExactDistance. The same rigorous bound as the l2 case of
// src/eval/ground_truth_exact.h (derivation there): a float dot product of length
// d in any summation order is off by at most gamma |x||c|, gamma = d u / (1 - d
// u); the double-side roundings stay below 8 (d + 4) e (|x|^2 + |c|^2);
// underflow adds at most 4 (d + 1) FLT_MIN. Past d u = 0.01 it is not used.
struct ErrorBound {
  bool usable = false;
  double gemm = 0.0;
  double rounding = 0.0;
  double absolute = 0.0;

  explicit ErrorBound(std::size_t dim) {
    const double u = std::ldexp(1.0, -24);
    const double e = std::ldexp(1.0, -53);
    const double d = static_cast<double>(dim);
    if (d * u > 0.01) return;
    usable = true;
    gemm = 2.0 * d * u / (1.0 - d * u) * (1.0 + 1e-6);
    rounding = 8.0 * (d + 4.0) * e;
    absolute = 4.0 * (d + 1.0) * static_cast<double>(FLT_MIN);
  }
};

// One thread's buffers, reused across blocks.
struct AssignScratch {
  std::vector<float> dots;     // Block rows x k GEMM values.
  std::vector<double> lowers;  // Per centroid: lower bound on the exact distance of the current row.
};

// labels[i] = nearest centroid of row i, distances[i] its exact distance.
void Assign(std::span<const float> rows, std::size_t dim, std::span<const float> centroids, std::size_t threads,
            std::uint32_t* labels, double* distances) {
  const std::size_t n = rows.size() / dim;
  const std::size_t k = centroids.size() / dim;
  if (n == 0) return;
  const ErrorBound bound(dim);
  std::vector<double> cc(k);
  std::vector<double> cn(k);
  for (std::size_t c = 0; c < k; ++c) {
    cc[c] = SquaredNorm(&centroids[c * dim], dim);
    cn[c] = std::sqrt(cc[c]);
  }
  const std::size_t block = std::clamp<std::size_t>(kMaxBlockFloats / k, 1, kAssignBlock);
  const auto d = static_cast<Eigen::Index>(dim);
  const Eigen::Map<const RowMajorMatrix> cm(centroids.data(), static_cast<Eigen::Index>(k), d);
  ParallelFor(
      0, (n + block - 1) / block, threads,
      [&] {
        return AssignScratch{std::vector<float>(block * k), std::vector<double>(k)};
      },
      [&](std::size_t b, AssignScratch& scratch) {
        const std::size_t r0 = b * block;
        const std::size_t rn = std::min(block, n - r0);
        const Eigen::Map<const RowMajorMatrix> xm(&rows[r0 * dim], static_cast<Eigen::Index>(rn), d);
        Eigen::Map<RowMajorMatrix> om(scratch.dots.data(), static_cast<Eigen::Index>(rn), static_cast<Eigen::Index>(k));
        om.noalias() = xm * cm.transpose();
        for (std::size_t i = 0; i < rn; ++i) {
          const float* x = &rows[(r0 + i) * dim];
          const double xx = SquaredNorm(x, dim);
          const double xn = std::sqrt(xx);
          const float* dots = &scratch.dots[i * k];
          double best_upper = kInf;
          for (std::size_t c = 0; c < k; ++c) {
            const double approx = (xx + cc[c]) - 2.0 * static_cast<double>(dots[c]);
            double lower = -kInf;
            if (bound.usable && std::isfinite(approx)) {
              const double tol = bound.gemm * (xn * cn[c]) + bound.rounding * (xx + cc[c]) + bound.absolute;
              lower = approx - tol;
              best_upper = std::min(best_upper, approx + tol);
            }
            scratch.lowers[c] = lower;
          }
          // The nearest centroid's exact distance is at most best_upper, so
          // only centroids whose lower bound reaches it can be nearest.
          std::uint32_t best = 0;
          double best_distance = kInf;
          bool first = true;
          for (std::size_t c = 0; c < k; ++c) {
            if (!(scratch.lowers[c] <= best_upper)) continue;
            const double exact = ExactDistance(x, &centroids[c * dim], dim);
            if (first || exact < best_distance) {
              best = static_cast<std::uint32_t>(c);
              best_distance = exact;
              first = false;
            }
          }
          labels[r0 + i] = best;
          distances[r0 + i] = best_distance;
        }
      });
}

// k-means++: the first centroid a uniform row, each next one a row drawn with
// probability proportional to its distance to the nearest centroid so far.
std::vector<float> SeedPlusPlus(std::span<const float> rows, std::size_t dim, std::size_t k, std::mt19937_64& rng,
                                std::size_t threads) {
  const std::size_t n = rows.size() / dim;
  std::vector<float> centroids(k * dim);
  std::vector<double> nearest(n, kInf);
  auto uniform_row = [&] {
    return std::min(n - 1, static_cast<std::size_t>(UnitDouble(rng) * static_cast<double>(n)));
  };
  std::size_t chosen = uniform_row();
  for (std::size_t c = 0; c < k; ++c) {
    const float* seed = &rows[chosen * dim];
    std::copy(seed, seed + dim, &centroids[c * dim]);
    if (c + 1 == k) break;
    ParallelFor(
        0, (n + kSeedBlock - 1) / kSeedBlock, threads, [] { return 0; },
        [&](std::size_t b, int) {
          for (std::size_t i = b * kSeedBlock; i < std::min(n, (b + 1) * kSeedBlock); ++i) {
            nearest[i] = std::min(nearest[i], ExactDistance(&rows[i * dim], seed, dim));
          }
        });
    double total = 0.0;
    for (double v : nearest) total += v;
    if (total == 0.0) {  // Every row coincides with a centroid: duplicates only.
      chosen = uniform_row();
      continue;
    }
    // The first row where the running sum passes the target; rounding can let
    // the target reach the total, hence the fallback to the last positive row.
    const double target = UnitDouble(rng) * total;
    double running = 0.0;
    chosen = n;
    for (std::size_t i = 0; i < n && chosen == n; ++i) {
      running += nearest[i];
      if (running > target) chosen = i;
    }
    if (chosen == n) {
      chosen = n - 1;
      while (nearest[chosen] == 0.0) --chosen;
    }
  }
  return centroids;
}

// Moves every centroid to the mean of its rows, re-seeding empty clusters.
// Each (cluster, dimension) sum runs over the rows in row order, whatever the
// thread count; threads split the dimensions.
void Update(std::span<const float> rows, std::size_t dim, std::span<const std::uint32_t> labels,
            std::span<const double> distances, std::size_t k, std::size_t threads, std::vector<float>& centroids) {
  const std::size_t n = labels.size();
  std::vector<std::size_t> counts(k, 0);
  for (std::uint32_t label : labels) ++counts[label];
  std::vector<double> sums(k * dim, 0.0);
  ParallelFor(
      0, (dim + kUpdateDims - 1) / kUpdateDims, threads, [] { return 0; },
      [&](std::size_t b, int) {
        const std::size_t j0 = b * kUpdateDims;
        const std::size_t j1 = std::min(dim, j0 + kUpdateDims);
        for (std::size_t i = 0; i < n; ++i) {
          double* sum = &sums[labels[i] * dim];
          const float* x = &rows[i * dim];
          for (std::size_t j = j0; j < j1; ++j) sum[j] += static_cast<double>(x[j]);
        }
      });
  std::vector<std::size_t> empty;
  for (std::size_t c = 0; c < k; ++c) {
    if (counts[c] == 0) {
      empty.push_back(c);
      continue;
    }
    const double count = static_cast<double>(counts[c]);
    for (std::size_t j = 0; j < dim; ++j) centroids[c * dim + j] = static_cast<float>(sums[c * dim + j] / count);
  }
  if (empty.empty()) return;
  // At most k - 1 < n clusters are empty: enough rows to go round.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(empty.size()), order.end(),
                    [&](std::size_t a, std::size_t b) {
                      return distances[a] > distances[b] || (distances[a] == distances[b] && a < b);
                    });
  for (std::size_t e = 0; e < empty.size(); ++e) {
    const float* row = &rows[order[e] * dim];
    std::copy(row, row + dim, &centroids[empty[e] * dim]);
  }
}

// "1 row", "5 rows".
std::string Plural(std::size_t count, const char* noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

}  // namespace

Result<std::vector<float>> TrainKMeans(std::span<const float> rows, std::size_t dim, const KMeansOptions& options) {
  const std::size_t k = options.clusters;
  if (k == 0) return Status::InvalidArgument("k-means: clusters must be at least 1");
  if (dim == 0) return Status::InvalidArgument("k-means: dimension must be at least 1");
  if (rows.size() % dim != 0) {
    return Status::InvalidArgument("k-means: " + Plural(rows.size(), "float") +
                                   " is not a whole number of rows of dimension " + std::to_string(dim));
  }
  const std::size_t n = rows.size() / dim;
  if (n < k) {
    return Status::InvalidArgument("k-means: " + Plural(n, "row") + (n == 1 ? " is" : " are") + " fewer than the " +
                                   Plural(k, "cluster"));
  }
  if (k > std::size_t{std::numeric_limits<std::uint32_t>::max()} + 1) {
    return Status::InvalidArgument("k-means: " + std::to_string(k) + " clusters exceed 32-bit cluster numbers");
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < dim; ++j) {
      if (!std::isfinite(rows[i * dim + j])) {
        return Status::InvalidArgument("k-means: row " + std::to_string(i) + " holds a non-finite value");
      }
    }
  }
  const std::size_t threads = ResolveThreads(options.threads);
  std::mt19937_64 rng(options.seed);
  std::vector<float> centroids = SeedPlusPlus(rows, dim, k, rng, threads);
  std::vector<std::uint32_t> labels(n);
  std::vector<std::uint32_t> previous;
  std::vector<double> distances(n);
  for (std::size_t it = 0; it < options.iterations; ++it) {
    Assign(rows, dim, centroids, threads, labels.data(), distances.data());
    // Unchanged labels: the centroids are already their means.
    if (labels == previous) break;
    Update(rows, dim, labels, distances, k, threads, centroids);
    previous = labels;
  }
  return centroids;
}

std::vector<std::uint32_t> AssignNearest(std::span<const float> rows, std::size_t dim, std::span<const float> centroids,
                                         std::size_t threads) {
  ZYPHYR_CHECK(dim >= 1);
  ZYPHYR_CHECK(rows.size() % dim == 0 && centroids.size() % dim == 0);
  ZYPHYR_CHECK(!centroids.empty() && centroids.size() / dim - 1 <= std::numeric_limits<std::uint32_t>::max());
  std::vector<std::uint32_t> labels(rows.size() / dim);
  std::vector<double> distances(labels.size());
  Assign(rows, dim, centroids, threads, labels.data(), distances.data());
  return labels;
}

std::vector<std::uint32_t> NearestCentroids(std::span<const float> query, std::span<const float> centroids,
                                            std::size_t dim, std::size_t n) {
  ZYPHYR_CHECK(dim >= 1 && query.size() == dim && centroids.size() % dim == 0);
  const std::size_t k = centroids.size() / dim;
  ZYPHYR_CHECK(k == 0 || k - 1 <= std::numeric_limits<std::uint32_t>::max());
  std::vector<double> distances(k);
  for (std::size_t c = 0; c < k; ++c) distances[c] = ExactDistance(query.data(), &centroids[c * dim], dim);
  std::vector<std::uint32_t> order(k);
  std::iota(order.begin(), order.end(), std::uint32_t{0});
  n = std::min(n, k);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                    [&](std::uint32_t a, std::uint32_t b) {
                      return distances[a] < distances[b] || (distances[a] == distances[b] && a < b);
                    });
  order.resize(n);
  return order;
}

}  // namespace zyphyr
