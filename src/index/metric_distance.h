// MetricDistance: the internal distance of a metric (smaller is closer; see
// src/core/metric.h) over prepared, padded rows, bound to one kernel table.
// Captured once per index so search loops call a plain function pointer.
#ifndef ZYPHYR_SRC_INDEX_METRIC_DISTANCE_H_
#define ZYPHYR_SRC_INDEX_METRIC_DISTANCE_H_

#include <cstddef>

#include "src/core/metric.h"
#include "src/distance/kernels.h"

namespace zyphyr {

class MetricDistance {
 public:
  MetricDistance(Metric metric, const DistanceKernels& kernels, std::size_t padded_dim)
      : pair_(metric == Metric::kL2 ? kernels.l2_sq : kernels.dot),
        batch_(metric == Metric::kL2 ? kernels.l2_sq_batch : kernels.dot_batch),
        dim_(padded_dim),
        negate_(metric != Metric::kL2) {}

  float operator()(const float* a, const float* b) const {
    float r = pair_(a, b, dim_);
    return negate_ ? -r : r;
  }

  // out[i] = (*this)(query, rows[i]) for i < n.
  void Batch(const float* query, const float* const* rows, std::size_t n, float* out) const {
    batch_(query, rows, n, dim_, out);
    if (negate_) {
      for (std::size_t i = 0; i < n; ++i) out[i] = -out[i];
    }
  }

  std::size_t dim() const { return dim_; }

 private:
  PairKernel pair_;
  BatchKernel batch_;
  std::size_t dim_;
  bool negate_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_METRIC_DISTANCE_H_
