#include "src/eval/ground_truth_computation.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <string>

// Eigen stays single-threaded: the queries are spread over threads here.
#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>

#include "src/core/parallel_for.h"
#include "src/core/vector_store.h"

namespace zyphyr::ground_truth_internal {
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

}  // namespace

Computation::Computation(std::span<const float> queries, std::size_t dim, Metric metric, std::size_t k,
                         std::size_t threads)
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

Status Computation::PrepareQueries() {
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

Status Computation::PrepareBlock(std::span<const float> rows, std::size_t count, std::size_t first_row) {
  row_norm_sq_.resize(count);
  row_norm_.resize(count);
  if (metric_ == Metric::kCosine) unit_rows_.resize(count * dim_);
  for (std::size_t r = 0; r < count; ++r) {
    const float* x = rows.data() + r * dim_;
    double norm_sq = 0.0;
    for (std::size_t j = 0; j < dim_; ++j) {
      if (!std::isfinite(x[j])) {
        return Status::InvalidArgument("train row " + std::to_string(first_row + r) + " has a non-finite component (" +
                                       (std::isnan(x[j]) ? "NaN" : "Inf") + ") at index " + std::to_string(j));
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

void Computation::ProcessBlock(std::span<const float> rows, std::size_t count, std::size_t first_row) {
  switch (metric_) {
    case Metric::kL2:
      return ProcessBlock<Metric::kL2>(rows, count, first_row);
    case Metric::kInnerProduct:
      return ProcessBlock<Metric::kInnerProduct>(rows, count, first_row);
    case Metric::kCosine:
      return ProcessBlock<Metric::kCosine>(rows, count, first_row);
  }
}

GroundTruth Computation::Finish() {
  GroundTruth out;
  out.queries = num_queries_;
  out.k = k_;
  out.ids.resize(num_queries_ * k_);
  out.distances.resize(num_queries_ * k_);
  out.keys.resize(num_queries_ * k_);
  for (std::size_t q = 0; q < num_queries_; ++q) {
    Candidate* heap = &heaps_[q * k_];
    std::sort_heap(heap, heap + heap_sizes_[q], Closer);
    for (std::size_t i = 0; i < k_; ++i) {
      out.ids[q * k_ + i] = heap[i].id;
      out.distances[q * k_ + i] = Reported(metric_, heap[i].distance);
      out.keys[q * k_ + i] = heap[i].distance;
    }
  }
  return out;
}

template <Metric kMetric>
void Computation::ProcessBlock(std::span<const float> rows, std::size_t count, std::size_t first_row) {
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

void Computation::Gemm(std::size_t q0, std::size_t qn, std::span<const float> rows, std::size_t c0, std::size_t cn,
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

template <Metric kMetric>
void Computation::ScanRow(std::size_t q, const float* dots, std::span<const float> rows, std::size_t c0, std::size_t cn,
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

void Computation::Offer(std::size_t q, const Candidate& candidate) {
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

}  // namespace zyphyr::ground_truth_internal
