// Synthetic data sets for demos, benchmarks and tests.
//
// Every generator is a pure function of its arguments: the same call gives
// the same floats on every run and every machine (the random numbers come
// from std::mt19937_64 and Zyphyr's own Box-Muller transform, not from the
// implementation-defined std::normal_distribution).
//
// A data set and its queries are two streams of one distribution: call the
// generator with the same seed and SampleStream::kBase, then
// SampleStream::kQueries. Both streams share the cluster centres (which
// depend on the seed only) but draw different points.
#ifndef ZYPHYR_SRC_DATA_SYNTHETIC_H_
#define ZYPHYR_SRC_DATA_SYNTHETIC_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "src/core/status.h"

namespace zyphyr {

// n vectors of dim floats, row-major.
struct Dataset {
  std::size_t n = 0;
  std::size_t dim = 0;
  std::vector<float> rows;  // n * dim floats.

  std::span<const float> row(std::size_t i) const { return {rows.data() + i * dim, dim}; }
};

enum class SampleStream : std::uint64_t {
  kBase = 0,
  kQueries = 1,
};

// Cluster centres are drawn from N(0, kCentreSigma^2) per component, points
// from N(centre, kPointSigma^2) around a centre chosen uniformly at random.
// With these values the clusters are well apart in any dimension >= 8 while
// each cluster is wide enough for a navigable graph inside it.
inline constexpr float kCentreSigma = 1.0f;
inline constexpr float kPointSigma = 0.4f;

// n points from a mixture of `clusters` isotropic Gaussians in dim
// dimensions. Errors (InvalidArgument): dim == 0, clusters == 0.
Result<Dataset> ClusteredGaussian(std::size_t n, std::size_t dim, std::size_t clusters, std::uint64_t seed,
                                  SampleStream stream = SampleStream::kBase);

// n points from a mixture of `clusters` flat Gaussians: each cluster spans
// its own random intrinsic_dim-dimensional subspace (a dim x intrinsic_dim
// matrix of N(0, kPointSigma^2 / intrinsic_dim) entries, so a coordinate's
// spread matches ClusteredGaussian's), plus isotropic noise of
// kSubspaceNoiseSigma per coordinate. Real embeddings look like this: their
// neighbourhoods have a low intrinsic dimension, which is what lets graphs
// and quantizers work; the isotropic mixture is the worst case instead.
// intrinsic_dim == 0 or >= dim gives exactly ClusteredGaussian's points.
// Errors (InvalidArgument): dim == 0, clusters == 0.
inline constexpr float kSubspaceNoiseSigma = 0.02f;
Result<Dataset> ClusteredSubspaces(std::size_t n, std::size_t dim, std::size_t clusters, std::size_t intrinsic_dim,
                                   std::uint64_t seed, SampleStream stream = SampleStream::kBase);

// n points uniform in [-1, 1]^dim. Errors (InvalidArgument): dim == 0.
Result<Dataset> Uniform(std::size_t n, std::size_t dim, std::uint64_t seed,
                        SampleStream stream = SampleStream::kBase);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_DATA_SYNTHETIC_H_
