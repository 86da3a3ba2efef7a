// Ground truth computed in parts: each MPI rank runs ComputeGroundTruth
// (src/eval/ground_truth.h) over its own contiguous rows of the train set,
// translates the ids to global row numbers, and rank 0 merges the lists.
// Merging is a pure function, tested without MPI.
//
// The merge ranks by (key, id), the exact double each list was ranked by and
// the global row number, so the result is identical, bit for bit, to one
// ComputeGroundTruth over the whole set, whatever the number of parts: a
// merge by the reported float would mis-order two rows whose keys differ but
// round to the same float.
#ifndef ZYPHYR_SRC_EVAL_GROUND_TRUTH_MERGE_H_
#define ZYPHYR_SRC_EVAL_GROUND_TRUTH_MERGE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "src/core/status.h"
#include "src/eval/ground_truth.h"

namespace zyphyr {

// Adds `offset` to every id (a part's first global row).
void OffsetGroundTruthIds(GroundTruth* truth, std::int64_t offset);

// The k nearest of every query over `parts`, lists over disjoint rows with
// global ids and keys (a part with k == 0, e.g. of a rank without rows, is
// skipped). The result's k is min(k, sum of the parts' k). Errors
// (InvalidArgument): "ground truth merge: no part has rows", "ground truth
// merge: part 2 has 10 queries, part 0 has 50", "ground truth merge: part 1
// holds 5 ids, 5 distances and 0 keys for 10 queries x k 2".
Result<GroundTruth> MergeGroundTruth(std::span<const GroundTruth> parts, std::size_t k);

// A GroundTruth as bytes for a message (host byte order: ranks of one job),
// and back. ParseGroundTruth refuses anything SerializeGroundTruth did not
// make: InvalidArgument "ground truth message of 12 bytes is malformed".
std::string SerializeGroundTruth(const GroundTruth& truth);
Result<GroundTruth> ParseGroundTruth(std::string_view bytes);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_EVAL_GROUND_TRUTH_MERGE_H_
