#include "src/eval/ground_truth.h"

#include <algorithm>
#include <atomic>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

// Eigen stays single-threaded: the queries are spread over threads here.
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>

#include "src/core/parallel_for.h"
#include "src/core/vector_store.h"
#include "src/index/neighbor.h"

namespace zyphyr {
namespace {

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// One GEMM multiplies up to kQueryBlock queries by up to kGemmRows train rows
// (a slice of the train block), so a thread's output buffer is at most 4 MiB.
// The slice bound matters: Eigen packs the whole train side of a product into
// a fresh buffer, and at 16384 x 784 floats (51 MB) glibc serves that with
// mmap, so every GEMM paid ~12,500 page faults (2.7 s of system time on
// 60000 x 10000 x 784). 4096 rows measured fastest; 2048 to 8192 are close.
constexpr std::size_t kQueryBlock = 256;
constexpr std::size_t kGemmRows = 4096;

constexpr double kInf = std::numeric_limits<double>::infinity();

// One kept neighbour: its exact internal distance (smaller is closer: l2 the
// squared distance, cosine 1 - cos, ip -<q, x>) and its row number.
struct Candidate {
  double distance;
  std::int64_t id;
};

bool Closer(const Candidate& a, const Candidate& b) {
  return DistanceIdLess(a.distance, a.id, b.distance, b.id);
}

// Rows evaluated exactly side by side: independent sums keep the FPU busy
// while each one still runs in index order.
constexpr std::size_t kExactLanes = 8;

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

float Reported(Metric metric, double internal) {
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

// Per query: its exact neighbours so far as a max-heap under Closer (front:
// the worst kept), and that worst distance once the heap is full.
struct QueryState {
  double norm_sq = 0.0;  // <q, q>, in double.
  double norm = 0.0;     // sqrt(<q, q>).
  double threshold = kInf;
};

class Computation {
 public:
  Computation(std::span<const float> queries, std::size_t dim, Metric metric, std::size_t k, std::size_t threads)
      : queries_(queries),
        dim_(dim),
        metric_(metric),
        num_queries_(queries.size() / dim),
        k_(k),
        threads_(ResolveThreads(threads)),
        bound_(metric, dim),
        states_(num_queries_),
        heaps_(num_queries_ * k),
        heap_sizes_(num_queries_, 0) {}

  // Validates the queries and prepares what the GEMM reads.
  Status PrepareQueries() {
    std::vector<float> prepared(PaddedDim(dim_));
    if (metric_ == Metric::kCosine) unit_queries_.resize(num_queries_ * dim_);
    for (std::size_t q = 0; q < num_queries_; ++q) {
      std::span<const float> query = queries_.subspan(q * dim_, dim_);
      ZYPHYR_RETURN_IF_ERROR(PrepareVector(query, dim_, metric_, "query " + std::to_string(q), prepared.data()));
      double norm_sq = 0.0;
      for (float v : query) norm_sq += static_cast<double>(v) * static_cast<double>(v);
      states_[q].norm_sq = norm_sq;
      states_[q].norm = std::sqrt(norm_sq);
      if (metric_ == Metric::kCosine) std::memcpy(&unit_queries_[q * dim_], prepared.data(), dim_ * sizeof(float));
    }
    return Status::Ok();
  }

  // Checks one block of raw train rows and computes their norms (and unit
  // copies under cosine). `first_row` numbers them in messages.
  Status PrepareBlock(std::span<const float> rows, std::size_t count, std::size_t first_row) {
    row_norm_sq_.resize(count);
    row_norm_.resize(count);
    if (metric_ == Metric::kCosine) unit_rows_.resize(count * dim_);
    for (std::size_t r = 0; r < count; ++r) {
      const float* x = rows.data() + r * dim_;
      double norm_sq = 0.0;
      for (std::size_t j = 0; j < dim_; ++j) {
        if (!std::isfinite(x[j])) {
          return Status::InvalidArgument("train row " + std::to_string(first_row + r) +
                                         " has a non-finite component (" + (std::isnan(x[j]) ? "NaN" : "Inf") +
                                         ") at index " + std::to_string(j));
        }
        norm_sq += static_cast<double>(x[j]) * static_cast<double>(x[j]);
      }
      if (metric_ == Metric::kCosine) {
        if (norm_sq == 0.0) {
          return Status::InvalidArgument("train row " + std::to_string(first_row + r) +
                                         " has zero norm, which the cosine metric cannot use");
        }
        const double inv = 1.0 / std::sqrt(norm_sq);
        float* unit = &unit_rows_[r * dim_];
        for (std::size_t j = 0; j < dim_; ++j) unit[j] = static_cast<float>(x[j] * inv);
      }
      row_norm_sq_[r] = norm_sq;
      row_norm_[r] = std::sqrt(norm_sq);
    }
    return Status::Ok();
  }

  // Offers every row of the prepared block to every query.
  void ProcessBlock(std::span<const float> rows, std::size_t count, std::size_t first_row) {
    switch (metric_) {
      case Metric::kL2:
        return ProcessBlock<Metric::kL2>(rows, count, first_row);
      case Metric::kInnerProduct:
        return ProcessBlock<Metric::kInnerProduct>(rows, count, first_row);
      case Metric::kCosine:
        return ProcessBlock<Metric::kCosine>(rows, count, first_row);
    }
  }

  GroundTruth Finish() {
    GroundTruth out;
    out.queries = num_queries_;
    out.k = k_;
    out.ids.resize(num_queries_ * k_);
    out.distances.resize(num_queries_ * k_);
    for (std::size_t q = 0; q < num_queries_; ++q) {
      Candidate* heap = &heaps_[q * k_];
      std::sort_heap(heap, heap + heap_sizes_[q], Closer);
      for (std::size_t i = 0; i < k_; ++i) {
        out.ids[q * k_ + i] = heap[i].id;
        out.distances[q * k_ + i] = Reported(metric_, heap[i].distance);
      }
    }
    return out;
  }

 private:
  // A row of the current GEMM chunk that may enter a query's list: bounds on
  // its exact distance, and its column in the block.
  struct Pending {
    double lower;
    double upper;
    std::size_t column;
  };

  // One thread's buffers, reused across blocks.
  struct Scratch {
    std::vector<float> dots;  // The GEMM output: query block x GEMM chunk.
    std::vector<Pending> pending;
    std::vector<double> uppers;
  };

  template <Metric kMetric>
  void ProcessBlock(std::span<const float> rows, std::size_t count, std::size_t first_row) {
    const std::size_t query_block = std::clamp<std::size_t>((num_queries_ + threads_ - 1) / threads_, 1, kQueryBlock);
    const std::size_t gemm_cols = std::min(kGemmRows, count);
    const std::size_t num_blocks = (num_queries_ + query_block - 1) / query_block;
    const std::size_t used_threads = std::min(threads_, num_blocks);
    if (scratch_.size() < used_threads) scratch_.resize(used_threads);
    std::atomic<std::size_t> next_scratch{0};
    ParallelFor(
        0, num_blocks, used_threads,
        [&] {
          Scratch* scratch = &scratch_[next_scratch.fetch_add(1)];
          scratch->dots.resize(std::max(scratch->dots.size(), query_block * gemm_cols));
          return scratch;
        },
        [&](std::size_t b, Scratch* scratch) {
          const std::size_t q0 = b * query_block;
          const std::size_t qn = std::min(query_block, num_queries_ - q0);
          for (std::size_t c0 = 0; c0 < count; c0 += gemm_cols) {
            const std::size_t cn = std::min(gemm_cols, count - c0);
            Gemm(q0, qn, rows, c0, cn, scratch->dots.data());
            for (std::size_t i = 0; i < qn; ++i) {
              ScanRow<kMetric>(q0 + i, scratch->dots.data() + i * cn, rows, c0, cn, first_row, scratch);
            }
          }
        });
  }

  // out (qn x cn, row-major) = queries [q0, q0 + qn) times rows [c0, c0 + cn)
  // transposed: dot products in float, unit vectors under cosine.
  void Gemm(std::size_t q0, std::size_t qn, std::span<const float> rows, std::size_t c0, std::size_t cn,
            float* out) const {
    const bool unit = metric_ == Metric::kCosine;
    const float* q = unit ? unit_queries_.data() : queries_.data();
    const float* x = unit ? unit_rows_.data() : rows.data();
    const auto d = static_cast<Eigen::Index>(dim_);
    Eigen::Map<const RowMajorMatrix> qm(q + q0 * dim_, static_cast<Eigen::Index>(qn), d);
    Eigen::Map<const RowMajorMatrix> xm(x + c0 * dim_, static_cast<Eigen::Index>(cn), d);
    Eigen::Map<RowMajorMatrix> om(out, static_cast<Eigen::Index>(qn), static_cast<Eigen::Index>(cn));
    om.noalias() = qm * xm.transpose();
  }

  // Offers rows [c0, c0 + cn) of the block to query q, given their GEMM
  // values `dots`, in three steps:
  // 1. bounds [lower, upper] on each row's exact distance from its GEMM value
  //    (ErrorBound). The k smallest upper bounds seen are kept in a max-heap:
  //    once it holds k, its top is itself an upper bound on the final k-th
  //    distance (k rows are at most that far), as is the k-th exact distance
  //    of the list so far. Rows whose lower bound exceeds the smaller of the
  //    two cannot enter and are dropped;
  // 2. the bound only tightens during the scan, so the kept rows are
  //    filtered once more against its final value (this is where most of
  //    the first block goes, instead of through exact evaluation);
  // 3. the rest are evaluated exactly and offered to the list in row order.
  template <Metric kMetric>
  void ScanRow(std::size_t q, const float* dots, std::span<const float> rows, std::size_t c0, std::size_t cn,
               std::size_t first_row, Scratch* scratch) {
    QueryState& state = states_[q];
    const double qq = state.norm_sq;
    const double qn = state.norm;
    std::vector<Pending>& pending = scratch->pending;
    std::vector<double>& uppers = scratch->uppers;
    pending.clear();
    uppers.clear();
    double bound = state.threshold;
    for (std::size_t c = c0; c < c0 + cn; ++c) {
      const float dot = dots[c - c0];
      double lower = -kInf;
      double upper = kInf;
      if (bound_.usable && std::isfinite(dot)) {
        double approx;
        double tol = bound_.absolute;
        if constexpr (kMetric == Metric::kL2) {
          approx = (qq + row_norm_sq_[c]) - 2.0 * static_cast<double>(dot);
          tol += bound_.gemm * (qn * row_norm_[c]) + bound_.rounding * (qq + row_norm_sq_[c]);
        } else if constexpr (kMetric == Metric::kInnerProduct) {
          approx = -static_cast<double>(dot);
          tol += bound_.gemm * (qn * row_norm_[c]);
        } else {
          approx = 1.0 - static_cast<double>(dot);
          tol += bound_.rounding;
        }
        lower = approx - tol;
        upper = approx + tol;
      }
      if (lower > bound) continue;
      pending.push_back({lower, upper, c});
      if (uppers.size() < k_) {
        uppers.push_back(upper);
        std::push_heap(uppers.begin(), uppers.end());
      } else if (upper < uppers.front()) {
        std::pop_heap(uppers.begin(), uppers.end());
        uppers.back() = upper;
        std::push_heap(uppers.begin(), uppers.end());
      } else {
        continue;
      }
      if (uppers.size() == k_) bound = std::min(bound, uppers.front());
    }
    std::erase_if(pending, [bound](const Pending& p) { return p.lower > bound; });

    const float* query = queries_.data() + q * dim_;
    const float* xs[kExactLanes];
    double xn[kExactLanes];
    double exact[kExactLanes];
    for (std::size_t i = 0; i < pending.size(); i += kExactLanes) {
      const std::size_t lanes = std::min(kExactLanes, pending.size() - i);
      for (std::size_t l = 0; l < kExactLanes; ++l) {
        const std::size_t c = pending[i + std::min(l, lanes - 1)].column;  // Spare lanes repeat the last row.
        xs[l] = rows.data() + c * dim_;
        xn[l] = row_norm_[c];
      }
      ExactDistances<kMetric>(query, xs, dim_, qn, xn, exact);
      for (std::size_t l = 0; l < lanes; ++l) {
        Offer(q, Candidate{exact[l], static_cast<std::int64_t>(first_row + pending[i + l].column)});
      }
    }
  }

  void Offer(std::size_t q, const Candidate& candidate) {
    Candidate* heap = &heaps_[q * k_];
    std::size_t& size = heap_sizes_[q];
    if (size < k_) {
      heap[size++] = candidate;
      std::push_heap(heap, heap + size, Closer);
    } else if (Closer(candidate, heap[0])) {
      std::pop_heap(heap, heap + size, Closer);
      heap[size - 1] = candidate;
      std::push_heap(heap, heap + size, Closer);
    } else {
      return;
    }
    if (size == k_) states_[q].threshold = heap[0].distance;
  }

  std::span<const float> queries_;
  std::size_t dim_;
  Metric metric_;
  std::size_t num_queries_;
  std::size_t k_;
  std::size_t threads_;
  ErrorBound bound_;
  std::vector<QueryState> states_;
  std::vector<Candidate> heaps_;  // num_queries_ x k_.
  std::vector<std::size_t> heap_sizes_;
  std::vector<float> unit_queries_;  // Cosine only.
  // The current train block: norms, and unit copies under cosine.
  std::vector<double> row_norm_sq_;
  std::vector<double> row_norm_;
  std::vector<float> unit_rows_;
  std::vector<Scratch> scratch_;  // One per thread.
};

}  // namespace

Result<GroundTruth> ComputeGroundTruth(const RowReader& read_train, std::size_t train_rows,
                                       std::span<const float> queries, std::size_t dim, Metric metric,
                                       const GroundTruthOptions& options) {
  if (dim == 0) return Status::InvalidArgument("ground truth: dimension must be at least 1");
  if (options.k == 0) return Status::InvalidArgument("ground truth: k must be at least 1");
  if (train_rows == 0) return Status::InvalidArgument("ground truth: the train set has no rows");
  if (options.train_block_rows == 0) {
    return Status::InvalidArgument("ground truth: train_block_rows must be at least 1");
  }
  if (queries.size() % dim != 0) {
    return Status::InvalidArgument("ground truth: " + std::to_string(queries.size()) +
                                   " query floats is not a multiple of the dimension " + std::to_string(dim));
  }
  if (queries.empty()) return Status::InvalidArgument("ground truth: no queries");

  const std::size_t k = std::min(options.k, train_rows);
  Computation computation(queries, dim, metric, k, options.threads);
  ZYPHYR_RETURN_IF_ERROR(computation.PrepareQueries());

  const std::size_t block_rows = std::min(options.train_block_rows, train_rows);
  std::vector<float> block(block_rows * dim);
  for (std::size_t begin = 0; begin < train_rows; begin += block_rows) {
    const std::size_t count = std::min(block_rows, train_rows - begin);
    std::span<float> rows(block.data(), count * dim);
    ZYPHYR_RETURN_IF_ERROR(read_train(begin, count, rows));
    ZYPHYR_RETURN_IF_ERROR(computation.PrepareBlock(rows, count, begin));
    computation.ProcessBlock(rows, count, begin);
    if (options.progress) options.progress(begin + count, train_rows);
  }
  return computation.Finish();
}

Result<GroundTruth> ComputeGroundTruth(std::span<const float> train, std::span<const float> queries, std::size_t dim,
                                       Metric metric, const GroundTruthOptions& options) {
  if (dim == 0) return Status::InvalidArgument("ground truth: dimension must be at least 1");
  if (train.size() % dim != 0) {
    return Status::InvalidArgument("ground truth: " + std::to_string(train.size()) +
                                   " train floats is not a multiple of the dimension " + std::to_string(dim));
  }
  RowReader reader = [train, dim](std::size_t begin, std::size_t count, std::span<float> out) {
    std::memcpy(out.data(), train.data() + begin * dim, count * dim * sizeof(float));
    return Status::Ok();
  };
  return ComputeGroundTruth(reader, train.size() / dim, queries, dim, metric, options);
}

}  // namespace zyphyr
