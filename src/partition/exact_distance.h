// The squared L2 distance that decides k-means assignments (kmeans.h) and
// product-quantizer codes: in double, summed in index order, so that it is
// the same on every ISA and for every thread count.
#ifndef ZYPHYR_SRC_PARTITION_EXACT_DISTANCE_H_
#define ZYPHYR_SRC_PARTITION_EXACT_DISTANCE_H_

#include <cstddef>

namespace zyphyr {

// sum_j (x[j] - c[j])^2 over j in [0, dim), each term and the sum in double.
inline double ExactDistance(const float* x, const float* c, std::size_t dim) {
  double sum = 0.0;
  for (std::size_t j = 0; j < dim; ++j) {
    const double t = static_cast<double>(x[j]) - static_cast<double>(c[j]);
    sum += t * t;
  }
  return sum;
}

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_PARTITION_EXACT_DISTANCE_H_
