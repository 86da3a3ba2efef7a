#include "src/core/squared_norm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace zyphyr {
namespace {

TEST(SquaredNorm, MatchesARunningSumForEveryTailLength) {
  std::mt19937 rng(7);
  std::normal_distribution<float> gauss(0.0f, 3.0f);
  for (std::size_t n = 0; n <= 37; ++n) {
    std::vector<float> x(n);
    long double want = 0.0L;
    for (float& v : x) {
      v = gauss(rng);
      want += static_cast<long double>(v) * v;
    }
    EXPECT_NEAR(SquaredNorm(x.data(), n), static_cast<double>(want), 1e-13 * static_cast<double>(want)) << "n " << n;
  }
}

TEST(SquaredNorm, IsExactOnSmallIntegers) {
  std::vector<float> x(101);
  double want = 0.0;
  for (std::size_t j = 0; j < x.size(); ++j) {
    x[j] = static_cast<float>(j);
    want += static_cast<double>(j * j);
  }
  EXPECT_EQ(SquaredNorm(x.data(), x.size()), want);
}

// PrepareVector tells finite vectors from the rest by the norm alone.
TEST(SquaredNorm, IsFiniteExactlyWhenEveryComponentIs) {
  const float big = std::numeric_limits<float>::max();
  std::vector<float> x(784, big);
  EXPECT_TRUE(std::isfinite(SquaredNorm(x.data(), x.size())));
  for (std::size_t at : {0u, 1u, 2u, 3u, 781u, 783u}) {
    for (float bad : {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                      std::numeric_limits<float>::quiet_NaN()}) {
      std::vector<float> y(784, 1.0f);
      y[at] = bad;
      EXPECT_FALSE(std::isfinite(SquaredNorm(y.data(), y.size()))) << "at " << at << " value " << bad;
    }
  }
}

}  // namespace
}  // namespace zyphyr
