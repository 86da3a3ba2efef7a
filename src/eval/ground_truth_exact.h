// The exact side of ComputeGroundTruth (src/eval/ground_truth.h): a kept neighbour and its order, the exact
// double-precision distance of a row to a query, the distance a caller sees, and the rigorous bound on how far a
// float GEMM value may lie from the exact distance, which decides which rows need the exact evaluation.
//
// Internal to src/eval/ground_truth*.cpp.
#ifndef ZYPHYR_SRC_EVAL_GROUND_TRUTH_EXACT_H_
#define ZYPHYR_SRC_EVAL_GROUND_TRUTH_EXACT_H_

#include <cfloat>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "src/core/metric.h"
#include "src/index/neighbor.h"

namespace zyphyr::ground_truth_internal {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

// One kept neighbour: its exact internal distance (smaller is closer: l2 the
// squared distance, cosine 1 - cos, ip -<q, x>) and its row number.
struct Candidate {
  double distance;
  std::int64_t id;
};

inline bool Closer(const Candidate& a, const Candidate& b) {
  return DistanceIdLess(a.distance, a.id, b.distance, b.id);
}

// Rows evaluated exactly side by side: independent sums keep the FPU busy
// while each one still runs in index order.
inline constexpr std::size_t kExactLanes = 8;

// The exact internal distances of rows xs[0 .. kExactLanes) to query q, in
// double from the raw float vectors. Every sum runs in index order, as
// RecallDistance (src/eval/recall.cpp) does, so a naive double loop gets the
// same bits. `qn` and xn[i] are sqrt(<q, q>) and sqrt(<x, x>) (cosine only).
template <Metric kMetric>
void ExactDistances(const float* q, const float* const* xs, std::size_t dim, double qn, const double* xn, double* out) {
  double sum[kExactLanes] = {};
  for (std::size_t j = 0; j < dim; ++j) {
    const double qj = q[j];
    for (std::size_t i = 0; i < kExactLanes; ++i) {
      const double xj = xs[i][j];
      if constexpr (kMetric == Metric::kL2) {
        sum[i] += (qj - xj) * (qj - xj);
      } else {
        sum[i] += qj * xj;
      }
    }
  }
  for (std::size_t i = 0; i < kExactLanes; ++i) {
    if constexpr (kMetric == Metric::kL2) {
      out[i] = sum[i];
    } else if constexpr (kMetric == Metric::kInnerProduct) {
      out[i] = -sum[i];
    } else {
      out[i] = 1.0 - sum[i] / (qn * xn[i]);
    }
  }
}

inline float Reported(Metric metric, double internal) {
  switch (metric) {
    case Metric::kL2:
      return static_cast<float>(std::sqrt(internal));
    case Metric::kInnerProduct:
      return static_cast<float>(-internal);
    case Metric::kCosine:
      return static_cast<float>(internal);
  }
  return static_cast<float>(internal);
}

// How far the approximate distance computed from a float GEMM value may lie
// from the exact double distance of ExactDistances: approx - tol and
// approx + tol bracket the exact value. A pair whose lower end exceeds an
// upper bound on a query's final k-th exact distance cannot enter its list,
// so it is skipped without exact evaluation (see ScanRow). The bound
// therefore has to be rigorous, not typical.
//
// Notation: u = 2^-24 (float unit roundoff), e = 2^-53 (double), d = dim,
// gamma = d u / (1 - d u).
// - A float dot product of length d, summed in ANY order (Eigen's blocking,
//   SIMD lanes, with or without FMA), differs from the real one by at most
//   gamma * sum_j |q_j x_j| <= gamma |q| |x| (Higham, "Accuracy and
//   Stability of Numerical Algorithms", 3.1, and Cauchy-Schwarz). Underflow
//   adds at most FLT_MIN per operation even with flush-to-zero, so at most
//   2 (d + 1) FLT_MIN in all.
// - l2: approx = <q,q> + <x,x> - 2 g, in double from double norms; the GEMM
//   term contributes 2 gamma |q||x|. The double-side errors (the norms, the
//   two double operations, the exact sum of squared differences, the final
//   comparison) are each below (d + 4) e (|q|^2 + |x|^2); 8 (d + 4) e covers
//   them with room to spare.
// - ip: approx = -g: gamma |q||x| plus the double-side terms, now relative to
//   |q||x|.
// - cosine: approx = 1 - g on float copies of the unit vectors. Rounding each
//   copy to float moves every product q_j x_j by at most (2u + u^2 + 7e)
//   relative, so at most 2.0001 u in all (sum_j |q_j x_j| <= 1 for unit
//   vectors); the GEMM adds gamma (1 + 2.0001 u); 3 u and gamma (1 + 1e-6)
//   cover both, plus the double-side terms, relative to 1.
// The factor (1 + 1e-6) also covers the tiny relative error of the double
// norms that scale the bound (below 2 (d + 2) e). All of this assumes no
// overflow: an overflowing GEMM value is Inf or NaN, and such pairs are always
// evaluated exactly. Above d u = 0.01 the linear bound is not used at all:
// every pair is evaluated exactly.
struct ErrorBound {
  bool usable = false;    // False: evaluate every pair exactly.
  double gemm = 0.0;      // Times |q||x| (l2, ip).
  double rounding = 0.0;  // Times |q|^2 + |x|^2 (l2), |q||x| (ip) or 1 (cosine).
  double absolute = 0.0;

  ErrorBound(Metric metric, std::size_t dim) {
    const double u = std::ldexp(1.0, -24);
    const double e = std::ldexp(1.0, -53);
    const double d = static_cast<double>(dim);
    if (d * u > 0.01) return;
    usable = true;
    const double gamma = d * u / (1.0 - d * u) * (1.0 + 1e-6);
    const double double_side = 8.0 * (d + 4.0) * e;
    absolute = 4.0 * (d + 1.0) * static_cast<double>(FLT_MIN);
    switch (metric) {
      case Metric::kL2:
        gemm = 2.0 * gamma;
        rounding = double_side;
        break;
      case Metric::kInnerProduct:
        gemm = gamma + double_side;
        rounding = 0.0;
        break;
      case Metric::kCosine:
        gemm = 0.0;
        rounding = gamma + 3.0 * u + double_side;
        break;
    }
  }
};

}  // namespace zyphyr::ground_truth_internal

#endif  // ZYPHYR_SRC_EVAL_GROUND_TRUTH_EXACT_H_
