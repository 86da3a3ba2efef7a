// BuildDistance: byte codes exactly when the rows are 8-bit data (integers,
// each dimension spanning at most 255), their distances the exact squared
// distances, the float rows otherwise; and a build over 8-bit data finding
// the true neighbours.
#include "src/index/build_distance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "src/distance/dispatch.h"
#include "tests/index/index_test_util.h"

namespace zyphyr {
namespace {

using testing::BuildIndex;
using testing::MakeStore;

// Clustered data rounded to integers in [lo, lo + 255].
Dataset EightBit(std::size_t n, std::size_t dim, float lo, std::uint64_t seed) {
  Result<Dataset> d = ClusteredGaussian(n, dim, 6, seed);
  EXPECT_TRUE(d.ok());
  for (float& x : d->rows) x = lo + std::clamp(std::round(128.0f + 40.0f * x), 0.0f, 255.0f);
  return *d;
}

const DistanceKernels& Kernels() { return **ProcessKernels(); }

TEST(ExactByteCodes, AreTheRowsMinusEachDimensionsMinimum) {
  Dataset d{3,
            5,
            {-3, 10, 0, 7, 255,  //
             -1, 12, 0, 7, 0,    //
             252, 11, 0, 9, 100}};
  VectorStore store = MakeStore(d, Metric::kL2);
  std::optional<AlignedBuffer<std::uint8_t>> codes = ExactByteCodes(store.rows());
  ASSERT_TRUE(codes.has_value());
  ASSERT_EQ(ByteCodeStride(5), 64u);
  ASSERT_EQ(codes->size(), 3u * 64u);
  const std::vector<std::uint8_t> want = {0, 0, 0, 0, 255, 2, 2, 0, 0, 0, 255, 1, 0, 2, 100};
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < 5; ++j) EXPECT_EQ((*codes)[i * 64 + j], want[i * 5 + j]) << i << "," << j;
    for (std::size_t j = 5; j < 64; ++j) EXPECT_EQ((*codes)[i * 64 + j], 0) << "padding";
  }
}

TEST(ExactByteCodes, AnythingElseKeepsTheFloats) {
  const auto codes_of = [](std::vector<float> rows, std::size_t dim) {
    const Dataset d{rows.size() / dim, dim, std::move(rows)};
    return ExactByteCodes(MakeStore(d, Metric::kL2).rows()).has_value();
  };
  EXPECT_TRUE(codes_of({0, 255, 255, 0}, 2));
  EXPECT_FALSE(codes_of({0, 256, 255, 0}, 2));        // A dimension spanning 257 values.
  EXPECT_FALSE(codes_of({0, 1.5f, 2, 3}, 2));         // Not an integer.
  EXPECT_FALSE(codes_of({0, 1, 2, 33554432.0f}, 2));  // Past the integers floats hold exactly.
  EXPECT_TRUE(codes_of({1e6f, -7, 1e6f + 255, -7}, 2));
}

TEST(BuildDistance, ByteCodesGiveTheExactSquaredDistances) {
  const Dataset d = EightBit(300, 37, -50.0f, 4);
  VectorStore store = MakeStore(d, Metric::kL2);
  BuildDistance distance(store, Kernels());
  ASSERT_TRUE(distance.exact_bytes());
  std::vector<std::uint32_t> nodes(300);
  for (std::uint32_t i = 0; i < 300; ++i) nodes[i] = i;
  std::vector<float> batch(300);
  for (std::uint32_t a : {0u, 17u, 299u}) {
    distance.Batch(a, nodes.data(), nodes.size(), batch.data());
    for (std::uint32_t b = 0; b < 300; ++b) {
      double exact = 0.0;
      for (std::size_t j = 0; j < 37; ++j) {
        const double diff = static_cast<double>(d.row(a)[j]) - d.row(b)[j];
        exact += diff * diff;
      }
      ASSERT_EQ(distance(a, b), static_cast<float>(exact)) << a << "," << b;
      ASSERT_EQ(batch[b], distance(a, b));
    }
  }
}

TEST(BuildDistance, OtherMetricsAndFloatDataUseTheRows) {
  const Dataset bytes = EightBit(50, 8, 0.0f, 2);
  VectorStore ip = MakeStore(bytes, Metric::kInnerProduct);
  EXPECT_FALSE(BuildDistance(ip, Kernels()).exact_bytes());
  Result<Dataset> floats = ClusteredGaussian(50, 8, 3, 2);
  ASSERT_TRUE(floats.ok());
  VectorStore l2 = MakeStore(*floats, Metric::kL2);
  BuildDistance distance(l2, Kernels());
  EXPECT_FALSE(distance.exact_bytes());
  const std::uint32_t nodes[3] = {1, 2, 49};
  float out[3];
  distance.Batch(0, nodes, 3, out);
  const MetricDistance rows(Metric::kL2, Kernels(), l2.padded_dim());
  const float* row_ptrs[3] = {l2.row(1), l2.row(2), l2.row(49)};
  float want[3];
  rows.Batch(l2.row(0), row_ptrs, 3, want);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(out[i], want[i]);
  EXPECT_EQ(distance(0, 2), rows(l2.row(0), l2.row(2)));
}

TEST(BuildDistance, AGraphBuiltFromByteCodesFindsTheTrueNeighbours) {
  const Dataset data = EightBit(4000, 48, 0.0f, 8);
  Result<Dataset> raw_queries = ClusteredGaussian(100, 48, 6, 8, SampleStream::kQueries);
  ASSERT_TRUE(raw_queries.ok());
  Dataset queries = *raw_queries;
  for (float& x : queries.rows) x = std::clamp(std::round(128.0f + 40.0f * x), 0.0f, 255.0f);
  ASSERT_TRUE(BuildDistance(MakeStore(data, Metric::kL2), Kernels()).exact_bytes());
  HnswBuildOptions options;
  options.M = 12;
  options.ef_construction = 100;
  options.threads = 2;
  std::unique_ptr<HnswIndex> index = BuildIndex(data, Metric::kL2, options);
  const double recall = testing::IdOverlapRecall(testing::Exact(*index, queries, 10),
                                                 testing::SearchAll(*index, queries, HnswSearchOptions{10, 64}));
  EXPECT_GE(recall, 0.97);
}

}  // namespace
}  // namespace zyphyr
