// recall@k by ann-benchmarks' definition, so Zyphyr's figures compare with
// published ones (docs/formats.md, "How recall is counted").
//
// For each query, t_k is the true distance of its k-th nearest neighbour.
// The distance of every returned id to the query is RECOMPUTED from the
// vectors (an engine's own reported distances are not trusted); a returned
// id is a hit when that distance <= t_k + epsilon (1e-3), so ties count. Only
// the first k returned ids are looked at; fewer than k count the rest as
// misses. recall@k is the mean over queries of hits / k.
//
// True distances are given in the reported convention (src/core/metric.h);
// ground truth read from a file is brought into it first, whatever sign an ip
// file stores (src/eval/true_distances.h, AnnDatasetReader::ReadDistances).
//
// Distances are compared in "recall orientation", where smaller is closer:
//   l2      true L2 (not squared)      = the reported value
//   cosine  1 - cos(a, b)              = the reported value (ann-benchmarks'
//                                        "angular")
//   ip      -<a, b>                    = minus the reported value
// ann-benchmarks has no inner-product metric; for ip the same rule is applied
// in this orientation: a hit is -<q, x> <= -t_k + epsilon.
//
// Recomputation is in double precision from the raw (unnormalised) vectors.
// All functions are pure and thread-safe.
#ifndef ZYPHYR_SRC_EVAL_RECALL_H_
#define ZYPHYR_SRC_EVAL_RECALL_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "src/core/metric.h"
#include "src/core/status.h"
#include "src/index/neighbor.h"
#include "src/index/top_k_merge.h"

namespace zyphyr {

inline constexpr double kRecallEpsilon = 1e-3;

struct RecallOptions {
  std::size_t k = 10;
  double epsilon = kRecallEpsilon;
};

struct RecallReport {
  double recall = 0.0;            // Mean of per_query.
  std::vector<double> per_query;  // hits / k for each query.
};

// A reported distance (see src/core/metric.h) turned into recall orientation.
double ToRecallOrientation(Metric metric, double reported);

// The distance of `a` to `b` under `metric`, in recall orientation, in
// double precision. Under cosine a zero-norm vector gives NaN (never a hit).
double RecallDistance(Metric metric, std::span<const float> a, std::span<const float> b);

// Hits among the first k entries of `returned` (recall-orientation
// distances): those <= kth_true + epsilon.
std::size_t CountHits(std::span<const double> returned, double kth_true, const RecallOptions& options);

// Recall-orientation distance of returned id `id` to query number `query`.
using RecallDistanceFn = std::function<double(std::size_t query, std::uint64_t id)>;

// The general form: `true_distances[q]` holds query q's true REPORTED
// distances, nearest first (at least k of them); `returned[q]` the ids an
// engine returned for it; `distance` recomputes. Errors (InvalidArgument):
// k == 0, returned.size() != true_distances.size(), or a query with fewer
// than k true distances (named in the message).
Result<RecallReport> ComputeRecall(Metric metric, std::span<const std::vector<float>> true_distances,
                                   std::span<const std::vector<std::uint64_t>> returned,
                                   const RecallDistanceFn& distance, const RecallOptions& options);

// The vectors the distances are recomputed from: raw rows and queries,
// row-major, `dim` floats each. Returned ids are row numbers of `rows`.
struct RecallVectors {
  std::span<const float> rows;
  std::span<const float> queries;
  std::size_t dim = 0;
  Metric metric = Metric::kL2;
};

// ComputeRecall recomputing from `vectors`. Errors as above, plus
// InvalidArgument when dim == 0, the spans are not multiples of dim or the
// query count differs from true_distances.size(), and OutOfRange when a
// returned id is not a row number of `rows`.
Result<RecallReport> ComputeRecall(const RecallVectors& vectors, std::span<const std::vector<float>> true_distances,
                                   std::span<const std::vector<std::uint64_t>> returned, const RecallOptions& options);

// ComputeRecall's rule over the distances a search REPORTED instead of
// recomputed ones, for callers that do not hold the rows (rank 0 of a
// distributed search): the first k slots of each query in `found` (reported
// distances, src/core/metric.h; an unused slot, id kNoId, is a miss) against
// `true_distances`, true reported distances row-major with `truth_cols` per
// query (a file's, AnnDatasetReader::ReadDistances). It is what
// ann-benchmarks' plotting computes from a result file (its knn metric reads
// the distances the file holds), so the figure is the one a result file
// written from `found` reads back with. 0 when there are no queries or k is 0.
// Precondition: k <= found.k, k <= truth_cols, found.queries * truth_cols <=
// true_distances.size().
double ReportedDistanceRecall(Metric metric, const TopKLists& found, std::span<const float> true_distances,
                              std::size_t truth_cols, std::size_t k);

// Helpers to split search results: their reported distances (for ground
// truth) and their ids (for what an engine returned).
std::vector<std::vector<float>> DistancesOf(std::span<const std::vector<Neighbor>> results);
std::vector<std::vector<std::uint64_t>> IdsOf(std::span<const std::vector<Neighbor>> results);

// Id-overlap recall@k (big-ann-benchmarks' rule; printed only as such, e.g.
// bench's "id-recall" column under ip): the fraction of the first k true ids of each query
// (row-major `truth`, truth_cols >= k per query) found among the ids in
// `found`'s slots for that query. Unlike the distance-based recall above it
// ignores ties; it needs no vectors, only a file's stored ground truth.
// Precondition: found.queries * truth_cols <= truth.size(), k <= truth_cols.
double IdOverlapRecall(const TopKLists& found, std::span<const std::int64_t> truth, std::size_t truth_cols,
                       std::size_t k);

// The same over the ids an engine returned per query (the first k of each
// looked at; fewer count the rest as misses). 0 when there are no queries.
// Precondition: returned.size() * truth_cols <= truth.size(), k <= truth_cols.
double IdOverlapRecall(std::span<const std::vector<std::uint64_t>> returned, std::span<const std::int64_t> truth,
                       std::size_t truth_cols, std::size_t k);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_EVAL_RECALL_H_
