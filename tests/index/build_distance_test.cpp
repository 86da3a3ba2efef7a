// BuildDistance: byte codes exactly when the rows are 8-bit data (integers,
// each dimension spanning at most 255), their distances the exact squared
// distances, the float rows otherwise; and a build over 8-bit data finding
// the true neighbours; under ip, when asked, l2 between norm-augmented rows.
#include "src/index/build_distance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "src/distance/dispatch.h"
#include "tests/index/index_test_util.h"
#include "tests/index/norm_spread_data.h"

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

TEST(AugmentedRows, EveryRowReachesTheLargestNormAndKeepsItsComponents) {
  const Dataset d = testing::NormSpread(200, 21, 4, 9, 10.0);
  VectorStore store = MakeStore(d, Metric::kInnerProduct);
  const AlignedBuffer<float> augmented = AugmentedRows(store.rows());
  const std::size_t stride = PaddedDim(22);
  ASSERT_EQ(augmented.size(), 200u * stride);
  double max_norm = 0.0;
  for (std::size_t i = 0; i < 200; ++i) {
    double norm = 0.0;
    for (float x : d.row(i)) norm += static_cast<double>(x) * x;
    max_norm = std::max(max_norm, norm);
  }
  std::size_t at_max = 0;
  for (std::size_t i = 0; i < 200; ++i) {
    const float* y = augmented.data() + i * stride;
    double norm = 0.0;
    for (std::size_t j = 0; j < 21; ++j) {
      ASSERT_EQ(y[j], d.row(i)[j]) << i << "," << j;
      norm += static_cast<double>(y[j]) * y[j];
    }
    EXPECT_GE(y[21], 0.0f);
    at_max += y[21] == 0.0f;
    norm += static_cast<double>(y[21]) * y[21];
    EXPECT_NEAR(norm, max_norm, 1e-6 * max_norm) << "row " << i;
    for (std::size_t j = 22; j < stride; ++j) EXPECT_EQ(y[j], 0.0f) << "padding";
  }
  EXPECT_EQ(at_max, 1u) << "only the longest row needs no extra component";
  EXPECT_EQ(AugmentedRows(RowsView{}).size(), 0u);
}

TEST(BuildDistance, InnerProductBuildsMeasureL2BetweenAugmentedRows) {
  const Dataset d = testing::NormSpread(300, 19, 5, 3, 10.0);
  VectorStore ip = MakeStore(d, Metric::kInnerProduct);
  EXPECT_FALSE(BuildDistance(ip, Kernels()).augmented()) << "-<x, y> unless the build asks";
  BuildDistance distance(ip, Kernels(), InnerProductGraph::kAugmentedL2);
  ASSERT_TRUE(distance.augmented());
  ASSERT_FALSE(distance.exact_bytes());
  EXPECT_EQ(distance.row_bytes(), PaddedDim(20) * sizeof(float));
  // |x' - y'|^2 = |x|^2 + e_x^2 + |y|^2 + e_y^2 - 2 (<x, y> + e_x e_y)
  //             = 2 R^2 - 2 <x, y> - 2 e_x e_y.
  double r2 = 0.0;
  std::vector<double> norms(300);
  for (std::size_t i = 0; i < 300; ++i) {
    for (float x : d.row(i)) norms[i] += static_cast<double>(x) * x;
    r2 = std::max(r2, norms[i]);
  }
  std::vector<std::uint32_t> nodes(300);
  for (std::uint32_t i = 0; i < 300; ++i) nodes[i] = i;
  std::vector<float> batch(300);
  for (std::uint32_t a : {0u, 101u, 299u}) {
    distance.Batch(a, nodes.data(), nodes.size(), batch.data());
    for (std::uint32_t b = 0; b < 300; ++b) {
      double dot = 0.0;
      for (std::size_t j = 0; j < 19; ++j) dot += static_cast<double>(d.row(a)[j]) * d.row(b)[j];
      const double want = 2 * r2 - 2 * dot - 2 * std::sqrt(r2 - norms[a]) * std::sqrt(r2 - norms[b]);
      ASSERT_NEAR(distance(a, b), want, 1e-5 * r2) << a << "," << b;
      ASSERT_NEAR(batch[b], distance(a, b), 1e-6 * r2);
    }
    EXPECT_EQ(distance(a, a), 0.0f);
  }
  // Cosine rows are unit rows: they keep -<x, y>, like l2 keeps its rows.
  VectorStore cosine = MakeStore(d, Metric::kCosine);
  BuildDistance unit(cosine, Kernels(), InnerProductGraph::kAugmentedL2);
  EXPECT_FALSE(unit.augmented());
  EXPECT_EQ(unit.row(7), cosine.row(7));
  EXPECT_EQ(unit(0, 7), MetricDistance(Metric::kCosine, Kernels(), cosine.padded_dim())(cosine.row(0), cosine.row(7)));
  EXPECT_FALSE(BuildDistance(MakeStore(d, Metric::kL2), Kernels(), InnerProductGraph::kAugmentedL2).augmented());
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
