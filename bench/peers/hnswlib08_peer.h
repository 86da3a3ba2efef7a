// Hnswlib08Peer: hnswlib 0.8.0 (the release bundled in the hnswlib-node@3.0.0
// npm package, fetched by scripts/fetch_peers.sh) behind the interface of
// HnswlibPeer, so the bench measures the newest hnswlib beside Debian's 0.6.2.
//
// hnswlib is compiled the way its own build compiles it (-O3 -march=native)
// inside hnswlib08_peer.cpp only, with its namespace renamed there so that
// its inline functions never merge with those of Debian's hnswlib linked into
// the same binary; this header must not include hnswlib.
//
// Metrics as HnswlibPeer: l2 (L2Space), ip (InnerProductSpace, 1 - <a, b>),
// cosine (rows and queries normalised, then InnerProductSpace).
//
// Thread safety: AddBatch uses its own threads and must not overlap other
// calls; Search may run concurrently with other Search calls once SetEf is
// done.
#ifndef ZYPHYR_BENCH_PEERS_HNSWLIB08_PEER_H_
#define ZYPHYR_BENCH_PEERS_HNSWLIB08_PEER_H_

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

class Hnswlib08Peer {
 public:
  // An empty index for up to max_elements rows of `dim` floats. Errors
  // (InvalidArgument): dim == 0, M < 2; Internal with hnswlib's message.
  static Result<std::unique_ptr<Hnswlib08Peer>> Create(std::size_t dim, Metric metric, std::size_t max_elements,
                                                       std::size_t M, std::size_t ef_construction,
                                                       std::uint64_t seed);
  ~Hnswlib08Peer();
  Hnswlib08Peer(const Hnswlib08Peer&) = delete;
  Hnswlib08Peer& operator=(const Hnswlib08Peer&) = delete;

  // As HnswlibPeer::AddBatch: labels first_label, first_label + 1, ... on
  // `threads` threads (0: one per hardware thread), the first row of an empty
  // index alone. Errors: InvalidArgument for a ragged batch or one past
  // max_elements; Internal with hnswlib's message.
  Status AddBatch(std::span<const float> rows, std::uint64_t first_label, std::size_t threads,
                  const std::function<void(std::size_t, std::size_t)>& progress = {});

  // hnswlib's search beam width (it uses max(ef, k)).
  void SetEf(std::size_t ef);

  // The k nearest labels to `query` (dim floats), nearest first.
  std::vector<std::pair<float, std::uint64_t>> Search(std::span<const float> query, std::size_t k) const;

  // Bytes held by the index, counted as HnswlibPeer::MemoryBytes does.
  std::size_t MemoryBytes() const;

  // "0.8.0".
  static std::string Version();

 private:
  struct Impl;
  explicit Hnswlib08Peer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_PEERS_HNSWLIB08_PEER_H_
