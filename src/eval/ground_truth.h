// Exact ground truth: the true k nearest train rows of every query, the list
// an ann-benchmarks file stores as `neighbors` / `distances` (docs/formats.md).
//
// The result is EXACTLY what a naive double-precision brute force gives:
// every distance is evaluated in double from the raw float vectors,
//   l2      sqrt(sum_j (x_j - q_j)^2)                      reported: true L2
//   cosine  1 - <q, x> / (sqrt(<q, q>) * sqrt(<x, x>))     reported: 1 - cos
//   ip      <q, x>                                         reported: <q, x>
// with every sum taken in index order j = 0, 1, ..., dim - 1 (the formulas of
// RecallDistance in src/eval/recall.h), rows ranked by that double value
// (under l2 by the squared sum, before the square root; under ip the larger
// product first) with ties broken by the smaller row number, and the reported
// value rounded once to float.
//
// It is computed much faster than the naive loop: float matrix products
// (Eigen GEMM) give an approximate distance for every (query, row) pair, and
// only pairs that a rigorous bound on the GEMM's rounding error cannot rule
// out are evaluated exactly (see ground_truth_exact.h and
// ground_truth_computation.h).
//
// Memory: one block of train rows (two under cosine: raw and normalised) and
// their norms, the queries (plus a normalised copy under cosine), one GEMM
// output buffer of at most 4 MiB per thread, the per-query lists (16 bytes
// per query and neighbour) and the result.
//
// Thread safety: the functions are reentrant; `read_train` and `progress` are
// called from the calling thread only, never concurrently.
#ifndef ZYPHYR_SRC_EVAL_GROUND_TRUTH_H_
#define ZYPHYR_SRC_EVAL_GROUND_TRUTH_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "src/core/metric.h"
#include "src/core/status.h"

namespace zyphyr {

// Reads train rows [begin, begin + count) row-major into out (count * dim
// floats). ComputeGroundTruth asks for consecutive blocks, in order.
using RowReader = std::function<Status(std::size_t begin, std::size_t count, std::span<float> out)>;

struct GroundTruthOptions {
  std::size_t k = 100;
  std::size_t threads = 0;               // 0: one per hardware thread.
  std::size_t train_block_rows = 16384;  // Train rows per block read through the RowReader.
  // Called from the calling thread after each train block: rows of train
  // processed so far, total rows. The last call has done == total.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

struct GroundTruth {
  std::size_t queries = 0;
  std::size_t k = 0;              // min(options.k, train_rows).
  std::vector<std::int64_t> ids;  // queries x k, row-major, nearest first, ties broken by the smaller id.
  std::vector<float> distances;   // queries x k: REPORTED distances (see the table above): l2 -> true L2,
                                  // cosine -> 1 - cos, ip -> <q, x> (larger is closer).
  // queries x k: the exact double values the rows are ranked by, smaller
  // first (l2 the squared distance, cosine 1 - cos, ip -<q, x>). Distinct
  // keys may round to one reported float, so lists computed over parts of
  // the train set merge exactly only by (key, id): src/eval/ground_truth_merge.h.
  std::vector<double> keys;
};

// The exact k nearest rows of a train set of `train_rows` rows of `dim`
// floats, streamed through `read_train` in blocks of
// options.train_block_rows, for each of the queries given row-major in
// `queries` (raw: not normalised). Ids are row numbers 0 .. train_rows - 1.
//
// Errors, checked in this order; no partial result is ever returned:
// - InvalidArgument "ground truth: dimension must be at least 1" (dim == 0),
//   "ground truth: k must be at least 1", "ground truth: the train set has no
//   rows", "ground truth: train_block_rows must be at least 1",
//   "ground truth: 10 query floats is not a multiple of the dimension 3",
//   "ground truth: no queries";
// - InvalidArgument for the first bad query, in PrepareVector's words:
//   "query 3 has a non-finite component (NaN) at index 5" (or Inf), and
//   under cosine "query 3 has zero norm, which the cosine metric cannot use";
// - InvalidArgument for the first bad train row, found while streaming:
//   "train row 17 has a non-finite component (Inf) at index 2" and, under
//   cosine, "train row 17 has zero norm, which the cosine metric cannot use";
// - any error read_train returns, unchanged.
Result<GroundTruth> ComputeGroundTruth(const RowReader& read_train, std::size_t train_rows,
                                       std::span<const float> queries, std::size_t dim, Metric metric,
                                       const GroundTruthOptions& options);

// The same over an in-memory train set (row-major, train.size() / dim rows).
// Errors: as above, plus InvalidArgument "ground truth: 10 train floats is
// not a multiple of the dimension 3" (checked right after dim == 0).
Result<GroundTruth> ComputeGroundTruth(std::span<const float> train, std::span<const float> queries, std::size_t dim,
                                       Metric metric, const GroundTruthOptions& options);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_EVAL_GROUND_TRUTH_H_
