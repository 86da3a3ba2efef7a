#include "src/eval/ground_truth_merge.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mpi/shard_assignment.h"

namespace zyphyr {
namespace {

// Rows of small integers (as uint8 files hold): many exact ties among distances.
std::vector<float> TiedRows(std::size_t rows, std::size_t dim, std::uint32_t salt) {
  std::vector<float> v(rows * dim);
  std::uint32_t x = salt;
  for (float& f : v) {
    x = x * 1664525u + 1013904223u;
    f = static_cast<float>((x >> 24) % 4);
  }
  return v;
}

// Ground truth computed over `parts` even parts of `train` and merged.
GroundTruth SplitAndMerge(const std::vector<float>& train, const std::vector<float>& queries, std::size_t dim,
                          Metric metric, std::size_t k, std::size_t parts) {
  const std::size_t rows = train.size() / dim;
  std::vector<GroundTruth> lists;
  for (std::size_t p = 0; p < parts; ++p) {
    const IndexRange share = EvenPart(rows, parts, p);
    GroundTruthOptions options;
    options.k = k;
    options.threads = 1;
    options.train_block_rows = 37;
    std::span<const float> slice(train.data() + share.begin * dim, share.size() * dim);
    Result<GroundTruth> part = ComputeGroundTruth(slice, queries, dim, metric, options);
    EXPECT_TRUE(part.ok()) << part.status().ToString();
    OffsetGroundTruthIds(&*part, static_cast<std::int64_t>(share.begin));
    // Through a message and back, as between ranks.
    Result<GroundTruth> parsed = ParseGroundTruth(SerializeGroundTruth(*part));
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    lists.push_back(std::move(parsed).value());
  }
  Result<GroundTruth> merged = MergeGroundTruth(lists, k);
  EXPECT_TRUE(merged.ok()) << merged.status().ToString();
  return std::move(merged).value();
}

TEST(GroundTruthMerge, EqualsTheWholeComputationForAnyNumberOfPartsWithTies) {
  const std::size_t dim = 6;
  const std::vector<float> train = TiedRows(500, dim, 1);
  const std::vector<float> queries = TiedRows(20, dim, 2);
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
    GroundTruthOptions options;
    options.k = 30;
    options.threads = 1;
    Result<GroundTruth> whole = ComputeGroundTruth(train, queries, dim, metric, options);
    ASSERT_TRUE(whole.ok()) << whole.status().ToString();
    for (std::size_t parts : {1, 2, 3, 7}) {
      const GroundTruth merged = SplitAndMerge(train, queries, dim, metric, 30, parts);
      EXPECT_EQ(merged.k, 30u);
      EXPECT_EQ(merged.ids, whole->ids) << parts << " parts";
      EXPECT_EQ(merged.distances, whole->distances) << parts << " parts";
      EXPECT_EQ(merged.keys, whole->keys) << parts << " parts";
    }
  }
}

TEST(GroundTruthMerge, RanksByTheExactKeyNotTheRoundedDistance) {
  // Both distances round to 1.0f; the exact keys put id 5 first although id 3 is smaller.
  GroundTruth a{1, 1, {5}, {1.0f}, {1.0 + 1e-12}};
  GroundTruth b{1, 1, {3}, {1.0f}, {1.0 + 2e-12}};
  GroundTruth tie{1, 1, {2}, {1.0f}, {1.0 + 2e-12}};
  std::vector<GroundTruth> parts = {b, a, tie};
  Result<GroundTruth> merged = MergeGroundTruth(parts, 3);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->ids, (std::vector<std::int64_t>{5, 2, 3}));  // Equal keys: the smaller id first.
}

TEST(GroundTruthMerge, SkipsEmptyPartsAndCapsKAtTheRowsThereAre) {
  GroundTruth none;
  none.queries = 1;
  GroundTruth a{1, 2, {0, 1}, {0.0f, 1.0f}, {0.0, 1.0}};
  std::vector<GroundTruth> parts = {none, a, none};
  Result<GroundTruth> merged = MergeGroundTruth(parts, 100);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->k, 2u);
  EXPECT_EQ(merged->ids, (std::vector<std::int64_t>{0, 1}));
  std::vector<GroundTruth> empty = {none};
  EXPECT_EQ(MergeGroundTruth(empty, 1).status().message(), "ground truth merge: no part has rows");
}

TEST(GroundTruthMerge, RefusesPartsThatDisagree) {
  GroundTruth a{1, 1, {0}, {0.0f}, {0.0}};
  GroundTruth b{2, 1, {1, 2}, {0.0f, 0.0f}, {0.0, 0.0}};
  std::vector<GroundTruth> parts = {a, b};
  EXPECT_EQ(MergeGroundTruth(parts, 1).status().message(), "ground truth merge: part 1 has 2 queries, part 0 has 1");
  GroundTruth no_keys{1, 1, {0}, {0.0f}, {}};
  std::vector<GroundTruth> keyless = {no_keys};
  EXPECT_EQ(MergeGroundTruth(keyless, 1).status().message(),
            "ground truth merge: part 0 holds 1 ids, 1 distances and 0 keys for 1 queries x k 1");
}

TEST(GroundTruthMerge, ParseRefusesMalformedMessages) {
  GroundTruth a{1, 2, {0, 1}, {0.0f, 1.0f}, {0.0, 1.0}};
  std::string bytes = SerializeGroundTruth(a);
  Result<GroundTruth> back = ParseGroundTruth(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ids, a.ids);
  EXPECT_EQ(back->distances, a.distances);
  EXPECT_EQ(back->keys, a.keys);
  bytes.pop_back();
  EXPECT_EQ(ParseGroundTruth(bytes).status().message(),
            "ground truth message of " + std::to_string(bytes.size()) + " bytes is malformed");
  EXPECT_FALSE(ParseGroundTruth(bytes + "xy").ok());
}

}  // namespace
}  // namespace zyphyr
