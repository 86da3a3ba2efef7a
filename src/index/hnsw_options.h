// Options for building and searching an HNSW index, with their defaults named
// in one place.
#ifndef ZYPHYR_SRC_INDEX_HNSW_OPTIONS_H_
#define ZYPHYR_SRC_INDEX_HNSW_OPTIONS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace zyphyr {

inline constexpr std::size_t kDefaultM = 16;
inline constexpr std::size_t kDefaultEfConstruction = 200;
inline constexpr std::size_t kDefaultEfSearch = 64;
inline constexpr std::size_t kDefaultK = 10;
inline constexpr std::uint64_t kDefaultSeed = 42;

// Largest M accepted (degree on level 0 is 2M).
inline constexpr std::size_t kMaxM = 256;

// How a build under ip measures the distance between two stored rows (a
// search always ranks rows by -<q, x>; see src/index/build_distance.h).
enum class InnerProductGraph {
  // -<x, y>, the search's own distance.
  kInnerProduct,
  // l2 between the norm-augmented rows [x, sqrt(R^2 - |x|^2)]. Lowered
  // recall on every set measured so far (docs/performance.md, "Inner product
  // without normalisation"), hence not the default.
  kAugmentedL2,
};

struct HnswBuildOptions {
  // Links per node on upper levels; level 0 keeps up to 2*M. 2 <= M <= kMaxM.
  std::size_t M = kDefaultM;
  // Beam width while inserting. Values below M are raised to M.
  std::size_t ef_construction = kDefaultEfConstruction;
  // Insertion threads; 0 means one per hardware thread.
  std::size_t threads = 1;
  // Seed of the level draw. A single-threaded build is a deterministic
  // function of the data, the options and this seed.
  std::uint64_t seed = kDefaultSeed;
  // Called now and then from the building threads with (inserted, total);
  // may be empty. Must be thread-safe.
  std::function<void(std::size_t, std::size_t)> progress = {};
  // Under ip only (other metrics ignore it). Not stored in shard files: the
  // graph it gives is searched like any other.
  InnerProductGraph ip_graph = InnerProductGraph::kInnerProduct;
};

struct HnswSearchOptions {
  // Neighbours to return (fewer when the index holds fewer vectors).
  std::size_t k = kDefaultK;
  // Beam width on level 0. An ef below k is raised to k (see EffectiveEf).
  std::size_t ef = kDefaultEfSearch;
  // Indexes searched with codes (int8, pq): how many of the best candidates
  // by code distance are re-ranked with the full vectors. 0: a default for
  // the encoding; a value below k is raised to k (see EffectiveRerank in
  // src/index/quantized_searcher.h).
  std::size_t rerank = 0;
};

// The beam width a search actually uses.
inline std::size_t EffectiveEf(const HnswSearchOptions& options) { return std::max(options.ef, options.k); }

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_HNSW_OPTIONS_H_
