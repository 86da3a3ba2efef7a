#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "src/data/synthetic.h"

namespace zyphyr {
namespace {

std::vector<float> Rows(const SyntheticRows& rows, std::size_t begin, std::size_t count) {
  std::vector<float> out(count * rows.dim());
  EXPECT_TRUE(rows.Generate(begin, count, out).ok());
  return out;
}

TEST(SyntheticRows, RowsAreTheSameWhateverRangesAreAsked) {
  for (const SyntheticSpec& spec :
       {SyntheticSpec{5, 4, 0, false, 7}, SyntheticSpec{6, 3, 2, false, 7}, SyntheticSpec{5, 1, 0, true, 7}}) {
    Result<SyntheticRows> rows = SyntheticRows::Create(spec, SampleStream::kBase);
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    const std::size_t n = 2 * kSyntheticBlockRows + 123;
    const std::vector<float> whole = Rows(*rows, 0, n);
    std::vector<float> pieces;
    for (std::size_t begin = 0, step = 1; begin < n; begin += step, step = step * 3 + 1) {
      const std::size_t count = std::min(step, n - begin);
      const std::vector<float> piece = Rows(*rows, begin, count);
      pieces.insert(pieces.end(), piece.begin(), piece.end());
    }
    EXPECT_EQ(pieces, whole);
    for (float x : whole) ASSERT_TRUE(std::isfinite(x));
    if (spec.uniform) {
      for (float x : whole) ASSERT_TRUE(x >= -1.0f && x <= 1.0f);
    }
  }
}

TEST(SyntheticRows, SeedsAndStreamsGiveDifferentRowsAroundSharedCentres) {
  const SyntheticSpec spec{8, 2, 0, false, 11};
  Result<SyntheticRows> base = SyntheticRows::Create(spec, SampleStream::kBase);
  Result<SyntheticRows> again = SyntheticRows::Create(spec, SampleStream::kBase);
  Result<SyntheticRows> queries = SyntheticRows::Create(spec, SampleStream::kQueries);
  SyntheticSpec other = spec;
  other.seed = 12;
  Result<SyntheticRows> reseeded = SyntheticRows::Create(other, SampleStream::kBase);
  ASSERT_TRUE(base.ok() && again.ok() && queries.ok() && reseeded.ok());
  const std::vector<float> b = Rows(*base, 0, 2000);
  EXPECT_EQ(Rows(*again, 0, 2000), b);
  const std::vector<float> q = Rows(*queries, 0, 2000);
  EXPECT_NE(q, b);
  EXPECT_NE(Rows(*reseeded, 0, 2000), b);
  // Two clusters shared by both streams: each stream's mean is near the mean of the same two centres.
  for (std::size_t j = 0; j < spec.dim; ++j) {
    double mb = 0.0, mq = 0.0;
    for (std::size_t i = 0; i < 2000; ++i) {
      mb += b[i * spec.dim + j];
      mq += q[i * spec.dim + j];
    }
    EXPECT_NEAR(mb / 2000, mq / 2000, 0.15) << j;
  }
}

TEST(SyntheticRows, RefusesZeroDimensionOrClustersAndWrongOutput) {
  EXPECT_EQ(SyntheticRows::Create(SyntheticSpec{0, 4, 0, false, 1}, SampleStream::kBase).status().message(),
            "synthetic data: dimension must be at least 1");
  EXPECT_EQ(SyntheticRows::Create(SyntheticSpec{4, 0, 0, false, 1}, SampleStream::kBase).status().message(),
            "synthetic data: clusters must be at least 1");
  Result<SyntheticRows> rows = SyntheticRows::Create(SyntheticSpec{3, 1, 0, false, 1}, SampleStream::kBase);
  ASSERT_TRUE(rows.ok());
  std::vector<float> out(5);
  EXPECT_EQ(rows->Generate(0, 2, out).message(), "synthetic data: output holds 5 floats; 2 rows need 6");
}

TEST(SyntheticRows, MapToElementRangeIsSiftLike) {
  std::vector<float> u8 = {0.0f, 1.0f, -1.0f, 0.0125f, 10.0f, -10.0f};
  MapToElementRange(ElementType::kUint8, u8);
  EXPECT_EQ(u8, (std::vector<float>{128, 168, 88, 129, 255, 0}));
  std::vector<float> i8 = {0.0f, 1.0f, -1.0f, -0.0125f, 10.0f, -10.0f};
  MapToElementRange(ElementType::kInt8, i8);
  EXPECT_EQ(i8, (std::vector<float>{0, 40, -40, -1, 127, -128}));
  std::vector<float> f = {0.3f, -7.0f};
  MapToElementRange(ElementType::kFloat32, f);
  EXPECT_EQ(f, (std::vector<float>{0.3f, -7.0f}));
}

}  // namespace
}  // namespace zyphyr
