// UsearchPeer: usearch's index_dense_t (the usearch@2.26.2 npm package,
// fetched by scripts/fetch_peers.sh) behind a small interface, for side-by-
// side benchmarks. usearch is built as its binding.gyp builds it: NumKong's
// kernels (USEARCH_USE_NUMKONG=1) with NumKong's dynamic dispatch, its C
// sources compiled for every ISA its probes find the compiler can emit; the
// kernel is chosen from the CPU at run time, and IsaName() says which.
//
// This header must not include usearch (it is included from code built for
// the baseline ISA).
//
// Parameters: connectivity = M (connectivity_base = 2M, as usearch's
// default), expansion_add = efConstruction, expansion_search = ef. Metrics:
// l2 (l2sq_k), ip (ip_k: 1 - <a, b>), cosine (cos_k, on the rows as given).
//
// Thread safety: AddBatch uses its own threads and must not overlap other
// calls; Search may run concurrently with other Search calls once SetEf is
// done (usearch hands each call a free thread context).
#ifndef ZYPHYR_BENCH_PEERS_USEARCH_PEER_H_
#define ZYPHYR_BENCH_PEERS_USEARCH_PEER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "src/core/metric.h"
#include "src/core/status.h"

namespace zyphyr {

class UsearchPeer {
 public:
  // An empty index for up to max_elements rows of `dim` floats, with thread
  // contexts for `threads` concurrent calls (0: one per hardware thread).
  // Errors: InvalidArgument for dim == 0 or M < 2; Internal with usearch's
  // message.
  static Result<std::unique_ptr<UsearchPeer>> Create(std::size_t dim, Metric metric, std::size_t max_elements,
                                                     std::size_t M, std::size_t ef_construction, std::size_t threads);
  ~UsearchPeer();
  UsearchPeer(const UsearchPeer&) = delete;
  UsearchPeer& operator=(const UsearchPeer&) = delete;

  // Inserts the rows (row-major, a multiple of dim floats) with keys
  // first_key, first_key + 1, ... on `threads` threads (0: one per hardware
  // thread; at most the contexts of Create). Errors: InvalidArgument for a
  // ragged batch or one past max_elements; Internal with usearch's message.
  Status AddBatch(std::span<const float> rows, std::uint64_t first_key, std::size_t threads,
                  const std::function<void(std::size_t, std::size_t)>& progress = {});

  // usearch's expansion_search (it searches with max(expansion, k)).
  void SetEf(std::size_t ef);

  // Appends the keys of the k nearest rows to `query`, nearest first, to
  // `keys`. Errors: Internal with usearch's message.
  Status Search(std::span<const float> query, std::size_t k, std::vector<std::uint64_t>* keys) const;

  // usearch's own memory_usage(): graph, vectors, key lookup, thread contexts.
  std::size_t MemoryBytes() const;

  // "2.26.2".
  static std::string Version();
  // The NumKong kernel the metric dispatched to, e.g. "skylake"; "serial" when
  // no SIMD kernel was found for this CPU.
  std::string IsaName() const;
  // The ISAs NumKong was compiled for, e.g. "serial, haswell, skylake, ...".
  static std::string CompiledIsas();

 private:
  struct Impl;
  explicit UsearchPeer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_PEERS_USEARCH_PEER_H_
