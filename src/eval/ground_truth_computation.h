// The blocked kernel of ComputeGroundTruth (src/eval/ground_truth.h): float GEMMs of query blocks against slices of
// a train block give every (query, row) pair an approximate distance; only the pairs that the error bound of
// ground_truth_exact.h cannot rule out are evaluated exactly and offered to each query's list.
//
// Internal to src/eval/ground_truth*.cpp.
#ifndef ZYPHYR_SRC_EVAL_GROUND_TRUTH_COMPUTATION_H_
#define ZYPHYR_SRC_EVAL_GROUND_TRUTH_COMPUTATION_H_

#include <cstddef>
#include <span>
#include <vector>

#include "src/core/metric.h"
#include "src/core/status.h"
#include "src/eval/ground_truth.h"
#include "src/eval/ground_truth_exact.h"

namespace zyphyr::ground_truth_internal {

// Per query: its exact neighbours so far as a max-heap under Closer (front:
// the worst kept), and that worst distance once the heap is full.
struct QueryState {
  double norm_sq = 0.0;  // <q, q>, in double.
  double norm = 0.0;     // sqrt(<q, q>).
  double threshold = kInf;
};

// The k exact nearest train rows of every query, accumulated block by block:
// PrepareQueries once, then PrepareBlock and ProcessBlock for each train
// block in order, then Finish.
class Computation {
 public:
  Computation(std::span<const float> queries, std::size_t dim, Metric metric, std::size_t k, std::size_t threads);

  // Validates the queries and prepares what the GEMM reads.
  Status PrepareQueries();

  // Checks one block of raw train rows and computes their norms (and unit
  // copies under cosine). `first_row` numbers them in messages.
  Status PrepareBlock(std::span<const float> rows, std::size_t count, std::size_t first_row);

  // Offers every row of the prepared block to every query.
  void ProcessBlock(std::span<const float> rows, std::size_t count, std::size_t first_row);

  GroundTruth Finish();

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
  void ProcessBlock(std::span<const float> rows, std::size_t count, std::size_t first_row);

  // out (qn x cn, row-major) = queries [q0, q0 + qn) times rows [c0, c0 + cn)
  // transposed: dot products in float, unit vectors under cosine.
  void Gemm(std::size_t q0, std::size_t qn, std::span<const float> rows, std::size_t c0, std::size_t cn,
            float* out) const;

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
               std::size_t first_row, Scratch* scratch);

  void Offer(std::size_t q, const Candidate& candidate);

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

}  // namespace zyphyr::ground_truth_internal

#endif  // ZYPHYR_SRC_EVAL_GROUND_TRUTH_COMPUTATION_H_
