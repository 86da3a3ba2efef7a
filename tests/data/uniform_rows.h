// Random test rows: every component uniform in [-1, 1).
#ifndef ZYPHYR_TESTS_DATA_UNIFORM_ROWS_H_
#define ZYPHYR_TESTS_DATA_UNIFORM_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace zyphyr::testing {

// n rows of dim floats (row-major), drawn in order from an `Engine` seeded
// with `seed`: the same engine and seed give the same rows.
template <typename Engine>
std::vector<float> UniformRows(std::size_t n, std::size_t dim, std::uint64_t seed) {
  Engine rng(seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  std::vector<float> rows(n * dim);
  for (float& v : rows) v = unit(rng);
  return rows;
}

}  // namespace zyphyr::testing

#endif  // ZYPHYR_TESTS_DATA_UNIFORM_ROWS_H_
