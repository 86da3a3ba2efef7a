#include "src/data/synthetic.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <string>

namespace zyphyr {
namespace {

// SplitMix64 finaliser: turns (seed, purpose) into well-spread generator
// seeds, so neighbouring seeds and streams give unrelated sequences.
std::uint64_t Mix(std::uint64_t seed, std::uint64_t purpose) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (purpose + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr std::uint64_t kCentrePurpose = 0x100;
constexpr std::uint64_t kPointPurpose = 0x200;
constexpr std::uint64_t kRowBlockPurpose = 0x300;

// A double in [0, 1) from the top 53 bits.
double Unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// Standard normal samples by the Box-Muller transform, both outputs used.
class NormalSampler {
 public:
  explicit NormalSampler(std::uint64_t seed) : rng_(seed) {}

  double Next() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = 1.0 - Unit(rng_);  // (0, 1]: log(u1) is finite.
    double u2 = Unit(rng_);
    double r = std::sqrt(-2.0 * std::log(u1));
    double theta = 2.0 * std::numbers::pi * u2;
    spare_ = r * std::sin(theta);
    has_spare_ = true;
    return r * std::cos(theta);
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace

Result<Dataset> ClusteredGaussian(std::size_t n, std::size_t dim, std::size_t clusters, std::uint64_t seed,
                                  SampleStream stream) {
  if (dim == 0) return Status::InvalidArgument("synthetic data: dimension must be at least 1");
  if (clusters == 0) return Status::InvalidArgument("synthetic data: clusters must be at least 1");

  NormalSampler centre_sampler(Mix(seed, kCentrePurpose));
  std::vector<double> centres(clusters * dim);
  for (double& c : centres) c = kCentreSigma * centre_sampler.Next();

  NormalSampler sampler(Mix(seed, kPointPurpose + static_cast<std::uint64_t>(stream)));
  Dataset out{n, dim, std::vector<float>(n * dim)};
  for (std::size_t i = 0; i < n; ++i) {
    // Modulo bias is below clusters / 2^64: negligible.
    std::size_t c = static_cast<std::size_t>(sampler.rng()() % clusters);
    const double* centre = centres.data() + c * dim;
    float* row = out.rows.data() + i * dim;
    for (std::size_t j = 0; j < dim; ++j) row[j] = static_cast<float>(centre[j] + kPointSigma * sampler.Next());
  }
  return out;
}

Result<Dataset> ClusteredSubspaces(std::size_t n, std::size_t dim, std::size_t clusters, std::size_t intrinsic_dim,
                                   std::uint64_t seed, SampleStream stream) {
  if (intrinsic_dim == 0 || intrinsic_dim >= dim) return ClusteredGaussian(n, dim, clusters, seed, stream);
  if (clusters == 0) return Status::InvalidArgument("synthetic data: clusters must be at least 1");

  // Centres as ClusteredGaussian draws them, then each cluster's basis from
  // the same stream (both depend on the seed only).
  NormalSampler centre_sampler(Mix(seed, kCentrePurpose));
  std::vector<double> centres(clusters * dim);
  for (double& c : centres) c = kCentreSigma * centre_sampler.Next();
  const double basis_sigma = kPointSigma / std::sqrt(static_cast<double>(intrinsic_dim));
  std::vector<double> bases(clusters * dim * intrinsic_dim);  // Cluster c: row-major dim x intrinsic_dim.
  for (double& b : bases) b = basis_sigma * centre_sampler.Next();

  NormalSampler sampler(Mix(seed, kPointPurpose + static_cast<std::uint64_t>(stream)));
  Dataset out{n, dim, std::vector<float>(n * dim)};
  std::vector<double> latent(intrinsic_dim);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t c = static_cast<std::size_t>(sampler.rng()() % clusters);
    for (double& z : latent) z = sampler.Next();
    const double* centre = centres.data() + c * dim;
    const double* basis = bases.data() + c * dim * intrinsic_dim;
    float* row = out.rows.data() + i * dim;
    for (std::size_t j = 0; j < dim; ++j) {
      double x = centre[j] + kSubspaceNoiseSigma * sampler.Next();
      const double* b = basis + j * intrinsic_dim;
      for (std::size_t t = 0; t < intrinsic_dim; ++t) x += b[t] * latent[t];
      row[j] = static_cast<float>(x);
    }
  }
  return out;
}

Result<Dataset> Uniform(std::size_t n, std::size_t dim, std::uint64_t seed, SampleStream stream) {
  if (dim == 0) return Status::InvalidArgument("synthetic data: dimension must be at least 1");
  std::mt19937_64 rng(Mix(seed, kPointPurpose + static_cast<std::uint64_t>(stream)));
  Dataset out{n, dim, std::vector<float>(n * dim)};
  for (float& x : out.rows) x = static_cast<float>(2.0 * Unit(rng) - 1.0);
  return out;
}

Result<SyntheticRows> SyntheticRows::Create(const SyntheticSpec& spec, SampleStream stream) {
  if (spec.dim == 0) return Status::InvalidArgument("synthetic data: dimension must be at least 1");
  SyntheticRows rows;
  rows.spec_ = spec;
  rows.stream_ = stream;
  if (spec.uniform) return rows;
  if (spec.clusters == 0) return Status::InvalidArgument("synthetic data: clusters must be at least 1");
  const std::size_t dim = spec.dim;
  rows.intrinsic_dim_ = spec.intrinsic_dim < dim ? spec.intrinsic_dim : 0;
  // Centres, then bases, from the seed alone (as ClusteredSubspaces draws them).
  NormalSampler centre_sampler(Mix(spec.seed, kCentrePurpose));
  rows.centres_.resize(spec.clusters * dim);
  for (double& c : rows.centres_) c = kCentreSigma * centre_sampler.Next();
  if (rows.intrinsic_dim_ > 0) {
    const double basis_sigma = kPointSigma / std::sqrt(static_cast<double>(rows.intrinsic_dim_));
    rows.bases_.resize(spec.clusters * dim * rows.intrinsic_dim_);
    for (double& b : rows.bases_) b = basis_sigma * centre_sampler.Next();
  }
  return rows;
}

void SyntheticRows::GenerateBlock(std::size_t block, std::size_t skip, std::size_t count, float* out) const {
  const std::size_t dim = spec_.dim;
  const std::uint64_t stream_seed = Mix(spec_.seed, kRowBlockPurpose + static_cast<std::uint64_t>(stream_));
  NormalSampler sampler(Mix(stream_seed, block));
  std::vector<float> dropped(dim);
  std::vector<double> latent(intrinsic_dim_);
  for (std::size_t i = 0; i < skip + count; ++i) {
    float* row = i < skip ? dropped.data() : out + (i - skip) * dim;
    if (spec_.uniform) {
      for (std::size_t j = 0; j < dim; ++j) row[j] = static_cast<float>(2.0 * Unit(sampler.rng()) - 1.0);
      continue;
    }
    const std::size_t c = static_cast<std::size_t>(sampler.rng()() % spec_.clusters);
    const double* centre = centres_.data() + c * dim;
    if (intrinsic_dim_ == 0) {
      for (std::size_t j = 0; j < dim; ++j) row[j] = static_cast<float>(centre[j] + kPointSigma * sampler.Next());
      continue;
    }
    for (double& z : latent) z = sampler.Next();
    const double* basis = bases_.data() + c * dim * intrinsic_dim_;
    for (std::size_t j = 0; j < dim; ++j) {
      double x = centre[j] + kSubspaceNoiseSigma * sampler.Next();
      const double* b = basis + j * intrinsic_dim_;
      for (std::size_t t = 0; t < intrinsic_dim_; ++t) x += b[t] * latent[t];
      row[j] = static_cast<float>(x);
    }
  }
}

Status SyntheticRows::Generate(std::size_t begin, std::size_t count, std::span<float> out) const {
  if (out.size() != count * spec_.dim) {
    return Status::InvalidArgument("synthetic data: output holds " + std::to_string(out.size()) + " floats; " +
                                   std::to_string(count) + " rows need " + std::to_string(count * spec_.dim));
  }
  for (std::size_t done = 0; done < count;) {
    const std::size_t row = begin + done;
    const std::size_t block = row / kSyntheticBlockRows;
    const std::size_t skip = row % kSyntheticBlockRows;
    const std::size_t n = std::min(kSyntheticBlockRows - skip, count - done);
    GenerateBlock(block, skip, n, out.data() + done * spec_.dim);
    done += n;
  }
  return Status::Ok();
}

void MapToElementRange(ElementType type, std::span<float> values) {
  if (type == ElementType::kFloat32) return;
  const float offset = type == ElementType::kUint8 ? 128.0f : 0.0f;
  const float lo = ElementMin(type);
  const float hi = ElementMax(type);
  for (float& v : values) v = std::clamp(std::round(offset + 40.0f * v), lo, hi);
}

}  // namespace zyphyr
