// Test data for raw inner product: clustered rows whose norms vary widely,
// and their exact top-k by inner product, computed in double.
#ifndef ZYPHYR_TESTS_INDEX_NORM_SPREAD_DATA_H_
#define ZYPHYR_TESTS_INDEX_NORM_SPREAD_DATA_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "src/data/synthetic.h"
#include "src/index/neighbor.h"

namespace zyphyr::testing {

// ClusteredGaussian(n, dim, clusters, seed) with each row scaled by a factor
// drawn log-uniformly in [1/spread, spread] (from `seed`: deterministic).
inline Dataset NormSpread(std::size_t n, std::size_t dim, std::size_t clusters, std::uint64_t seed, double spread) {
  Result<Dataset> d = ClusteredGaussian(n, dim, clusters, seed);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  std::mt19937_64 rng(seed ^ 0x5eed5eedULL);
  std::uniform_real_distribution<double> log_scale(-std::log(spread), std::log(spread));
  for (std::size_t i = 0; i < d->n; ++i) {
    const float scale = static_cast<float>(std::exp(log_scale(rng)));
    for (std::size_t j = 0; j < dim; ++j) d->rows[i * dim + j] *= scale;
  }
  return *d;
}

// The k rows of `data` with the largest inner product with each query
// (double sums; ties by id), ids only (distances 0): the exact lists
// IdOverlapRecall takes.
inline std::vector<std::vector<Neighbor>> ExactByInnerProduct(const Dataset& data, const Dataset& queries,
                                                              std::size_t k) {
  std::vector<std::vector<Neighbor>> out(queries.n);
  std::vector<double> dots(data.n);
  std::vector<std::uint64_t> order(data.n);
  for (std::size_t q = 0; q < queries.n; ++q) {
    for (std::size_t i = 0; i < data.n; ++i) {
      double dot = 0.0;
      for (std::size_t j = 0; j < data.dim; ++j) dot += static_cast<double>(queries.row(q)[j]) * data.row(i)[j];
      dots[i] = dot;
    }
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](std::uint64_t a, std::uint64_t b) { return dots[a] > dots[b] || (dots[a] == dots[b] && a < b); });
    for (std::size_t r = 0; r < k; ++r) out[q].push_back({0.0f, order[r]});
  }
  return out;
}

}  // namespace zyphyr::testing

#endif  // ZYPHYR_TESTS_INDEX_NORM_SPREAD_DATA_H_
