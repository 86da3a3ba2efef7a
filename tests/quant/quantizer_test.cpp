// Quantizer: the encodings behind one interface. The error bound of encoded
// rows against an independent computation, the refusals, and models that do
// not fit the rows they are read for.
#include "src/quant/quantizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include "src/core/vector_store.h"
#include "src/data/synthetic.h"
#include "tests/index/index_test_util.h"

namespace zyphyr {
namespace {

class QuantizerTest : public ::testing::TestWithParam<Encoding> {};

TEST_P(QuantizerTest, MaxErrorBoundsEveryRowsDistanceToItsDecodedCode) {
  Result<Dataset> data = ClusteredGaussian(800, 12, 5, 3);
  ASSERT_TRUE(data.ok());
  VectorStore store = testing::MakeStore(*data, Metric::kL2);
  Result<Quantizer> q = Quantizer::Train(store.rows(), {.encoding = GetParam(), .pq_m = 4, .threads = 2});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EncodedRows encoded = q->Encode(store.rows(), 2);
  ASSERT_EQ(encoded.codes.size(), 800 * q->code_stride());
  double worst = 0.0;
  std::vector<float> decoded(12);
  for (std::size_t i = 0; i < 800; ++i) {
    q->Decode(encoded.codes.data() + i * q->code_stride(), decoded.data());
    double sq = 0.0;
    for (std::size_t d = 0; d < 12; ++d) sq += std::pow(double{store.row(i)[d]} - double{decoded[d]}, 2);
    worst = std::max(worst, std::sqrt(sq));
  }
  EXPECT_GE(static_cast<double>(encoded.max_error), worst);
  EXPECT_LE(static_cast<double>(encoded.max_error), worst * (1 + 1e-6));
  EXPECT_GT(worst, 0.0);
  // Encoding is deterministic for any thread count.
  EXPECT_EQ(q->Encode(store.rows(), 1).codes, encoded.codes);
}

INSTANTIATE_TEST_SUITE_P(Encodings, QuantizerTest, ::testing::Values(Encoding::kInt8, Encoding::kPq),
                         [](const auto& info) { return std::string(EncodingName(info.param)); });

// With 10,001 rows or more the int8 step leaves out the rarest values, which
// then clamp: the error bound (what the l2 re-rank's early stop relies on)
// is measured on the encoded rows, so it covers them.
TEST(Quantizer, Int8MaxErrorCoversRowsClampedByTheTrimmedStep) {
  constexpr std::size_t kRows = 20000;
  Result<Dataset> data = ClusteredGaussian(kRows, 8, 5, 3);
  ASSERT_TRUE(data.ok());
  VectorStore store = testing::MakeStore(*data, Metric::kL2);
  // One far outlier, and the largest distance of any other row to its code.
  std::vector<float> outlier(store.row(0), store.row(0) + 8);
  outlier[3] += 1000.0f;
  VectorStore with_outlier(8, Metric::kL2);
  for (std::size_t i = 0; i < kRows; ++i) {
    ASSERT_TRUE(
        with_outlier.Add(i, i == 7 ? std::span<const float>(outlier) : std::span<const float>(store.row(i), 8)).ok());
  }
  Result<Quantizer> q = Quantizer::Train(with_outlier.rows(), {.encoding = Encoding::kInt8});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EncodedRows encoded = q->Encode(with_outlier.rows(), 2);
  std::vector<float> decoded(8);
  q->Decode(encoded.codes.data() + 7 * encoded.stride, decoded.data());
  double sq = 0.0;
  for (std::size_t d = 0; d < 8; ++d) sq += std::pow(double{outlier[d]} - double{decoded[d]}, 2);
  // Clamped: the step was not stretched to reach it (a full-range step would
  // have decoded it within half a step, about 2).
  EXPECT_GT(std::sqrt(sq), 900.0);
  EXPECT_GE(static_cast<double>(encoded.max_error), std::sqrt(sq));
}

TEST(Quantizer, Float32HasNoQuantizer) {
  VectorStore store(4, Metric::kL2);
  ASSERT_TRUE(store.Add(0, std::vector<float>{1, 2, 3, 4}).ok());
  Result<Quantizer> q = Quantizer::Train(store.rows(), {});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().message(), "float32 has no quantizer");
}

TEST(Quantizer, ModelOfAnotherDimensionIsRefused) {
  Result<Dataset> data = ClusteredGaussian(300, 8, 3, 1);
  ASSERT_TRUE(data.ok());
  VectorStore store = testing::MakeStore(*data, Metric::kL2);
  Result<Quantizer> q = Quantizer::Train(store.rows(), {.encoding = Encoding::kInt8});
  ASSERT_TRUE(q.ok());
  Result<Quantizer> read = Quantizer::Deserialize(Encoding::kInt8, Metric::kL2, 16, q->Serialize());
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(read.status().message(), "quantizer of dimension 8 for rows of dimension 16");
  Result<Quantizer> same = Quantizer::Deserialize(Encoding::kInt8, Metric::kL2, 8, q->Serialize());
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->Serialize(), q->Serialize());
  // A pq reader given an int8 model.
  Result<Quantizer> other = Quantizer::Deserialize(Encoding::kPq, Metric::kL2, 8, q->Serialize());
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kCorruption);
}

TEST(Quantizer, Int8CodesTouchTheFewestLinesAndTheEarlierStrideIsStillRead) {
  struct Case {
    std::size_t dim, stride, legacy;
  };
  // The smallest multiple of 16 at which no code touches more lines than it
  // must (100 bytes 112 apart touch 3 lines at offsets 32 and 48 in a line;
  // 96 or 200 bytes touch the fewest at any multiple of 16). `legacy`: the
  // next multiple of 16, which shards written before held.
  for (const Case& c : std::vector<Case>{{1, 16, 16},
                                         {16, 16, 16},
                                         {17, 32, 32},
                                         {33, 64, 48},
                                         {64, 64, 64},
                                         {96, 96, 96},
                                         {100, 128, 112},
                                         {128, 128, 128},
                                         {200, 208, 208},
                                         {784, 784, 784},
                                         {1000, 1024, 1008},
                                         {960, 960, 960}}) {
    Result<Dataset> data = ClusteredGaussian(20, c.dim, 2, 1);
    ASSERT_TRUE(data.ok());
    VectorStore store = testing::MakeStore(*data, Metric::kL2);
    Result<Quantizer> q = Quantizer::Train(store.rows(), {.encoding = Encoding::kInt8});
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->code_stride(), c.stride) << "dim " << c.dim;
    EXPECT_EQ(q->Encode(store.rows(), 1).stride, c.stride) << "dim " << c.dim;
    EXPECT_TRUE(q->AcceptsCodeStride(c.stride)) << "dim " << c.dim;
    EXPECT_TRUE(q->AcceptsCodeStride(c.legacy)) << "dim " << c.dim;
    for (std::size_t other : {c.stride + 16, c.stride + 64, c.dim - c.dim % 16}) {
      if (other != c.stride && other != c.legacy) {
        EXPECT_FALSE(q->AcceptsCodeStride(other)) << c.dim << " " << other;
      }
    }
  }
  // pq codes are packed: m bytes apart, nothing else.
  Result<Dataset> data = ClusteredGaussian(300, 16, 3, 1);
  ASSERT_TRUE(data.ok());
  VectorStore store = testing::MakeStore(*data, Metric::kL2);
  Result<Quantizer> pq = Quantizer::Train(store.rows(), {.encoding = Encoding::kPq, .pq_m = 4});
  ASSERT_TRUE(pq.ok());
  EXPECT_EQ(pq->code_stride(), 4u);
  EXPECT_TRUE(pq->AcceptsCodeStride(4));
  EXPECT_FALSE(pq->AcceptsCodeStride(16));
}

}  // namespace
}  // namespace zyphyr
