// Recall of the HNSW index against the exact oracle, per metric and build mode.
#include <gtest/gtest.h>

#include "src/data/synthetic.h"
#include "tests/index/index_test_util.h"

namespace zyphyr {
namespace {

using testing::BuildIndex;
using testing::Exact;
using testing::IdOverlapRecall;
using testing::SearchAll;

class HnswRecallTest : public ::testing::TestWithParam<Metric> {};

TEST_P(HnswRecallTest, RecallAt10AboveTargetOnClusteredData) {
  const Metric metric = GetParam();
  auto base = ClusteredGaussian(20000, 64, 32, 7);
  auto queries = ClusteredGaussian(200, 64, 32, 7, SampleStream::kQueries);
  ASSERT_TRUE(base.ok() && queries.ok());
  auto index = BuildIndex(*base, metric, {.threads = 2});
  ASSERT_EQ(index->size(), 20000u);

  HnswSearchOptions search{.k = 10, .ef = 64};
  double recall = IdOverlapRecall(Exact(*index, *queries, 10), SearchAll(*index, *queries, search));
  RecordProperty("recall_at_10", std::to_string(recall));
  EXPECT_GE(recall, 0.95) << "metric " << MetricName(metric);
}

INSTANTIATE_TEST_SUITE_P(AllMetrics, HnswRecallTest,
                         ::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                         [](const auto& info) { return std::string(MetricName(info.param)); });

TEST(HnswRecall, MultiThreadedBuildMatchesSingleThreaded) {
  auto base = ClusteredGaussian(10000, 32, 16, 11);
  auto queries = ClusteredGaussian(300, 32, 16, 11, SampleStream::kQueries);
  ASSERT_TRUE(base.ok() && queries.ok());
  const HnswBuildOptions one{.ef_construction = 100, .threads = 1};
  const HnswBuildOptions four{.ef_construction = 100, .threads = 4};
  auto single = BuildIndex(*base, Metric::kL2, one);
  auto multi = BuildIndex(*base, Metric::kL2, four);
  HnswSearchOptions search{.ef = 32};
  auto exact = Exact(*single, *queries, 10);
  double r1 = IdOverlapRecall(exact, SearchAll(*single, *queries, search));
  double r4 = IdOverlapRecall(exact, SearchAll(*multi, *queries, search));
  EXPECT_NEAR(r1, r4, 0.01) << "single-threaded " << r1 << ", four threads " << r4;
  EXPECT_GE(r4, 0.9);
}

TEST(HnswRecall, BlockOfIdenticalVectorsDoesNotTrapSearch) {
  auto spread = ClusteredGaussian(19000, 32, 16, 5);
  auto queries = ClusteredGaussian(200, 32, 16, 5, SampleStream::kQueries);
  ASSERT_TRUE(spread.ok() && queries.ok());
  // 1,000 copies of one vector, inserted first so they form the top of the
  // graph and the entry point is one of them.
  Dataset data;
  data.dim = 32;
  data.n = 20000;
  for (std::size_t i = 0; i < 1000; ++i) {
    for (std::size_t j = 0; j < 32; ++j) data.rows.push_back(3.0f);
  }
  data.rows.insert(data.rows.end(), spread->rows.begin(), spread->rows.end());
  auto index = BuildIndex(data, Metric::kL2);
  HnswSearchOptions search{.ef = 64};
  double recall = IdOverlapRecall(Exact(*index, *queries, 10), SearchAll(*index, *queries, search));
  EXPECT_GE(recall, 0.95);

  // A query at the duplicated point gets k results, all at distance 0.
  std::vector<float> at_block(32, 3.0f);
  auto hit = index->Search(at_block, search);
  ASSERT_TRUE(hit.ok());
  ASSERT_EQ(hit->size(), 10u);
  for (const Neighbor& n : *hit) {
    EXPECT_EQ(n.distance, 0.0f);
    EXPECT_LT(n.id, 1000u);
  }
}

}  // namespace
}  // namespace zyphyr
