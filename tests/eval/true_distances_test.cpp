#include "src/eval/true_distances.h"

#include <gtest/gtest.h>

#include <vector>

#include "src/eval/recall.h"

namespace zyphyr {
namespace {

constexpr const char* kCannotTell =
    ": cannot tell the inner-product sign convention (<q, x> descending or -<q, x> ascending)";

// Rows of `cols` values as one row-major vector, normalised; the message on error.
struct Normalized {
  Result<TrueDistanceSign> sign;
  std::vector<float> values;
};
Normalized Normalize(Metric metric, std::vector<float> values, std::size_t cols) {
  Result<TrueDistanceSign> sign = NormalizeTrueDistances(metric, values, cols, "truth");
  return {std::move(sign), std::move(values)};
}

std::vector<std::vector<float>> Rows(const std::vector<float>& values, std::size_t cols) {
  std::vector<std::vector<float>> rows;
  for (std::size_t i = 0; i < values.size(); i += cols)
    rows.emplace_back(values.begin() + i, values.begin() + i + cols);
  return rows;
}

// One-dimensional rows 1, 2, ..., 8 and queries 1 and 2: under ip row i
// scores (i + 1) * q, so the 4 nearest of each query are rows 7, 6, 5, 4.
// Each returns two of them and two of the farthest: recall is exactly 0.5.
struct IpLine {
  std::vector<float> rows = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<float> queries = {1, 2};
  std::vector<float> descending = {8, 7, 6, 5, 16, 14, 12, 10};  // <q, x>, as Zyphyr writes them.
  std::vector<std::vector<std::uint64_t>> returned = {{7, 6, 0, 1}, {0, 5, 4, 1}};

  double Recall(const std::vector<float>& truth) {
    Result<RecallReport> r =
        ComputeRecall(RecallVectors{rows, queries, 1, Metric::kInnerProduct}, Rows(truth, 4), returned, {4});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->recall : -1.0;
  }
};

TEST(TrueDistancesTest, NegatedInnerProductsGiveTheSameRecallAsInnerProducts) {
  IpLine line;
  std::vector<float> negated;
  for (float d : line.descending) negated.push_back(-d);  // -<q, x>, ascending: "smaller is closer".

  Normalized from_ip = Normalize(Metric::kInnerProduct, line.descending, 4);
  ASSERT_TRUE(from_ip.sign.ok()) << from_ip.sign.status().ToString();
  EXPECT_EQ(*from_ip.sign, TrueDistanceSign::kReported);
  EXPECT_EQ(from_ip.values, line.descending);
  Normalized from_negated = Normalize(Metric::kInnerProduct, negated, 4);
  ASSERT_TRUE(from_negated.sign.ok()) << from_negated.sign.status().ToString();
  EXPECT_EQ(*from_negated.sign, TrueDistanceSign::kNegated);
  EXPECT_EQ(from_negated.values, line.descending);

  EXPECT_DOUBLE_EQ(line.Recall(from_ip.values), 0.5);
  EXPECT_DOUBLE_EQ(line.Recall(from_negated.values), 0.5);
}

TEST(TrueDistancesTest, ConstantRowsFitEitherSign) {
  // Row 1 is a tie all along; the other rows set the order.
  Normalized negated = Normalize(Metric::kInnerProduct, {-3, -2, 5, 5, -1, -1}, 2);
  ASSERT_TRUE(negated.sign.ok()) << negated.sign.status().ToString();
  EXPECT_EQ(*negated.sign, TrueDistanceSign::kNegated);
  EXPECT_EQ(negated.values, (std::vector<float>{3, 2, -5, -5, 1, 1}));
  Normalized plain = Normalize(Metric::kInnerProduct, {5, 5, 3, 2, 3, 3}, 2);
  ASSERT_TRUE(plain.sign.ok());
  EXPECT_EQ(*plain.sign, TrueDistanceSign::kReported);
  EXPECT_EQ(plain.values, (std::vector<float>{5, 5, 3, 2, 3, 3}));
}

TEST(TrueDistancesTest, AnUndecidableSignIsRefused) {
  const std::vector<float> mixed = {3, 2, 1, 1, 1, 1, 1, 2, 3};
  Normalized disagree = Normalize(Metric::kInnerProduct, mixed, 3);
  ASSERT_FALSE(disagree.sign.ok());
  EXPECT_EQ(disagree.sign.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(disagree.sign.status().message(),
            std::string("truth rows disagree in order (row 0 descending, row 2 ascending)") + kCannotTell);
  EXPECT_EQ(disagree.values, mixed);  // Untouched.

  Normalized constant = Normalize(Metric::kInnerProduct, {4, 4, -1, -1}, 2);
  ASSERT_FALSE(constant.sign.ok());
  EXPECT_EQ(constant.sign.status().message(), std::string("truth rows are all constant") + kCannotTell);
  // One neighbour per query: every row is constant.
  EXPECT_EQ(Normalize(Metric::kInnerProduct, {4, 1, 3}, 1).sign.status().message(),
            std::string("truth rows are all constant") + kCannotTell);

  Normalized neither = Normalize(Metric::kInnerProduct, {3, 2, 1, 1, 3, 2}, 3);
  ASSERT_FALSE(neither.sign.ok());
  EXPECT_EQ(neither.sign.status().message(), "truth row 1 is neither ascending nor descending");
}

TEST(TrueDistancesTest, L2AndCosineRowsMustAscend) {
  for (Metric metric : {Metric::kL2, Metric::kCosine}) {
    Normalized ok = Normalize(metric, {0, 0.5f, 0.5f, 1, 2, 2}, 3);  // Ties and constant rows are fine.
    ASSERT_TRUE(ok.sign.ok()) << ok.sign.status().ToString();
    EXPECT_EQ(*ok.sign, TrueDistanceSign::kReported);
    EXPECT_EQ(ok.values, (std::vector<float>{0, 0.5f, 0.5f, 1, 2, 2}));
  }
  // A descending row is refused even if it would be right for ip; a step
  // between rows is no descent.
  Normalized l2 = Normalize(Metric::kL2, {5, 6, 7, 1, 0.75f, 0.5f}, 3);
  ASSERT_FALSE(l2.sign.ok());
  EXPECT_EQ(l2.sign.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(l2.sign.status().message(),
            "truth row 1 is not ascending (column 1 holds 0.75 after 1): l2 distances are stored nearest (smallest) "
            "first");
  EXPECT_EQ(Normalize(Metric::kCosine, {0.25f, 0.125f}, 2).sign.status().message(),
            "truth row 0 is not ascending (column 1 holds 0.125 after 0.25): cosine distances are stored nearest "
            "(smallest) first");
}

TEST(TrueDistancesTest, NoRowsIsNothingToDo) {
  EXPECT_EQ(*Normalize(Metric::kInnerProduct, {}, 3).sign, TrueDistanceSign::kReported);
}

}  // namespace
}  // namespace zyphyr
