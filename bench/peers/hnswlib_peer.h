// HnswlibPeer: hnswlib's HierarchicalNSW behind a small interface, for side-
// by-side benchmarks.
//
// hnswlib is compiled the way its own build compiles it (-O3 -march=native)
// inside hnswlib_peer.cpp only; this header must not include hnswlib, since
// it is included from code built for the baseline ISA.
//
// Metrics: l2 (hnswlib's L2Space, squared L2), ip (InnerProductSpace,
// 1 - <a, b>) and cosine (rows and queries normalised, then
// InnerProductSpace, as hnswlib's Python bindings do).
//
// Thread safety: AddBatch uses its own threads and must not overlap other
// calls; Search may run concurrently with other Search calls once SetEf is
// done (hnswlib's ef is shared index state).
#ifndef ZYPHYR_BENCH_PEERS_HNSWLIB_PEER_H_
#define ZYPHYR_BENCH_PEERS_HNSWLIB_PEER_H_

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

class HnswlibPeer {
 public:
  // An empty index for up to max_elements rows of `dim` floats. Errors
  // (InvalidArgument): dim == 0, M < 2; the message of any exception hnswlib
  // throws (Internal).
  static Result<std::unique_ptr<HnswlibPeer>> Create(std::size_t dim, Metric metric, std::size_t max_elements,
                                                     std::size_t M, std::size_t ef_construction, std::uint64_t seed);
  // Loads an index written by Save (hnswlib's loadIndex: the whole file is
  // read into memory). Errors: Internal with hnswlib's message.
  static Result<std::unique_ptr<HnswlibPeer>> Load(const std::string& path, std::size_t dim, Metric metric);
  ~HnswlibPeer();

  // hnswlib's saveIndex. Errors: IOError/Internal with hnswlib's message.
  Status Save(const std::string& path) const;
  HnswlibPeer(const HnswlibPeer&) = delete;
  HnswlibPeer& operator=(const HnswlibPeer&) = delete;

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

  // The packaged version hnswlib was found at when configuring, e.g. "0.6.2".
  static std::string Version();

 private:
  struct Impl;
  // An Impl with the dimension, normalisation and hnswlib space of `metric`; no index yet.
  static std::unique_ptr<Impl> MakeImpl(std::size_t dim, Metric metric);
  explicit HnswlibPeer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_PEERS_HNSWLIB_PEER_H_
