// SquaredNorm: <x, x> of a float vector, in double.
//
// Summed in four partial sums (element j goes to sum j mod 4, the tail to the
// first), added pairwise at the end: the adds of one sum do not wait on the
// others', so a 784-d query's norm takes a quarter of the dependent chain of
// one running sum. A query and a row are normalised through it alike
// (PrepareVector), so they agree bit for bit; k-means uses it too. Ground
// truth does not: its exact distances are defined as double sums in index
// order (src/eval/ground_truth_exact.h), and a test checks them bit for bit.
#ifndef ZYPHYR_SRC_CORE_SQUARED_NORM_H_
#define ZYPHYR_SRC_CORE_SQUARED_NORM_H_

#include <cstddef>

namespace zyphyr {

inline double SquaredNorm(const float* x, std::size_t n) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  std::size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    s0 += static_cast<double>(x[j]) * static_cast<double>(x[j]);
    s1 += static_cast<double>(x[j + 1]) * static_cast<double>(x[j + 1]);
    s2 += static_cast<double>(x[j + 2]) * static_cast<double>(x[j + 2]);
    s3 += static_cast<double>(x[j + 3]) * static_cast<double>(x[j + 3]);
  }
  for (; j < n; ++j) s0 += static_cast<double>(x[j]) * static_cast<double>(x[j]);
  return (s0 + s1) + (s2 + s3);
}

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_CORE_SQUARED_NORM_H_
