// Ground-truth distances as a file stores them, checked and brought into the
// reported convention (src/core/metric.h) that recall counts against
// (src/eval/recall.h).
//
// Under l2 and cosine a row of true distances, nearest first, is ascending by
// definition. Under ip tools disagree on the sign: Zyphyr's own writers
// (src/eval/ground_truth.h, `zyphyr dataset groundtruth|subset|synthetic`)
// store the inner products <q, x>, larger is closer, so each row descends;
// tools for which "smaller is closer" store -<q, x>, ascending. The order of
// the rows tells the two apart; a constant row fits both.
//
// Pure and thread-safe.
#ifndef ZYPHYR_SRC_EVAL_TRUE_DISTANCES_H_
#define ZYPHYR_SRC_EVAL_TRUE_DISTANCES_H_

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "src/core/metric.h"
#include "src/core/status.h"

namespace zyphyr {

// What NormalizeTrueDistances found.
enum class TrueDistanceSign {
  kReported,  // The values were in the reported convention already; left as they are.
  kNegated,   // ip only: the values were -<q, x> (rows ascending); they are negated now.
};

// Checks `distances` (row-major rows of `cols` values, each row nearest
// first; cols >= 1, distances.size() a multiple of cols) and rewrites them in
// place into the reported convention:
//   l2, cosine: every row must be non-decreasing; nothing is rewritten.
//   ip: every row non-increasing (the values are <q, x>: kept) or every row
//       non-decreasing (-<q, x>: negated). All rows must agree; a constant
//       row agrees with both.
// Errors (InvalidArgument; `distances` unchanged), each starting with `what`,
// which names the data (e.g. "dataset 'distances'"); rows and columns count
// from 0:
//   "<what> row 3 is not ascending (column 2 holds 0.5 after 0.75): l2
//    distances are stored nearest (smallest) first"
//   "<what> row 3 is neither ascending nor descending"                      (ip)
//   "<what> rows disagree in order (row 0 descending, row 3 ascending): cannot
//    tell the inner-product sign convention (<q, x> descending or -<q, x>
//    ascending)"                                                           (ip)
//   "<what> rows are all constant: cannot tell the inner-product sign
//    convention (<q, x> descending or -<q, x> ascending)"                  (ip)
// No rows at all is kReported. Under ip, `if_all_constant` (when given; e.g.
// told by recomputing a stored distance from the vectors, as the dataset
// reader does) decides instead of the last error: ground truth for k = 1
// has only constant rows.
Result<TrueDistanceSign> NormalizeTrueDistances(Metric metric, std::span<float> distances, std::size_t cols,
                                                std::string_view what,
                                                std::optional<TrueDistanceSign> if_all_constant = std::nullopt);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_EVAL_TRUE_DISTANCES_H_
