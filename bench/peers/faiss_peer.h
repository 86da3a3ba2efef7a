// FaissPeer: FAISS's IndexHNSWFlat behind a small interface, for side-by-side
// benchmarks.
//
// The FAISS used is Debian's libfaiss-dev (a static library built for a
// generic x86-64 CPU, parallelised with OpenMP). This header must not include
// FAISS: only faiss_peer.cpp sees it.
//
// Metrics: l2 (METRIC_L2; FAISS reports SQUARED L2), ip
// (METRIC_INNER_PRODUCT; FAISS reports <q, x>, larger first) and cosine (rows
// and queries normalised, then inner product; reported <q, x> of the unit
// vectors, i.e. cos, larger first). A zero row or query stays zero under
// cosine.
//
// Thread safety: Add uses its own OpenMP threads and must not overlap any
// other call; Search, size, dim and MemoryBytes may run concurrently with one
// another. (FAISS 1.7.3 adds per-search counters into its global
// faiss::hnsw_stats without synchronisation; that race touches only those
// statistics, which nothing here reads.)
#ifndef ZYPHYR_BENCH_PEERS_FAISS_PEER_H_
#define ZYPHYR_BENCH_PEERS_FAISS_PEER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "src/core/metric.h"
#include "src/core/status.h"

namespace zyphyr {

class FaissPeer {
 public:
  // An empty IndexHNSWFlat of dimension `dim` with M links per node (2 M on
  // level 0, as FAISS does) and construction beam ef_construction.
  // Errors (InvalidArgument): dim == 0, M < 2, ef_construction == 0, or any
  // of them above INT_MAX (FAISS takes int); Internal with FAISS's message if
  // FAISS throws. Nothing escapes as an exception.
  static Result<std::unique_ptr<FaissPeer>> Create(std::size_t dim, Metric metric, std::size_t M,
                                                   std::size_t ef_construction);
  ~FaissPeer();
  FaissPeer(const FaissPeer&) = delete;
  FaissPeer& operator=(const FaissPeer&) = delete;

  // Adds the rows given row-major in `rows` (a multiple of dim floats) with
  // ids size(), size() + 1, ... (insertion order) on `threads` OpenMP threads
  // (0: one per processor). The calling thread's OpenMP thread count is
  // restored afterwards. Errors: InvalidArgument for a ragged batch or one
  // taking the index past INT_MAX rows (FAISS's graph ids are int32), with
  // nothing added; Internal with FAISS's message when it throws.
  Status Add(std::span<const float> rows, std::size_t threads);

  // Sets the index's own search beam (HNSW::efSearch). Needed besides the
  // per-call `ef` of Search: FAISS 1.7.3 sizes its candidate queue from this
  // member and ignores SearchParametersHNSW::efSearch there (fixed upstream
  // in FAISS PR #3233, 2024). Must not overlap any other call.
  void SetEf(std::size_t ef);

  // The k nearest ids to `query` (dim floats; anything else is a caller bug
  // and aborts with file:line) with search beam `ef`
  // (SearchParametersHNSW::efSearch; FAISS uses max(ef, k); call SetEf(ef)
  // first, see there), nearest first,
  // as (FAISS distance, id); ids of -1 (fewer than k found) are dropped.
  // Empty when k == 0, the index is empty, or FAISS throws.
  //
  // May be called concurrently from many threads. Each call runs FAISS on the
  // calling thread alone: it sets that thread's OpenMP thread count to 1
  // (omp_set_num_threads(1), when omp_get_max_threads() is not already 1)
  // and leaves it so, since FAISS would otherwise open a team of all
  // processors for every single-query search.
  std::vector<std::pair<float, std::int64_t>> Search(std::span<const float> query, std::size_t k, std::size_t ef) const;

  std::size_t size() const;
  std::size_t dim() const;

  // Bytes held (vector capacities): the vectors (IndexFlat codes), the HNSW
  // neighbour slots (int32 each), offsets, levels, assign_probas and
  // cum_nneighbor_per_level.
  std::size_t MemoryBytes() const;

  // "faiss 1.7.3 (Debian libfaiss-dev, generic x86-64 build)", the numbers
  // from the FAISS headers compiled against.
  static std::string Version();

 private:
  struct Impl;
  explicit FaissPeer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_PEERS_FAISS_PEER_H_
