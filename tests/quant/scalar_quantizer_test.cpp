// ScalarQuantizer: training, the s/2 error bound and clamping, the distance
// helpers against float distances on the decoded vectors, the serialised form
// (round trip and every way it can be refused), and a recall sanity check of
// brute force over codes against exact float search.
// Over 400 lines: one concept (ScalarQuantizer), its serialised form refused field by field, kept beside the rest.
#include "src/quant/scalar_quantizer.h"

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
#include "src/distance/dispatch.h"
#include "src/distance/kernels.h"

namespace zyphyr {
// Named, so that a unity build (tests/CMakeLists.txt) keeps these helpers apart
// from the other quantizer tests' of the same names.
namespace scalar_quantizer_test {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// n rows of dim floats; dimension d is uniform in [centre_d - w_d, centre_d +
// w_d] with widths varying 100-fold, so the common step is set by a few
// dimensions and the others use fewer levels.
std::vector<float> VariedRows(std::size_t n, std::size_t dim, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  std::vector<float> centre(dim), width(dim);
  for (std::size_t d = 0; d < dim; ++d) {
    centre[d] = 3.0f * unit(rng);
    width[d] = 0.02f + 2.0f * std::fabs(unit(rng));
  }
  std::vector<float> rows(n * dim);
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t d = 0; d < dim; ++d) rows[r * dim + d] = centre[d] + width[d] * unit(rng);
  }
  return rows;
}

ScalarQuantizer MustTrain(std::span<const float> rows, std::size_t dim) {
  Result<ScalarQuantizer> sq = ScalarQuantizer::Train(rows, dim);
  EXPECT_TRUE(sq.ok()) << sq.status().ToString();
  return std::move(sq).value();
}

const DistanceKernels& Kernels() {
  Result<const DistanceKernels*> kernels = ProcessKernels();
  EXPECT_TRUE(kernels.ok()) << kernels.status().ToString();
  return **kernels;
}

// ---- training -----------------------------------------------------------------

TEST(ScalarQuantizerTest, TrainLearnsPerDimensionOffsetsAndOneStep) {
  // Dimension 0 spans [0, 5], dimension 1 spans [-2, 10]: the wider sets s
  // (3.5 is not an integer, so the data are not on the integer grid).
  const std::vector<float> rows = {0.0f, 10.0f, 5.0f, -2.0f, 1.0f, 3.5f};
  const ScalarQuantizer sq = MustTrain(rows, 2);
  EXPECT_EQ(sq.dim(), 2u);
  ASSERT_EQ(sq.offsets().size(), 2u);
  EXPECT_EQ(sq.offsets()[0], 0.0f);
  EXPECT_EQ(sq.offsets()[1], -2.0f);
  EXPECT_EQ(sq.step(), static_cast<float>(12.0 / 255.0));
  EXPECT_EQ(sq.offset_sq_sum(), 4.0);

  std::uint8_t code[2];
  sq.Encode(rows.data(), code);  // (0, 10): the minimum and the maximum.
  EXPECT_EQ(code[0], 0);
  EXPECT_EQ(code[1], 255);
  sq.Encode(rows.data() + 2, code);  // (5, -2): 5 is 106.25 steps.
  EXPECT_EQ(code[0], 106);
  EXPECT_EQ(code[1], 0);
}

TEST(ScalarQuantizerTest, ConstantDataHasStepOne) {
  const std::vector<float> rows = {1.5f, -3.0f, 1.5f, -3.0f, 1.5f, -3.0f};
  const ScalarQuantizer sq = MustTrain(rows, 2);
  EXPECT_EQ(sq.step(), 1.0f);
  std::uint8_t code[2];
  sq.Encode(rows.data(), code);
  EXPECT_EQ(code[0], 0);
  EXPECT_EQ(code[1], 0);
  float decoded[2];
  sq.Decode(code, decoded);
  EXPECT_EQ(decoded[0], 1.5f);
  EXPECT_EQ(decoded[1], -3.0f);
}

TEST(ScalarQuantizerTest, RangesBeyondFloatStillTrain) {
  // max - min overflows float; the step is computed in double.
  const float big = std::numeric_limits<float>::max();
  const std::vector<float> rows = {-big, big};
  const ScalarQuantizer sq = MustTrain(rows, 1);
  EXPECT_TRUE(std::isfinite(sq.step()));
  EXPECT_EQ(sq.step(), static_cast<float>(2.0 * big / 255.0));
  std::uint8_t code[2];
  sq.Encode(rows.data(), code);
  sq.Encode(rows.data() + 1, code + 1);
  EXPECT_EQ(code[0], 0);
  EXPECT_EQ(code[1], 255);
}

TEST(ScalarQuantizerTest, TrainRefusesBadInput) {
  struct Case {
    std::vector<float> rows;
    std::size_t dim;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{1.0f}, 0, "scalar quantizer: dimension must be at least 1"},
      {{1.0f},
       kMaxU8Dim + 1,
       "scalar quantizer: dimension 66052 exceeds 66051, the largest whose int8 distances fit a uint32"},
      {{}, 4, "scalar quantizer: no training rows"},
      {{1.0f, 2.0f, 3.0f, 4.0f, 5.0f}, 2, "scalar quantizer: 5 training floats is not a multiple of the dimension 2"},
      {{1.0f, 2.0f, 3.0f, 4.0f, 5.0f, kNaN},
       3,
       "scalar quantizer: training row 1 has a non-finite component (NaN) at index 2"},
      {{1.0f, -kInf, 3.0f, kInf}, 2, "scalar quantizer: training row 0 has a non-finite component (Inf) at index 1"},
  };
  for (const Case& c : cases) {
    Result<ScalarQuantizer> sq = ScalarQuantizer::Train(c.rows, c.dim);
    ASSERT_FALSE(sq.ok()) << c.message;
    EXPECT_EQ(sq.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(sq.status().message(), c.message);
  }
}

TEST(ScalarQuantizerTest, TrainsAtTheLargestDimension) {
  std::vector<float> rows(2 * kMaxU8Dim, 0.0f);
  std::fill(rows.begin() + kMaxU8Dim, rows.end(), 255.0f);  // Integers: step 1, codes 0 and 255.
  const ScalarQuantizer sq = MustTrain(rows, kMaxU8Dim);
  EXPECT_EQ(sq.dim(), kMaxU8Dim);
  std::vector<std::uint8_t> a(kMaxU8Dim), b(kMaxU8Dim);
  sq.Encode(rows.data(), a.data());
  sq.Encode(rows.data() + kMaxU8Dim, b.data());
  // The largest possible int8 distance, exact.
  EXPECT_EQ(Kernels().l2_sq_u8(a.data(), b.data(), kMaxU8Dim), 4294966275u);
}

TEST(ScalarQuantizerTest, TheRarestTenThousandthOfEachTailDoesNotSetTheStep) {
  // 20,000 rows: dimension 0 spans [0, 1] but for one row at -100 and one at
  // +100; dimension 1 spans [0, 0.4995]. One in 10,000 of each tail (here the
  // one outlier) is left out of the range, so the step is 1/255, not 200/255.
  constexpr std::size_t kRows = 20000;
  std::vector<float> rows(2 * kRows);
  for (std::size_t r = 0; r < kRows; ++r) {
    rows[2 * r] = r == 0 ? -100.0f : r == 1 ? 100.0f : static_cast<float>(r - 2) / static_cast<float>(kRows - 3);
    rows[2 * r + 1] = static_cast<float>(r % 1000) * 0.0005f;
  }
  const ScalarQuantizer sq = MustTrain(rows, 2);
  EXPECT_EQ(sq.step(), static_cast<float>(1.0 / 255.0));
  // Dimension 0's window is its trimmed range (no spare levels to centre);
  // dimension 1 fits the window whole and keeps its minimum.
  EXPECT_NEAR(sq.offsets()[0], 0.0f, 1e-6f);
  EXPECT_EQ(sq.offsets()[1], 0.0f);

  std::uint8_t code[2];
  sq.Encode(rows.data(), code);  // The outliers clamp to the window's ends.
  EXPECT_EQ(code[0], 0);
  sq.Encode(rows.data() + 2, code);
  EXPECT_EQ(code[0], 255);
  const double tolerance = 0.5 * sq.step() + 1e-6;
  float decoded[2];
  for (std::size_t r = 2; r < kRows; ++r) {
    sq.Encode(rows.data() + 2 * r, code);
    sq.Decode(code, decoded);
    ASSERT_LE(std::fabs(decoded[0] - rows[2 * r]), tolerance) << "row " << r;
    ASSERT_LE(std::fabs(decoded[1] - rows[2 * r + 1]), tolerance) << "row " << r;
  }
}

TEST(ScalarQuantizerTest, IntegersSpanningAtMost256ValuesAreExact) {
  // Integers spanning at most 256 values: step 1 even where the widest range
  // (dimension 0's 0..200) ends in a value rarer than the trimmed tails, and
  // nothing is clamped (the one 0 of dimension 2): every code decodes to its
  // value exactly.
  constexpr std::size_t kRows = 20000;
  std::vector<float> rows(3 * kRows);
  for (std::size_t r = 0; r < kRows; ++r) {
    rows[3 * r] = r == 3 ? 200.0f : static_cast<float>(r % 200);
    rows[3 * r + 1] = static_cast<float>(10 + r % 51);
    rows[3 * r + 2] = r == 7 ? 0.0f : static_cast<float>(100 + r % 11);
  }
  const ScalarQuantizer sq = MustTrain(rows, 3);
  EXPECT_EQ(sq.step(), 1.0f);
  EXPECT_EQ(sq.offsets()[2], 0.0f);
  std::uint8_t code[3];
  float decoded[3];
  for (std::size_t r = 0; r < kRows; ++r) {
    sq.Encode(rows.data() + 3 * r, code);
    sq.Decode(code, decoded);
    for (std::size_t d = 0; d < 3; ++d) ASSERT_EQ(decoded[d], rows[3 * r + d]) << "row " << r << " dim " << d;
  }
}

// ---- encoding -----------------------------------------------------------------

TEST(ScalarQuantizerTest, DecodedWithinHalfAStepInsideTheTrainedRange) {
  constexpr std::size_t kDim = 37;
  const std::vector<float> rows = VariedRows(500, kDim, 1);
  const ScalarQuantizer sq = MustTrain(rows, kDim);
  const double half = 0.5 * sq.step();

  // The training rows, and fresh points anywhere in [min_d, min_d + 255 s].
  std::vector<float> points = rows;
  std::mt19937 rng(2);
  std::uniform_real_distribution<double> level(0.0, 255.0);
  for (std::size_t r = 0; r < 500; ++r) {
    for (std::size_t d = 0; d < kDim; ++d) {
      points.push_back(static_cast<float>(sq.offsets()[d] + level(rng) * sq.step()));
    }
  }
  std::vector<std::uint8_t> code(kDim);
  std::vector<float> decoded(kDim);
  double worst = 0.0;
  for (std::size_t r = 0; r < points.size() / kDim; ++r) {
    const float* x = points.data() + r * kDim;
    sq.Encode(x, code.data());
    sq.Decode(code.data(), decoded.data());
    for (std::size_t d = 0; d < kDim; ++d) {
      const double err = std::fabs(static_cast<double>(decoded[d]) - x[d]);
      // Plus the float rounding of the decoded value and of x itself.
      const double tolerance = half + 2.0 * std::numeric_limits<float>::epsilon() * std::fabs(x[d]);
      ASSERT_LE(err, tolerance) << "row " << r << " dim " << d << " x " << x[d] << " code " << int{code[d]};
      worst = std::max(worst, err);
    }
  }
  // The bound is tight: some value lands close to halfway between levels.
  EXPECT_GT(worst, 0.9 * half);
}

TEST(ScalarQuantizerTest, ClampsOutsideTheTrainedRange) {
  const std::vector<float> rows = {0.0f, 1.0f, 255.0f, 2.0f};  // Step 1; offsets 0 and 1.
  const ScalarQuantizer sq = MustTrain(rows, 2);
  ASSERT_EQ(sq.step(), 1.0f);
  struct Case {
    float x0, x1;
    std::uint8_t c0, c1;
  };
  for (const Case& c : std::vector<Case>{{-1.0f, -100.0f, 0, 0},
                                         {1e30f, 300.0f, 255, 255},
                                         {-kInf, kInf, 0, 255},
                                         {kNaN, 256.4f, 0, 255},
                                         {255.49f, 255.6f, 255, 255},
                                         {0.49f, 1.51f, 0, 1},
                                         {0.5f, 2.5f, 1, 2},
                                         {254.5f, 1.0f, 255, 0}}) {
    const float x[2] = {c.x0, c.x1};
    std::uint8_t code[2];
    sq.Encode(x, code);
    EXPECT_EQ(code[0], c.c0) << c.x0;
    EXPECT_EQ(code[1], c.c1) << c.x1;
  }
}

// Encode takes four components per step (SSE2) and the rest one by one: each
// case at every position of an 11-d vector (two steps and a tail of three)
// encodes as in the 2-d cases above.
TEST(ScalarQuantizerTest, ClampsAndRoundsAlikeAtEveryPosition) {
  constexpr std::size_t kDim = 11;
  std::vector<float> rows(2 * kDim, 0.0f);  // Step 1, every offset 0.
  std::fill(rows.begin() + kDim, rows.end(), 255.0f);
  const ScalarQuantizer sq = MustTrain(rows, kDim);
  ASSERT_EQ(sq.step(), 1.0f);
  const std::vector<std::pair<float, std::uint8_t>> cases = {
      {-1.0f, 0}, {1e30f, 255}, {-kInf, 0},   {kNaN, 0},     {255.49f, 255}, {0.49f, 0}, {0.5f, 1},     {254.5f, 255},
      {2.5f, 3},  {kInf, 255},  {-100.0f, 0}, {256.4f, 255}, {1.51f, 2},     {1.0f, 1},  {254.49f, 254}};
  for (std::size_t shift = 0; shift < kDim; ++shift) {
    for (std::size_t first = 0; first < cases.size(); first += kDim) {
      float x[kDim];
      std::uint8_t want[kDim];
      for (std::size_t d = 0; d < kDim; ++d) {
        const auto& [value, code] = cases[(first + (d + shift) % kDim) % cases.size()];
        x[d] = value;
        want[d] = code;
      }
      std::uint8_t code[kDim];
      sq.Encode(x, code);
      for (std::size_t d = 0; d < kDim; ++d) EXPECT_EQ(code[d], want[d]) << "component " << d << ": " << x[d];
    }
  }
}

// ---- distances ----------------------------------------------------------------

// The helpers on codes against double-precision distances between the DECODED
// float vectors, which differ only by float rounding (of the decoded values,
// of a code bias, of the result).
TEST(ScalarQuantizerTest, DistanceHelpersEqualDecodedFloatDistances) {
  const DistanceKernels& kernels = Kernels();
  for (std::size_t dim : {1, 7, 16, 37, 128, 300}) {
    const std::vector<float> rows = VariedRows(200, dim, static_cast<std::uint32_t>(dim));
    const ScalarQuantizer sq = MustTrain(rows, dim);
    const std::size_t n = rows.size() / dim;
    std::vector<std::uint8_t> codes(n * dim);
    std::vector<float> decoded(n * dim);
    std::vector<float> biases(n);
    for (std::size_t r = 0; r < n; ++r) {
      sq.Encode(rows.data() + r * dim, codes.data() + r * dim);
      sq.Decode(codes.data() + r * dim, decoded.data() + r * dim);
      biases[r] = sq.CodeBias(codes.data() + r * dim);
    }
    for (std::size_t i = 0; i < n; i += 7) {
      for (std::size_t j = 0; j < n; j += 5) {
        const std::uint8_t* ca = codes.data() + i * dim;
        const std::uint8_t* cb = codes.data() + j * dim;
        const float* fa = decoded.data() + i * dim;
        const float* fb = decoded.data() + j * dim;
        double l2 = 0.0, l2_scale = 0.0, dot = 0.0, dot_scale = 0.0;
        for (std::size_t d = 0; d < dim; ++d) {
          const double diff = static_cast<double>(fa[d]) - fb[d];
          l2 += diff * diff;
          l2_scale += std::fabs(diff) * (std::fabs(fa[d]) + std::fabs(fb[d]));
          dot += static_cast<double>(fa[d]) * fb[d];
          dot_scale += std::fabs(static_cast<double>(fa[d]) * fb[d]);
        }
        const std::string where = "dim " + std::to_string(dim) + " rows " + std::to_string(i) + "," + std::to_string(j);

        const std::uint32_t code_l2 = kernels.l2_sq_u8(ca, cb, dim);
        const float got_l2 = sq.L2SqDistance(code_l2);
        // Exactly s^2 times the integer, rounded once.
        EXPECT_EQ(got_l2, static_cast<float>(static_cast<double>(sq.step()) * sq.step() * code_l2)) << where;
        EXPECT_NEAR(got_l2, l2, 1e-6 * (l2_scale + l2)) << where;

        const float got_dot = sq.DotProduct(kernels.dot_u8(ca, cb, dim), biases[i], biases[j]);
        const double dot_tolerance =
            1e-6 * (dot_scale + sq.offset_sq_sum() + sq.step() * (std::fabs(biases[i]) + std::fabs(biases[j])));
        EXPECT_NEAR(got_dot, dot, dot_tolerance) << where;
      }
    }
  }
}

TEST(ScalarQuantizerTest, CodeBiasIsTheOffsetWeightedCodeSum) {
  const std::vector<float> rows = {-1.0f, 2.0f, 0.5f, 3.0f, 4.0f, 2.0f};  // Offsets -1, 2, 0.5.
  const ScalarQuantizer sq = MustTrain(rows, 3);
  const std::uint8_t code[3] = {10, 0, 255};
  const double expected = sq.offsets()[0] * 10.0 + sq.offsets()[1] * 0.0 + sq.offsets()[2] * 255.0;
  EXPECT_EQ(sq.CodeBias(code), static_cast<float>(expected));
}

// Brute force over codes keeps most of the true neighbours: the quantization
// error is small next to the gaps between neighbours of clustered data.
TEST(ScalarQuantizerTest, QuantizedTopTenRecallOnClusteredData) {
  constexpr std::size_t kN = 2000, kDim = 32, kQueries = 100, kK = 10;
  Result<Dataset> base = ClusteredGaussian(kN, kDim, 16, 77);
  Result<Dataset> queries = ClusteredGaussian(kQueries, kDim, 16, 77, SampleStream::kQueries);
  ASSERT_TRUE(base.ok() && queries.ok());
  const ScalarQuantizer sq = MustTrain(base->rows, kDim);
  const DistanceKernels& kernels = Kernels();

  std::vector<std::uint8_t> codes(kN * kDim);
  for (std::size_t i = 0; i < kN; ++i) sq.Encode(base->rows.data() + i * kDim, codes.data() + i * kDim);

  // The k nearest by `distance`, ties broken by the smaller index.
  const auto top_k = [](const auto& distance) {
    std::vector<std::size_t> order(kN);
    std::iota(order.begin(), order.end(), 0);
    std::vector<double> dist(kN);
    for (std::size_t i = 0; i < kN; ++i) dist[i] = distance(i);
    std::partial_sort(order.begin(), order.begin() + kK, order.end(), [&dist](std::size_t a, std::size_t b) {
      return dist[a] < dist[b] || (dist[a] == dist[b] && a < b);
    });
    order.resize(kK);
    return order;
  };

  std::size_t hits = 0;
  std::vector<std::uint8_t> qcode(kDim);
  for (std::size_t q = 0; q < kQueries; ++q) {
    const float* query = queries->rows.data() + q * kDim;
    sq.Encode(query, qcode.data());
    const std::vector<std::size_t> exact = top_k([&](std::size_t i) {
      double sum = 0.0;
      for (std::size_t d = 0; d < kDim; ++d) {
        const double diff = static_cast<double>(query[d]) - base->rows[i * kDim + d];
        sum += diff * diff;
      }
      return sum;
    });
    const std::vector<std::size_t> quantized = top_k([&](std::size_t i) {
      return static_cast<double>(sq.L2SqDistance(kernels.l2_sq_u8(qcode.data(), codes.data() + i * kDim, kDim)));
    });
    for (std::size_t id : quantized) hits += std::count(exact.begin(), exact.end(), id);
  }
  const double recall = static_cast<double>(hits) / (kQueries * kK);
  EXPECT_GE(recall, 0.9);
  RecordProperty("recall_at_10", std::to_string(recall));
}

// ---- serialisation ------------------------------------------------------------

std::vector<std::uint8_t> SampleBytes() {
  const std::vector<float> rows = VariedRows(50, 5, 9);
  return MustTrain(rows, 5).Serialize();
}

void ExpectRefused(std::span<const std::uint8_t> bytes, StatusCode code, const std::string& message) {
  Result<ScalarQuantizer> sq = ScalarQuantizer::Deserialize(bytes);
  ASSERT_FALSE(sq.ok()) << message;
  EXPECT_EQ(sq.status().code(), code) << message;
  EXPECT_EQ(sq.status().message(), message);
}

TEST(ScalarQuantizerTest, SerializedLayoutIsTheDocumentedOne) {
  const std::vector<float> rows = {0.0f, -2.0f, 5.0f, 10.0f};
  const ScalarQuantizer sq = MustTrain(rows, 2);
  const std::vector<std::uint8_t> bytes = sq.Serialize();
  ASSERT_EQ(bytes.size(), ScalarQuantizer::kSerializedHeaderBytes + 2 * sizeof(float));
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "ZSQ8");
  const std::uint8_t version_and_dim[12] = {1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(std::memcmp(bytes.data() + 4, version_and_dim, 12), 0);
  float step = 0.0f;
  std::memcpy(&step, bytes.data() + 16, 4);
  EXPECT_EQ(step, sq.step());
  const std::uint8_t reserved[4] = {0, 0, 0, 0};
  EXPECT_EQ(std::memcmp(bytes.data() + 20, reserved, 4), 0);
  float offsets[2];
  std::memcpy(offsets, bytes.data() + 24, 8);
  EXPECT_EQ(offsets[0], 0.0f);
  EXPECT_EQ(offsets[1], -2.0f);
}

TEST(ScalarQuantizerTest, SerializeRoundTripsByteExact) {
  for (std::size_t dim : {1, 5, 128, 784}) {
    const std::vector<float> rows = VariedRows(20, dim, 3);
    const ScalarQuantizer sq = MustTrain(rows, dim);
    const std::vector<std::uint8_t> bytes = sq.Serialize();
    Result<ScalarQuantizer> back = ScalarQuantizer::Deserialize(bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE(*back == sq) << "dim " << dim;
    EXPECT_EQ(back->offset_sq_sum(), sq.offset_sq_sum());
    EXPECT_EQ(back->Serialize(), bytes) << "dim " << dim;
    // And the same codes.
    std::vector<std::uint8_t> c1(dim), c2(dim);
    sq.Encode(rows.data(), c1.data());
    back->Encode(rows.data(), c2.data());
    EXPECT_EQ(c1, c2);
  }
}

TEST(ScalarQuantizerTest, EveryTruncationIsRefused) {
  const std::vector<std::uint8_t> bytes = SampleBytes();  // 24 + 5 * 4 = 44 bytes.
  ASSERT_EQ(bytes.size(), 44u);
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    const std::span<const std::uint8_t> prefix(bytes.data(), size);
    if (size < ScalarQuantizer::kSerializedHeaderBytes) {
      ExpectRefused(prefix, StatusCode::kCorruption,
                    "scalar quantizer: truncated: " + std::to_string(size) + " bytes, the header alone is 24");
    } else {
      ExpectRefused(prefix, StatusCode::kCorruption,
                    "scalar quantizer: truncated: " + std::to_string(size) + " bytes, dimension 5 needs 44");
    }
  }
  std::vector<std::uint8_t> longer = bytes;
  longer.push_back(0);
  ExpectRefused(longer, StatusCode::kCorruption, "scalar quantizer: 1 bytes past the end (dimension 5 needs 44)");
}

TEST(ScalarQuantizerTest, InconsistentHeadersAreRefused) {
  const std::vector<std::uint8_t> good = SampleBytes();
  const auto with = [&good](std::size_t offset, const void* value, std::size_t size) {
    std::vector<std::uint8_t> bytes = good;
    std::memcpy(bytes.data() + offset, value, size);
    return bytes;
  };

  ExpectRefused(with(0, "ZSQ9", 4), StatusCode::kCorruption, "scalar quantizer: bad magic (expected \"ZSQ8\")");
  {
    const std::uint32_t v = 2;
    ExpectRefused(with(4, &v, 4), StatusCode::kUnsupported, "scalar quantizer: version 2 (this build reads version 1)");
  }
  {
    const std::uint32_t v = 0xdeadbeef;
    ExpectRefused(with(20, &v, 4), StatusCode::kCorruption,
                  "scalar quantizer: reserved header field is 0xdeadbeef (expected 0)");
  }
  for (std::uint64_t dim : {std::uint64_t{0}, std::uint64_t{kMaxU8Dim + 1}, ~std::uint64_t{0}}) {
    const std::uint64_t v = dim;
    ExpectRefused(with(8, &v, 8), StatusCode::kCorruption,
                  "scalar quantizer: dimension " + std::to_string(dim) + " is outside 1..66051");
  }
  {
    // A dimension larger than the bytes hold, and a smaller one.
    const std::uint64_t six = 6, four = 4;
    ExpectRefused(with(8, &six, 8), StatusCode::kCorruption,
                  "scalar quantizer: truncated: 44 bytes, dimension 6 needs 48");
    ExpectRefused(with(8, &four, 8), StatusCode::kCorruption,
                  "scalar quantizer: 4 bytes past the end (dimension 4 needs 40)");
  }
  const float denormal = std::numeric_limits<float>::denorm_min();
  const std::vector<std::pair<float, std::string>> steps = {
      {0.0f, "0"}, {-0.5f, "-0.5"}, {kNaN, "nan"}, {kInf, "inf"}, {denormal, "1.40129846e-45"}};
  for (const auto& [step, text] : steps) {
    ExpectRefused(with(16, &step, 4), StatusCode::kCorruption,
                  "scalar quantizer: step " + text + " is not a positive normal float");
  }
  for (const auto& [offset, text] : std::vector<std::pair<float, std::string>>{{kNaN, "nan"}, {-kInf, "-inf"}}) {
    ExpectRefused(with(24 + 3 * 4, &offset, 4), StatusCode::kCorruption,
                  "scalar quantizer: offset of dimension 3 is " + text + " (expected a finite float)");
  }
}

}  // namespace
}  // namespace scalar_quantizer_test
}  // namespace zyphyr
