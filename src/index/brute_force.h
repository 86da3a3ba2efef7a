// Exact k-nearest-neighbour search: the oracle approximate indexes are
// measured against.
//
// Distances follow the engine's own definition (src/core/metric.h): queries
// are prepared with PrepareVector exactly as HnswIndex::Search prepares them,
// distances come from the process's distance kernels (ProcessKernels()), rows
// are ranked by internal distance with ties broken by the smaller id, and the
// reported value is ReportedDistance() of the internal one. An approximate
// index that finds the true neighbours therefore returns the same list.
//
// Thread safety: reads `store` only; callers may run several searches at
// once.
#ifndef ZYPHYR_SRC_INDEX_BRUTE_FORCE_H_
#define ZYPHYR_SRC_INDEX_BRUTE_FORCE_H_

#include <cstddef>
#include <span>
#include <vector>

#include "src/core/status.h"
#include "src/core/vector_store.h"
#include "src/index/neighbor.h"

namespace zyphyr {

// For each of the queries given row-major in `queries` (q * store.dim()
// floats, raw: not normalised, not padded), the min(k, store.size()) nearest
// rows of `store`, nearest first; Neighbor::id is the row's id in the store.
// `threads` worker threads split the queries; 0 means one per hardware
// thread.
//
// Errors: InvalidArgument when k == 0, when queries.size() is not a multiple
// of store.dim(), or when a query is rejected by PrepareVector (the message
// names "query <i>", the first bad one); the error of ProcessKernels() when
// no kernels are usable. No partial results are returned.
Result<std::vector<std::vector<Neighbor>>> ExactSearch(const VectorStore& store, std::span<const float> queries,
                                                       std::size_t k, std::size_t threads);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_BRUTE_FORCE_H_
