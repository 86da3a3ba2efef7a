#include "src/core/vector_store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace zyphyr {
namespace {

TEST(VectorStore, RowsAreAlignedPaddedAndZeroFilled) {
  VectorStore store(5, Metric::kL2);
  EXPECT_EQ(store.padded_dim(), 16u);
  ASSERT_TRUE(store.Add(100, std::vector<float>{1, 2, 3, 4, 5}).ok());
  ASSERT_TRUE(store.Add(200, std::vector<float>{6, 7, 8, 9, 10}).ok());
  ASSERT_EQ(store.size(), 2u);
  for (std::size_t i = 0; i < store.size(); ++i) {
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(store.row(i)) % 64, 0u);
    for (std::size_t j = 5; j < 16; ++j) EXPECT_EQ(store.row(i)[j], 0.0f);
  }
  EXPECT_EQ(store.row(1)[0], 6.0f);
  EXPECT_EQ(store.id(0), 100u);
  EXPECT_EQ(store.id(1), 200u);
  EXPECT_FALSE(store.normalized());
}

TEST(VectorStore, GrowthKeepsEarlierRows) {
  VectorStore store(3, Metric::kL2);
  for (std::uint64_t i = 0; i < 1000; ++i) {
    float v = static_cast<float>(i);
    ASSERT_TRUE(store.Add(i, std::vector<float>{v, v + 1, v + 2}).ok());
  }
  for (std::size_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(store.row(i)[0], static_cast<float>(i));
    EXPECT_EQ(store.row(i)[2], static_cast<float>(i) + 2);
    EXPECT_EQ(store.id(i), i);
  }
}

TEST(VectorStore, CosineRowsAreNormalised) {
  VectorStore store(2, Metric::kCosine);
  ASSERT_TRUE(store.Add(1, std::vector<float>{3, 4}).ok());
  EXPECT_TRUE(store.normalized());
  EXPECT_FLOAT_EQ(store.row(0)[0], 0.6f);
  EXPECT_FLOAT_EQ(store.row(0)[1], 0.8f);
}

TEST(VectorStore, RefusesBadVectorsAndKeepsWhatWasStored) {
  VectorStore store(3, Metric::kCosine);
  ASSERT_TRUE(store.Add(1, std::vector<float>{1, 0, 0}).ok());

  Status dim = store.Add(2, std::vector<float>{1, 2});
  EXPECT_EQ(dim.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dim.message(), "vector id 2 has dimension 2, expected 3");

  Status nan = store.Add(3, std::vector<float>{1, std::nanf(""), 0});
  EXPECT_EQ(nan.message(), "vector id 3 has a non-finite component (NaN) at index 1");

  Status inf = store.Add(4, std::vector<float>{-std::numeric_limits<float>::infinity(), 0, 0});
  EXPECT_EQ(inf.message(), "vector id 4 has a non-finite component (Inf) at index 0");

  Status zero = store.Add(5, std::vector<float>{0, 0, 0});
  EXPECT_EQ(zero.message(), "vector id 5 has zero norm, which the cosine metric cannot use");

  // A batch with one bad row stores none of its rows.
  std::vector<std::uint64_t> ids{6, 7};
  std::vector<float> rows{1, 1, 1, 0, 0, 0};
  Status batch = store.AddBatch(ids, rows);
  EXPECT_EQ(batch.message(), "vector id 7 has zero norm, which the cosine metric cannot use");

  Status shape = store.AddBatch(ids, std::vector<float>{1, 2, 3});
  EXPECT_EQ(shape.message(), "batch of 2 ids carries 3 floats, expected 6 (dimension 3)");

  ASSERT_EQ(store.size(), 1u);
  EXPECT_EQ(store.id(0), 1u);
  EXPECT_EQ(store.row(0)[0], 1.0f);
}

// The finite check rides on the squared norm (SquaredNorm): the largest
// floats pass, and the error names the first bad component.
TEST(PrepareVector, AcceptsTheLargestFloatsAndNamesTheFirstBadComponent) {
  const float big = std::numeric_limits<float>::max();
  std::vector<float> x(784, -big);
  std::vector<float> out(PaddedDim(784));
  EXPECT_TRUE(PrepareVector(x, 784, Metric::kL2, "query", out.data()).ok());
  EXPECT_EQ(out[783], -big);
  x[500] = std::numeric_limits<float>::infinity();
  x[700] = std::numeric_limits<float>::quiet_NaN();
  const Status status = PrepareVector(x, 784, Metric::kInnerProduct, "query 9", out.data());
  EXPECT_EQ(status.message(), "query 9 has a non-finite component (Inf) at index 500");
}

TEST(Metric, ParseAndReport) {
  EXPECT_EQ(*ParseMetric("l2"), Metric::kL2);
  EXPECT_EQ(*ParseMetric("ip"), Metric::kInnerProduct);
  EXPECT_EQ(*ParseMetric("cosine"), Metric::kCosine);
  auto bad = ParseMetric("hamming");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().ToString(), "invalid argument: unknown metric 'hamming' (expected l2, ip or cosine)");
  EXPECT_FLOAT_EQ(ReportedDistance(Metric::kL2, 9.0f), 3.0f);
  EXPECT_FLOAT_EQ(ReportedDistance(Metric::kInnerProduct, -2.5f), 2.5f);
  EXPECT_FLOAT_EQ(ReportedDistance(Metric::kCosine, -1.0f), 0.0f);
}

TEST(Status, CodesAndMessages) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.ToString(), "OK");
  Status bad = Status::Corruption("shard x.zys: bad magic");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.ToString(), "corruption: shard x.zys: bad magic");
  Result<int> r = Status::NotFound("missing");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  Result<int> v = 5;
  EXPECT_EQ(*v, 5);
}

}  // namespace
}  // namespace zyphyr
