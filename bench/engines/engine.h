// Engine: one ANN index behind the interface the benchmark drives, so Zyphyr
// and its peers (hnswlib, FAISS) are built, searched and measured by the same
// code on the same data.
//
// Life cycle: Build once, then for each setting SetEf followed by any number
// of Search calls. Search is thread-safe between two SetEf calls; Build and
// SetEf need exclusive access. Nothing throws: peers' exceptions become
// Status values.
#ifndef ZYPHYR_BENCH_ENGINES_ENGINE_H_
#define ZYPHYR_BENCH_ENGINES_ENGINE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/element_type.h"
#include "src/core/metric.h"
#include "src/core/status.h"
#include "src/index/hnsw_options.h"

namespace zyphyr {

struct EngineBuildParams {
  std::size_t M = kDefaultM;
  std::size_t ef_construction = kDefaultEfConstruction;
  std::size_t threads = 0;  // 0: one per hardware thread.
  std::uint64_t seed = kDefaultSeed;
  // How the dataset publishes its rows: engines that store rows may keep
  // them so (Zyphyr's index directories: uint8 and int8 shards).
  ElementType element_type = ElementType::kFloat32;
  // (rows inserted, total rows), now and then, possibly from several threads.
  std::function<void(std::size_t, std::size_t)> progress;
};

// The checks every engine needs (rows and queries of the built dimension,
// ef and k at least 1, search only after a build) and the ef bookkeeping live
// here, once; an engine implements the Do* hooks and ApplyEf.
class Engine {
 public:
  virtual ~Engine() = default;

  // "zyphyr", "hnswlib", "hnswlib-0.8", "usearch", "faiss".
  virtual std::string_view name() const = 0;
  // Version and build, e.g. "hnswlib 0.6.2 (Debian libhnswlib-dev, -O3 -march=native)".
  virtual std::string description() const = 0;
  // Read once the engine is built (it may name what the build chose, e.g. a
  // peer's SIMD kernel).
  // A caveat printed beside the engine's figures; empty when none.
  virtual std::string note() const { return {}; }

  // Indexes `rows` (row-major, dim floats each); row i gets id i. The ef set
  // so far (SetEf, before or after) applies. Errors: InvalidArgument "<name>
  // engine: 10 floats is not a whole number of rows of dimension 3" (or dim
  // 0) and the engine's own for bad parameters or rows; Internal for a peer
  // failure. A failed build leaves the engine unbuilt.
  Status Build(std::span<const float> rows, std::size_t dim, Metric metric, const EngineBuildParams& params);

  // Beam width of the following searches (each engine raises ef below k to
  // k). InvalidArgument "ef must be at least 1" for 0.
  Status SetEf(std::size_t ef);

  // Writes the ids of the k nearest rows to `query` into `ids` (cleared
  // first), nearest first. Thread-safe. Errors (InvalidArgument): "<name>
  // engine: search before build", "query has dimension 3, expected 4", "k
  // must be at least 1"; the engine's own.
  Status Search(std::span<const float> query, std::size_t k, std::vector<std::uint64_t>* ids) const;

  // Bytes the index holds (vectors, links, ids, bookkeeping); 0 before Build.
  virtual std::size_t MemoryBytes() const = 0;

 protected:
  // Called with rows already checked to be a whole number of dim-float rows.
  virtual Status DoBuild(std::span<const float> rows, std::size_t dim, Metric metric,
                         const EngineBuildParams& params) = 0;
  // Makes `ef` the beam of the next searches; called after a successful
  // build and on every SetEf once built. Engines that take ef per search
  // (DoSearch gets it) need not override.
  virtual void ApplyEf(std::size_t /*ef*/) {}
  // Called once built, with a query of the built dimension, k >= 1 and `ids`
  // empty.
  virtual Status DoSearch(std::span<const float> query, std::size_t k, std::size_t ef,
                          std::vector<std::uint64_t>* ids) const = 0;

 private:
  std::size_t dim_ = 0;  // 0 until built.
  std::size_t ef_ = kDefaultEfSearch;
};

// The engine named `name`. Errors: InvalidArgument "unknown engine 'x'
// (expected zyphyr, hnswlib, hnswlib-0.8, usearch or faiss)"; Unsupported
// "peer 'faiss' was not built (install libfaiss-dev and rebuild)" for a peer
// missing at build time ("... (run scripts/fetch_peers.sh and reconfigure)"
// for the npm peers hnswlib-0.8 and usearch).
Result<std::unique_ptr<Engine>> MakeEngine(std::string_view name);

// Every peer MakeEngine knows, built or not, in report order.
std::vector<std::string> KnownPeers();

// The peers compiled into this binary, in report order.
std::vector<std::string> AvailablePeers();

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_ENGINES_ENGINE_H_
