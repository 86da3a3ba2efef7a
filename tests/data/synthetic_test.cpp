#include "src/data/synthetic.h"

#include <cmath>

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

}  // namespace
}  // namespace zyphyr
