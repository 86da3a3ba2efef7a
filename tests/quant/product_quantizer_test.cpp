// ProductQuantizer: training (the sub-space split, sampling, determinism and
// every refusal), encoding against a brute-force oracle, the ADC tables against
// float distances on the decoded vectors, the serialised form (round trip and
// every way it can be refused), and a recall sanity check of brute force over
// codes re-ranked by exact distances.
// Over 400 lines: one concept (ProductQuantizer), its serialised form refused field by field, kept beside the rest.
#include "src/quant/product_quantizer.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "src/data/synthetic.h"
#include "tests/data/uniform_rows.h"

namespace zyphyr {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr std::size_t kK = ProductQuantizer::kCentroids;

// n rows of dim floats uniform in [-1, 1].
std::vector<float> UniformRows(std::size_t n, std::size_t dim, std::uint32_t seed) {
  return testing::UniformRows<std::mt19937>(n, dim, seed);
}

ProductQuantizerOptions Options(std::size_t m, std::size_t iterations = 5) {
  ProductQuantizerOptions options;
  options.m = m;
  options.iterations = iterations;
  return options;
}

ProductQuantizer MustTrain(std::span<const float> rows, std::size_t dim, const ProductQuantizerOptions& options) {
  Result<ProductQuantizer> pq = ProductQuantizer::Train(rows, dim, options);
  EXPECT_TRUE(pq.ok()) << pq.status().ToString();
  return std::move(pq).value();
}

// The nearest centroid of sub-space j to x's sub-vector: the double loop of
// kmeans.h, ties to the smaller index.
std::uint8_t BruteForceNearest(const ProductQuantizer& pq, const float* x, std::size_t j) {
  const std::size_t sd = pq.sub_dim(j);
  const float* sub = x + pq.sub_offset(j);
  const std::span<const float> book = pq.centroids(j);
  std::size_t best = 0;
  double best_distance = std::numeric_limits<double>::infinity();
  for (std::size_t c = 0; c < kK; ++c) {
    double distance = 0.0;
    for (std::size_t d = 0; d < sd; ++d) {
      const double diff = static_cast<double>(sub[d]) - book[c * sd + d];
      distance += diff * diff;
    }
    if (distance < best_distance) {
      best = c;
      best_distance = distance;
    }
  }
  return static_cast<std::uint8_t>(best);
}

// ---- training -----------------------------------------------------------------

TEST(ProductQuantizerTest, SubSpacesSplitTheDimensionsUnevenly) {
  const std::vector<float> rows = UniformRows(300, 10, 1);
  const ProductQuantizer pq = MustTrain(rows, 10, Options(4));
  EXPECT_EQ(pq.dim(), 10u);
  EXPECT_EQ(pq.m(), 4u);
  EXPECT_EQ(pq.code_size(), 4u);
  const std::size_t sizes[] = {3, 3, 2, 2};
  const std::size_t offsets[] = {0, 3, 6, 8};
  for (std::size_t j = 0; j < 4; ++j) {
    EXPECT_EQ(pq.sub_dim(j), sizes[j]) << j;
    EXPECT_EQ(pq.sub_offset(j), offsets[j]) << j;
    EXPECT_EQ(pq.centroids(j).size(), kK * sizes[j]) << j;
  }
  // m == dim: one dimension each; m == 1: the whole vector.
  const ProductQuantizer each = MustTrain(rows, 10, Options(10));
  for (std::size_t j = 0; j < 10; ++j) {
    EXPECT_EQ(each.sub_dim(j), 1u);
    EXPECT_EQ(each.sub_offset(j), j);
  }
  const ProductQuantizer whole = MustTrain(rows, 10, Options(1));
  EXPECT_EQ(whole.sub_dim(0), 10u);
  EXPECT_EQ(whole.sub_offset(0), 0u);
}

TEST(ProductQuantizerTest, TrainRefusesBadInput) {
  struct Case {
    std::vector<float> rows;
    std::size_t dim;
    ProductQuantizerOptions options;
    std::string message;
  };
  ProductQuantizerOptions small_sample = Options(2);
  small_sample.max_training_rows = 100;
  std::vector<float> nan_rows = UniformRows(300, 4, 2);
  nan_rows[299 * 4 + 2] = kNaN;  // Not among the rows sampled with max_training_rows 256.
  std::vector<float> inf_rows = UniformRows(300, 4, 3);
  inf_rows[3 * 4 + 0] = -kInf;
  inf_rows[7 * 4 + 1] = kNaN;
  ProductQuantizerOptions sampled = Options(2);
  sampled.max_training_rows = 256;
  const std::size_t two32 = std::size_t{1} << 32;
  const std::vector<Case> cases = {
      {{1.0f}, 0, Options(1), "product quantizer: dimension must be at least 1"},
      {std::vector<float>(4 * 300), 4, Options(0), "product quantizer: the sub-space count m must be at least 1"},
      {std::vector<float>(16 * 300), 16, Options(20), "product quantizer: 20 sub-spaces exceed the dimension 16"},
      {{}, two32, Options(two32), "product quantizer: 4294967296 sub-spaces exceed 32-bit sub-space counts"},
      {std::vector<float>(4 * 300), 4, small_sample,
       "product quantizer: max_training_rows 100 is fewer than the 256 centroids of a sub-space"},
      {{1.0f, 2.0f, 3.0f, 4.0f, 5.0f},
       2,
       Options(1),
       "product quantizer: 5 training floats is not a multiple of the dimension 2"},
      {{}, 4, Options(2), "product quantizer: no training rows"},
      {std::vector<float>(4 * 100), 4, Options(2),
       "product quantizer: 100 training rows are fewer than the 256 centroids of a sub-space"},
      {std::vector<float>(4), 4, Options(2),
       "product quantizer: 1 training row is fewer than the 256 centroids of a sub-space"},
      {nan_rows, 4, sampled, "product quantizer: training row 299 has a non-finite component (NaN) at index 2"},
      {inf_rows, 4, Options(2), "product quantizer: training row 3 has a non-finite component (Inf) at index 0"},
  };
  for (const Case& c : cases) {
    Result<ProductQuantizer> pq = ProductQuantizer::Train(c.rows, c.dim, c.options);
    ASSERT_FALSE(pq.ok()) << c.message;
    EXPECT_EQ(pq.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(pq.status().message(), c.message);
  }
}

TEST(ProductQuantizerTest, TrainingIsDeterministicForAnyThreadCount) {
  constexpr std::size_t kDim = 24;
  Result<Dataset> data = ClusteredGaussian(2000, kDim, 8, 5);
  ASSERT_TRUE(data.ok());
  ProductQuantizerOptions options = Options(6, 10);
  options.threads = 1;
  const ProductQuantizer one = MustTrain(data->rows, kDim, options);
  const std::vector<std::uint8_t> bytes = one.Serialize();
  for (std::size_t threads : {2, 0}) {
    options.threads = threads;
    const ProductQuantizer other = MustTrain(data->rows, kDim, options);
    EXPECT_TRUE(other == one) << threads << " threads";
    EXPECT_EQ(other.Serialize(), bytes) << threads << " threads";
  }
  // The seed matters.
  options.seed = 43;
  EXPECT_FALSE(MustTrain(data->rows, kDim, options) == one);
}

TEST(ProductQuantizerTest, MoreRowsThanTheLimitAreSampledWithAFixedStride) {
  constexpr std::size_t kDim = 6, kN = 1000, kSample = 300;
  const std::vector<float> rows = UniformRows(kN, kDim, 4);
  ProductQuantizerOptions options = Options(3);
  options.max_training_rows = kSample;
  const ProductQuantizer sampled = MustTrain(rows, kDim, options);

  std::vector<float> picked;
  for (std::size_t i = 0; i < kSample; ++i) {
    const std::size_t r = i * kN / kSample;
    picked.insert(picked.end(), rows.begin() + static_cast<std::ptrdiff_t>(r * kDim),
                  rows.begin() + static_cast<std::ptrdiff_t>((r + 1) * kDim));
  }
  EXPECT_TRUE(MustTrain(picked, kDim, Options(3)) == sampled);
  // Not the same as training on all the rows.
  options.max_training_rows = kN;
  EXPECT_FALSE(MustTrain(rows, kDim, options) == sampled);
}

// ---- encoding -----------------------------------------------------------------

TEST(ProductQuantizerTest, EncodePicksTheNearestCentroidOfEachSubSpace) {
  for (const auto& [dim, m] : std::vector<std::pair<std::size_t, std::size_t>>{{10, 4}, {16, 4}, {7, 7}, {9, 1}}) {
    const std::vector<float> rows = UniformRows(400, dim, static_cast<std::uint32_t>(dim * 31 + m));
    const ProductQuantizer pq = MustTrain(rows, dim, Options(m));
    // Training rows and fresh ones, some outside the training range.
    std::vector<float> points = UniformRows(200, dim, 99);
    for (float& v : points) v *= 1.5f;
    points.insert(points.end(), rows.begin(), rows.end());
    std::vector<std::uint8_t> code(m);
    for (std::size_t r = 0; r < points.size() / dim; ++r) {
      const float* x = points.data() + r * dim;
      pq.Encode(x, code.data());
      for (std::size_t j = 0; j < m; ++j) {
        ASSERT_EQ(code[j], BruteForceNearest(pq, x, j)) << "dim " << dim << " m " << m << " row " << r << " j " << j;
      }
    }
  }
}

TEST(ProductQuantizerTest, TiesGoToTheSmallerCentroid) {
  // Eight distinct rows repeated: most centroids are copies of one another.
  constexpr std::size_t kDim = 4;
  const std::vector<float> distinct = UniformRows(8, kDim, 6);
  std::vector<float> rows;
  for (std::size_t r = 0; r < 300; ++r) {
    rows.insert(rows.end(), distinct.begin() + static_cast<std::ptrdiff_t>((r % 8) * kDim),
                distinct.begin() + static_cast<std::ptrdiff_t>((r % 8 + 1) * kDim));
  }
  const ProductQuantizer pq = MustTrain(rows, kDim, Options(2));
  std::size_t tied = 0;  // Sub-vectors with more than one centroid at distance 0.
  std::vector<std::uint8_t> batch(8 * 2);
  pq.EncodeBatch(distinct, batch.data(), 1);
  for (std::size_t r = 0; r < 8; ++r) {
    const float* x = distinct.data() + r * kDim;
    std::uint8_t code[2];
    pq.Encode(x, code);
    for (std::size_t j = 0; j < 2; ++j) {
      // The first centroid equal to the sub-vector (distance 0).
      const std::span<const float> book = pq.centroids(j);
      std::size_t first = kK;
      for (std::size_t c = 0; c < kK && first == kK; ++c) {
        if (book[c * 2] == x[2 * j] && book[c * 2 + 1] == x[2 * j + 1]) first = c;
      }
      ASSERT_LT(first, kK);
      for (std::size_t c = first + 1; c < kK; ++c) {
        if (book[c * 2] == x[2 * j] && book[c * 2 + 1] == x[2 * j + 1]) {
          ++tied;
          break;
        }
      }
      EXPECT_EQ(code[j], first) << "row " << r << " j " << j;
      EXPECT_EQ(batch[r * 2 + j], first) << "row " << r << " j " << j;
    }
  }
  EXPECT_GT(tied, 0u);  // The ties were there to break.
}

TEST(ProductQuantizerTest, EncodeBatchWritesEncodesBytes) {
  constexpr std::size_t kDim = 13, kM = 4;
  const ProductQuantizer pq = MustTrain(UniformRows(300, kDim, 7), kDim, Options(kM));
  // Past one internal block of rows, and points outside the training range.
  std::vector<float> points = UniformRows(16384 + 300, kDim, 8);
  for (std::size_t i = 0; i < points.size(); i += 5) points[i] *= 3.0f;
  const std::size_t n = points.size() / kDim;
  std::vector<std::uint8_t> expected(n * kM);
  for (std::size_t r = 0; r < n; ++r) pq.Encode(points.data() + r * kDim, expected.data() + r * kM);
  for (std::size_t threads : {1, 2, 0}) {
    std::vector<std::uint8_t> codes(n * kM, 0xAB);
    pq.EncodeBatch(points, codes.data(), threads);
    EXPECT_EQ(codes, expected) << threads << " threads";
  }
  pq.EncodeBatch({}, nullptr, 1);  // No rows: nothing written.
}

TEST(ProductQuantizerTest, DecodeConcatenatesTheNamedCentroids) {
  constexpr std::size_t kDim = 10, kM = 4;
  const ProductQuantizer pq = MustTrain(UniformRows(300, kDim, 9), kDim, Options(kM));
  const std::uint8_t code[kM] = {0, 255, 17, 128};
  float x[kDim];
  pq.Decode(code, x);
  for (std::size_t j = 0; j < kM; ++j) {
    for (std::size_t d = 0; d < pq.sub_dim(j); ++d) {
      EXPECT_EQ(x[pq.sub_offset(j) + d], pq.centroids(j)[code[j] * pq.sub_dim(j) + d]) << j << "," << d;
    }
  }
}

// ---- distance tables ----------------------------------------------------------

TEST(ProductQuantizerTest, TableDistanceEqualsTheDistanceToTheDecodedVector) {
  for (const auto& [dim, m] :
       std::vector<std::pair<std::size_t, std::size_t>>{{10, 4}, {16, 4}, {33, 7}, {32, 32}, {20, 1}}) {
    const std::vector<float> rows = UniformRows(300, dim, static_cast<std::uint32_t>(dim + m));
    const ProductQuantizer pq = MustTrain(rows, dim, Options(m));
    const std::vector<float> queries = UniformRows(20, dim, 11);
    std::vector<float> l2_table(m * kK), dot_table(m * kK), decoded(dim);
    std::vector<std::uint8_t> code(m);
    for (std::size_t q = 0; q < 20; ++q) {
      const float* query = queries.data() + q * dim;
      pq.ComputeL2Table(query, l2_table.data());
      pq.ComputeDotTable(query, dot_table.data());
      for (std::size_t r = 0; r < 300; r += 13) {
        pq.Encode(rows.data() + r * dim, code.data());
        pq.Decode(code.data(), decoded.data());
        double l2 = 0.0, dot = 0.0, dot_scale = 0.0;
        for (std::size_t d = 0; d < dim; ++d) {
          const double diff = static_cast<double>(query[d]) - decoded[d];
          l2 += diff * diff;
          dot += static_cast<double>(query[d]) * decoded[d];
          dot_scale += std::fabs(static_cast<double>(query[d]) * decoded[d]);
        }
        const std::string where = "dim " + std::to_string(dim) + " m " + std::to_string(m) + " query " +
                                  std::to_string(q) + " row " + std::to_string(r);
        EXPECT_NEAR(pq.TableDistance(l2_table.data(), code.data()), l2, 1e-4 * l2 + 1e-6) << where;
        EXPECT_NEAR(pq.TableDistance(dot_table.data(), code.data()), dot, 1e-4 * dot_scale + 1e-6) << where;
      }
    }
  }
}

TEST(ProductQuantizerTest, TableEntriesAreTheSubSpaceDistances) {
  constexpr std::size_t kDim = 10, kM = 4;
  const ProductQuantizer pq = MustTrain(UniformRows(300, kDim, 12), kDim, Options(kM));
  const std::vector<float> query = UniformRows(1, kDim, 13);
  std::vector<float> l2_table(kM * kK), dot_table(kM * kK);
  pq.ComputeL2Table(query.data(), l2_table.data());
  pq.ComputeDotTable(query.data(), dot_table.data());
  for (std::size_t j = 0; j < kM; ++j) {
    const std::size_t sd = pq.sub_dim(j);
    for (std::size_t c = 0; c < kK; ++c) {
      // The documented float sums, in dimension order.
      float l2 = 0.0f, dot = 0.0f;
      for (std::size_t d = 0; d < sd; ++d) {
        const float q = query[pq.sub_offset(j) + d];
        const float x = pq.centroids(j)[c * sd + d];
        l2 += (q - x) * (q - x);
        dot += q * x;
      }
      EXPECT_EQ(l2_table[j * kK + c], l2) << j << "," << c;
      EXPECT_EQ(dot_table[j * kK + c], dot) << j << "," << c;
    }
  }
}

TEST(ProductQuantizerTest, TableDistancesEqualsTableDistancePerCode) {
  for (std::size_t m : {1, 3, 8, 16}) {
    const std::size_t dim = 2 * m;
    const ProductQuantizer pq = MustTrain(UniformRows(300, dim, static_cast<std::uint32_t>(m)), dim, Options(m, 2));
    // A table of floats of widely different magnitudes, so that the summation
    // order shows in the bits.
    std::mt19937 rng(static_cast<std::uint32_t>(m));
    std::uniform_real_distribution<float> exponent(-20.0f, 20.0f);
    std::vector<float> table(m * kK);
    for (float& v : table) v = std::exp2(exponent(rng)) * (rng() % 2 ? 1.0f : -1.0f);
    std::vector<std::uint8_t> codes(37 * m);
    for (std::uint8_t& b : codes) b = static_cast<std::uint8_t>(rng());
    for (std::size_t count = 0; count <= 37; ++count) {
      std::vector<float> out(count + 1, -1.0f);
      pq.TableDistances(table.data(), codes.data(), count, out.data());
      for (std::size_t i = 0; i < count; ++i) {
        const float expected = pq.TableDistance(table.data(), codes.data() + i * m);
        EXPECT_EQ(std::memcmp(&out[i], &expected, sizeof(float)), 0)
            << "m " << m << " count " << count << " code " << i << ": " << out[i] << " vs " << expected;
      }
      EXPECT_EQ(out[count], -1.0f) << "wrote past count " << count;
    }
  }
}

// Brute force over codes, re-ranked by exact distances on its top 100, finds
// the true ten nearest neighbours of clustered data.
TEST(ProductQuantizerTest, ReRankedTopTenRecallOnClusteredData) {
  constexpr std::size_t kN = 3000, kDim = 32, kM = 8, kQueries = 100, kK10 = 10, kShortlist = 100;
  Result<Dataset> base = ClusteredGaussian(kN, kDim, 16, 77);
  Result<Dataset> queries = ClusteredGaussian(kQueries, kDim, 16, 77, SampleStream::kQueries);
  ASSERT_TRUE(base.ok() && queries.ok());
  const ProductQuantizer pq = MustTrain(base->rows, kDim, Options(kM, 25));
  std::vector<std::uint8_t> codes(kN * kM);
  pq.EncodeBatch(base->rows, codes.data(), 1);

  const auto exact = [&](const float* query, std::size_t i) {
    double sum = 0.0;
    for (std::size_t d = 0; d < kDim; ++d) {
      const double diff = static_cast<double>(query[d]) - base->rows[i * kDim + d];
      sum += diff * diff;
    }
    return sum;
  };
  // The k smallest of dist over `ids`, ties broken by the smaller id.
  const auto top_k = [](std::vector<std::size_t> ids, const std::vector<double>& dist, std::size_t k) {
    k = std::min(k, ids.size());
    std::partial_sort(
        ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(),
        [&dist](std::size_t a, std::size_t b) { return dist[a] < dist[b] || (dist[a] == dist[b] && a < b); });
    ids.resize(k);
    return ids;
  };

  std::vector<std::size_t> all(kN);
  std::iota(all.begin(), all.end(), std::size_t{0});
  std::vector<float> table(kM * kK), approx(kN);
  std::size_t hits = 0, unranked_hits = 0;
  for (std::size_t q = 0; q < kQueries; ++q) {
    const float* query = queries->rows.data() + q * kDim;
    std::vector<double> exact_dist(kN);
    for (std::size_t i = 0; i < kN; ++i) exact_dist[i] = exact(query, i);
    const std::vector<std::size_t> truth = top_k(all, exact_dist, kK10);

    pq.ComputeL2Table(query, table.data());
    pq.TableDistances(table.data(), codes.data(), kN, approx.data());
    const std::vector<double> approx_dist(approx.begin(), approx.end());
    const std::vector<std::size_t> shortlist = top_k(all, approx_dist, kShortlist);
    const std::vector<std::size_t> reranked = top_k(shortlist, exact_dist, kK10);
    const std::vector<std::size_t> unranked = top_k(all, approx_dist, kK10);
    for (std::size_t id : reranked) hits += std::count(truth.begin(), truth.end(), id);
    for (std::size_t id : unranked) unranked_hits += std::count(truth.begin(), truth.end(), id);
  }
  const double recall = static_cast<double>(hits) / (kQueries * kK10);
  const double unranked_recall = static_cast<double>(unranked_hits) / (kQueries * kK10);
  EXPECT_GE(recall, 0.9);
  RecordProperty("recall_at_10_reranked", std::to_string(recall));
  RecordProperty("recall_at_10_codes_only", std::to_string(unranked_recall));
}

// ---- serialisation ------------------------------------------------------------

// dim 5, m 2 (sub-spaces of 3 and 2 dimensions): 24 + 1024 * 5 = 5144 bytes.
std::vector<std::uint8_t> SampleBytes() { return MustTrain(UniformRows(300, 5, 14), 5, Options(2, 2)).Serialize(); }

void ExpectRefused(std::span<const std::uint8_t> bytes, StatusCode code, const std::string& message) {
  Result<ProductQuantizer> pq = ProductQuantizer::Deserialize(bytes);
  ASSERT_FALSE(pq.ok()) << message;
  EXPECT_EQ(pq.status().code(), code) << message;
  EXPECT_EQ(pq.status().message(), message);
}

TEST(ProductQuantizerTest, SerializedLayoutIsTheDocumentedOne) {
  const ProductQuantizer pq = MustTrain(UniformRows(300, 5, 14), 5, Options(2, 2));
  const std::vector<std::uint8_t> bytes = pq.Serialize();
  ASSERT_EQ(bytes.size(), ProductQuantizer::kSerializedHeaderBytes + 4 * 256 * 5);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "ZPQ8");
  const std::uint8_t header[20] = {1, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(std::memcmp(bytes.data() + 4, header, 20), 0);
  // Sub-space 0 (256 x 3 floats) at byte 24, sub-space 1 (256 x 2) at
  // 24 + 4 * 256 * sub_offset(1) = 3096.
  EXPECT_EQ(std::memcmp(bytes.data() + 24, pq.centroids(0).data(), 256 * 3 * 4), 0);
  EXPECT_EQ(std::memcmp(bytes.data() + 3096, pq.centroids(1).data(), 256 * 2 * 4), 0);
}

TEST(ProductQuantizerTest, SerializeRoundTripsByteExact) {
  for (const auto& [dim, m] : std::vector<std::pair<std::size_t, std::size_t>>{{1, 1}, {10, 4}, {16, 16}, {37, 5}}) {
    const std::vector<float> rows = UniformRows(300, dim, 15);
    const ProductQuantizer pq = MustTrain(rows, dim, Options(m, 2));
    const std::vector<std::uint8_t> bytes = pq.Serialize();
    Result<ProductQuantizer> back = ProductQuantizer::Deserialize(bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(*back == pq) << "dim " << dim << " m " << m;
    EXPECT_EQ(back->Serialize(), bytes) << "dim " << dim << " m " << m;
    // And the same codes and tables.
    std::vector<std::uint8_t> c1(m), c2(m);
    pq.Encode(rows.data(), c1.data());
    back->Encode(rows.data(), c2.data());
    EXPECT_EQ(c1, c2);
    std::vector<float> t1(m * kK), t2(m * kK);
    pq.ComputeL2Table(rows.data(), t1.data());
    back->ComputeL2Table(rows.data(), t2.data());
    EXPECT_EQ(t1, t2);
  }
}

TEST(ProductQuantizerTest, EveryTruncationIsRefused) {
  const std::vector<std::uint8_t> bytes = SampleBytes();
  ASSERT_EQ(bytes.size(), 5144u);
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    const std::span<const std::uint8_t> prefix(bytes.data(), size);
    if (size < ProductQuantizer::kSerializedHeaderBytes) {
      ExpectRefused(prefix, StatusCode::kCorruption,
                    "product quantizer: truncated: " + std::to_string(size) + " bytes, the header alone is 24");
    } else {
      ExpectRefused(prefix, StatusCode::kCorruption,
                    "product quantizer: truncated: " + std::to_string(size) + " bytes, dimension 5 needs 5144");
    }
  }
  std::vector<std::uint8_t> longer = bytes;
  longer.push_back(0);
  ExpectRefused(longer, StatusCode::kCorruption, "product quantizer: 1 bytes past the end (dimension 5 needs 5144)");
}

TEST(ProductQuantizerTest, InconsistentHeadersAreRefused) {
  const std::vector<std::uint8_t> good = SampleBytes();
  const auto with = [&good](std::size_t offset, const void* value, std::size_t size) {
    std::vector<std::uint8_t> bytes = good;
    std::memcpy(bytes.data() + offset, value, size);
    return bytes;
  };

  ExpectRefused(with(0, "ZSQ8", 4), StatusCode::kCorruption, "product quantizer: bad magic (expected \"ZPQ8\")");
  for (std::uint32_t version : {0u, 2u}) {
    ExpectRefused(with(4, &version, 4), StatusCode::kUnsupported,
                  "product quantizer: version " + std::to_string(version) + " (this build reads version 1)");
  }
  {
    const std::uint32_t v = 0xdeadbeef;
    ExpectRefused(with(20, &v, 4), StatusCode::kCorruption,
                  "product quantizer: reserved header field is 0xdeadbeef (expected 0)");
  }
  {
    const std::uint64_t zero = 0;
    ExpectRefused(with(8, &zero, 8), StatusCode::kCorruption, "product quantizer: dimension 0 (expected at least 1)");
  }
  // 24 + 1024 * dim must fit 64 bits: 2^54 - 1 is the largest such dim.
  for (std::uint64_t dim : {std::uint64_t{1} << 54, ~std::uint64_t{0}}) {
    ExpectRefused(with(8, &dim, 8), StatusCode::kCorruption,
                  "product quantizer: dimension " + std::to_string(dim) +
                      " is too large (its codebooks would overflow a 64-bit size)");
  }
  {
    const std::uint64_t largest = (std::uint64_t{1} << 54) - 1;
    ExpectRefused(with(8, &largest, 8), StatusCode::kCorruption,
                  "product quantizer: truncated: 5144 bytes, dimension 18014398509481983 needs 18446744073709550616");
  }
  for (std::uint32_t m : {0u, 6u}) {
    ExpectRefused(with(16, &m, 4), StatusCode::kCorruption,
                  "product quantizer: sub-space count " + std::to_string(m) + " is outside 1..5 (the dimension)");
  }
  {
    // A dimension larger than the bytes hold, and a smaller one.
    const std::uint64_t six = 6, four = 4;
    ExpectRefused(with(8, &six, 8), StatusCode::kCorruption,
                  "product quantizer: truncated: 5144 bytes, dimension 6 needs 6168");
    ExpectRefused(with(8, &four, 8), StatusCode::kCorruption,
                  "product quantizer: 1024 bytes past the end (dimension 4 needs 4120)");
  }
  // Centroid 7 of sub-space 1 (2 floats each, from byte 3096), index 1; and
  // the very first and last floats.
  for (const auto& [value, text] : std::vector<std::pair<float, std::string>>{{kNaN, "nan"}, {-kInf, "-inf"}}) {
    ExpectRefused(with(3096 + 4 * (7 * 2 + 1), &value, 4), StatusCode::kCorruption,
                  "product quantizer: centroid 7 of sub-space 1 is " + text + " at index 1 (expected a finite float)");
    ExpectRefused(with(24, &value, 4), StatusCode::kCorruption,
                  "product quantizer: centroid 0 of sub-space 0 is " + text + " at index 0 (expected a finite float)");
    ExpectRefused(
        with(5140, &value, 4), StatusCode::kCorruption,
        "product quantizer: centroid 255 of sub-space 1 is " + text + " at index 1 (expected a finite float)");
  }
}

}  // namespace
}  // namespace zyphyr
