#include "src/data/synthetic.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace zyphyr {
namespace {

TEST(SyntheticTest, ClusteredHasRequestedShape) {
  Result<Dataset> d = ClusteredGaussian(100, 7, 3, 1);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->n, 100u);
  EXPECT_EQ(d->dim, 7u);
  EXPECT_EQ(d->rows.size(), 700u);
  EXPECT_EQ(d->row(99).size(), 7u);
  for (float x : d->rows) EXPECT_TRUE(std::isfinite(x));
}

TEST(SyntheticTest, SameSeedSameData) {
  Result<Dataset> a = ClusteredGaussian(50, 16, 4, 42);
  Result<Dataset> b = ClusteredGaussian(50, 16, 4, 42);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->rows, b->rows);
  Result<Dataset> u = Uniform(50, 16, 42);
  Result<Dataset> v = Uniform(50, 16, 42);
  ASSERT_TRUE(u.ok() && v.ok());
  EXPECT_EQ(u->rows, v->rows);
}

TEST(SyntheticTest, DifferentSeedsAndStreamsDiffer) {
  Result<Dataset> a = ClusteredGaussian(50, 16, 4, 42);
  Result<Dataset> b = ClusteredGaussian(50, 16, 4, 43);
  Result<Dataset> q = ClusteredGaussian(50, 16, 4, 42, SampleStream::kQueries);
  ASSERT_TRUE(a.ok() && b.ok() && q.ok());
  EXPECT_NE(a->rows, b->rows);
  EXPECT_NE(a->rows, q->rows);
  EXPECT_NE(Uniform(50, 16, 1)->rows, Uniform(50, 16, 2)->rows);
  EXPECT_NE(Uniform(50, 16, 1)->rows, Uniform(50, 16, 1, SampleStream::kQueries)->rows);
}

TEST(SyntheticTest, PrefixIsStableAcrossSizes) {
  // The i-th point depends only on the draws before it, not on n.
  Result<Dataset> small = ClusteredGaussian(10, 8, 4, 5);
  Result<Dataset> large = ClusteredGaussian(20, 8, 4, 5);
  ASSERT_TRUE(small.ok() && large.ok());
  EXPECT_TRUE(std::equal(small->rows.begin(), small->rows.end(), large->rows.begin()));
}

TEST(SyntheticTest, QueriesComeFromTheSameClusters) {
  // Each query lies far closer to some base point than clusters lie apart.
  const std::size_t dim = 32;
  Result<Dataset> base = ClusteredGaussian(400, dim, 4, 9);
  Result<Dataset> queries = ClusteredGaussian(20, dim, 4, 9, SampleStream::kQueries);
  ASSERT_TRUE(base.ok() && queries.ok());
  for (std::size_t q = 0; q < queries->n; ++q) {
    double best = 1e30;
    for (std::size_t i = 0; i < base->n; ++i) {
      double d = 0;
      for (std::size_t j = 0; j < dim; ++j) {
        double t = queries->row(q)[j] - base->row(i)[j];
        d += t * t;
      }
      best = std::min(best, d);
    }
    // Same cluster: about 2 * sigma^2 * dim = 10.2; other cluster: about 2 * (1 + sigma^2) * dim = 74.
    EXPECT_LT(best, 20.0) << "query " << q;
  }
}

TEST(SyntheticTest, UniformStaysInTheCube) {
  Result<Dataset> u = Uniform(1000, 3, 7);
  ASSERT_TRUE(u.ok());
  for (float x : u->rows) {
    EXPECT_GE(x, -1.0f);
    EXPECT_LE(x, 1.0f);
  }
}

TEST(SyntheticTest, RejectsZeroDimensionOrClusters) {
  EXPECT_EQ(ClusteredGaussian(10, 0, 2, 1).status().ToString(),
            "invalid argument: synthetic data: dimension must be at least 1");
  EXPECT_EQ(ClusteredGaussian(10, 4, 0, 1).status().ToString(),
            "invalid argument: synthetic data: clusters must be at least 1");
  EXPECT_EQ(Uniform(10, 0, 1).status().ToString(), "invalid argument: synthetic data: dimension must be at least 1");
  Result<Dataset> empty = ClusteredGaussian(0, 4, 2, 1);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->rows.empty());
}

// Residual norms of the first `count` rows, each minus row 0, after
// Gram-Schmidt against the ones before it: how much of each new point lies
// outside the span of the earlier ones.
std::vector<double> Residuals(const Dataset& d, std::size_t count) {
  std::vector<std::vector<double>> basis;
  std::vector<double> out;
  for (std::size_t i = 1; i <= count; ++i) {
    std::vector<double> v(d.dim);
    for (std::size_t j = 0; j < d.dim; ++j) v[j] = d.row(i)[j] - d.row(0)[j];
    for (const std::vector<double>& b : basis) {
      double dot = 0.0;
      for (std::size_t j = 0; j < d.dim; ++j) dot += v[j] * b[j];
      for (std::size_t j = 0; j < d.dim; ++j) v[j] -= dot * b[j];
    }
    double norm = 0.0;
    for (double x : v) norm += x * x;
    norm = std::sqrt(norm);
    out.push_back(norm);
    for (double& x : v) x /= norm;
    basis.push_back(v);
  }
  return out;
}

TEST(SyntheticTest, SubspaceClustersAreFlatAndIsotropicOnesAreNot) {
  constexpr std::size_t kDim = 32, kIntrinsic = 4;
  Result<Dataset> flat = ClusteredSubspaces(64, kDim, 1, kIntrinsic, 5);
  Result<Dataset> round = ClusteredSubspaces(64, kDim, 1, 0, 5);
  ASSERT_TRUE(flat.ok() && round.ok());
  const std::vector<double> f = Residuals(*flat, 12);
  const std::vector<double> r = Residuals(*round, 12);
  // Past the intrinsic dimension only the noise is left.
  for (std::size_t i = kIntrinsic; i < 12; ++i) {
    EXPECT_LT(f[i], 0.15 * f[0]) << "point " << i + 1;
    EXPECT_GT(r[i], 0.5 * r[0]) << "point " << i + 1;
  }
  // A coordinate spreads as in the isotropic mixture (kPointSigma).
  double var = 0.0, mean = 0.0;
  Result<Dataset> many = ClusteredSubspaces(20000, 8, 1, 2, 3);
  ASSERT_TRUE(many.ok());
  for (std::size_t i = 0; i < many->n; ++i) mean += many->row(i)[0];
  mean /= static_cast<double>(many->n);
  for (std::size_t i = 0; i < many->n; ++i) var += (many->row(i)[0] - mean) * (many->row(i)[0] - mean);
  var /= static_cast<double>(many->n);
  // One coordinate of B z has variance sum_t b_t^2, a draw around kPointSigma^2.
  EXPECT_GT(var, 0.01 * kPointSigma * kPointSigma);
  EXPECT_LT(var, 6.0 * kPointSigma * kPointSigma);
}

TEST(SyntheticTest, SubspacesAreDeterministicAndZeroMeansIsotropic) {
  Result<Dataset> a = ClusteredSubspaces(50, 16, 4, 3, 42);
  Result<Dataset> b = ClusteredSubspaces(50, 16, 4, 3, 42);
  Result<Dataset> iso = ClusteredSubspaces(50, 16, 4, 0, 42);
  Result<Dataset> full = ClusteredSubspaces(50, 16, 4, 16, 42);
  Result<Dataset> plain = ClusteredGaussian(50, 16, 4, 42);
  ASSERT_TRUE(a.ok() && b.ok() && iso.ok() && full.ok() && plain.ok());
  EXPECT_EQ(a->rows, b->rows);
  EXPECT_NE(a->rows, plain->rows);
  EXPECT_EQ(iso->rows, plain->rows);
  EXPECT_EQ(full->rows, plain->rows);
  EXPECT_EQ(ClusteredSubspaces(10, 4, 0, 2, 1).status().ToString(),
            "invalid argument: synthetic data: clusters must be at least 1");
}

}  // namespace
}  // namespace zyphyr
