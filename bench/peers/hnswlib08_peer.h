// Hnswlib08Peer: hnswlib 0.8.0 (the release bundled in the hnswlib-node@3.0.0
// npm package, fetched by scripts/fetch_peers.sh) behind the interface of
// HnswlibPeer, so the bench measures the newest hnswlib beside Debian's 0.6.2.
//
// hnswlib is compiled the way its own build compiles it (-O3 -march=native)
// inside bench/peers/hnswlib_peer.cpp only (compiled a second time for 0.8),
// with its namespace renamed there so that
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
  // (InvalidArgument): dim == 0, M < 2; the message of any exception hnswlib
  // throws (Internal).
  static Result<std::unique_ptr<Hnswlib08Peer>> Create(std::size_t dim, Metric metric, std::size_t max_elements,
                                                     std::size_t M, std::size_t ef_construction, std::uint64_t seed);
  // Loads an index written by Save (hnswlib's loadIndex: the whole file is
  // read into memory). Errors: Internal with hnswlib's message.
  static Result<std::unique_ptr<Hnswlib08Peer>> Load(const std::string& path, std::size_t dim, Metric metric);
  ~Hnswlib08Peer();

  // hnswlib's saveIndex. Errors: IOError/Internal with hnswlib's message.
  Status Save(const std::string& path) const;
  Hnswlib08Peer(const Hnswlib08Peer&) = delete;
  Hnswlib08Peer& operator=(const Hnswlib08Peer&) = delete;

  // Inserts the rows given row-major in `rows` (a multiple of dim floats)
  // with labels first_label, first_label + 1, ... on `threads` threads (0:
  // one per hardware thread) pulling rows from a shared counter, as
  // hnswlib's Python bindings do. Errors: InvalidArgument for a ragged batch
  // or one past max_elements; Internal with hnswlib's message when it throws.
  // `progress`, when set, gets (rows inserted, total) now and then from the
  // inserting threads.
  Status AddBatch(std::span<const float> rows, std::uint64_t first_label, std::size_t threads,
                  const std::function<void(std::size_t, std::size_t)>& progress = {});

  // hnswlib's search beam width (it uses max(ef, k)).
  void SetEf(std::size_t ef);

  // The k nearest labels to `query` (dim floats), nearest first, with
  // hnswlib's own distance (see above).
  std::vector<std::pair<float, std::uint64_t>> Search(std::span<const float> query, std::size_t k) const;

  std::size_t size() const;
  std::size_t dim() const;

  // Bytes held by the index: level-0 block (links, vector, label) for
  // max_elements rows, upper-level link lists, per-element locks and levels,
  // and an estimate of the label hash map.
  std::size_t MemoryBytes() const;

  // "0.8.0".
  static std::string Version();

 private:
  struct Impl;
  // An Impl with the dimension, normalisation and hnswlib space of `metric`; no index yet.
  static std::unique_ptr<Impl> MakeImpl(std::size_t dim, Metric metric);
  explicit Hnswlib08Peer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_PEERS_HNSWLIB08_PEER_H_
