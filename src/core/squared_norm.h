// SquaredNorm: <x, x> of a float vector, in double.
//
// Summed in four partial sums (element j goes to sum j mod 4, the tail to the
// first), added pairwise at the end: the adds of one sum do not wait on the
// others', so a 784-d query's norm takes a quarter of the dependent chain of
// one running sum. Every place whose results must agree bit for bit (a
// query's and a row's normalisation, ground truth's unit rows) uses this one
// function, so the order is the same everywhere.
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
