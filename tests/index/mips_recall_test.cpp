// Raw inner product (rows not normalised, norms spread over two orders of
// magnitude): an HNSW index built with metric ip finds the exact top 10 by
// inner product, with either graph an ip build can make
// (HnswBuildOptions::ip_graph), and reports the inner products themselves.
#include <gtest/gtest.h>

#include <cstdio>

#include "src/index/hnsw_index.h"
#include "tests/index/index_test_util.h"
#include "tests/index/norm_spread_data.h"

namespace zyphyr {
namespace {

using testing::BuildIndex;
using testing::ExactByInnerProduct;
using testing::IdOverlapRecall;
using testing::NormSpread;
using testing::SearchAll;

class MipsRecallTest : public ::testing::TestWithParam<InnerProductGraph> {};

TEST_P(MipsRecallTest, InnerProductOverVaryingNormsReachesRecallAt10) {
  const Dataset data = NormSpread(5000, 32, 16, 21, 10.0);
  Result<Dataset> queries = ClusteredGaussian(200, 32, 16, 21, SampleStream::kQueries);
  ASSERT_TRUE(queries.ok());
  const std::vector<std::vector<Neighbor>> exact = ExactByInnerProduct(data, *queries, 10);
  std::unique_ptr<HnswIndex> index = BuildIndex(data, Metric::kInnerProduct, {.threads = 2, .ip_graph = GetParam()});

  double previous = 0.0;
  for (std::size_t ef : {10, 32, 64, 128}) {
    const double recall = IdOverlapRecall(exact, SearchAll(*index, *queries, HnswSearchOptions{.k = 10, .ef = ef}));
    std::printf("ip, norms spread 0.1-10: recall@10 %.4f at ef %zu\n", recall, ef);
    RecordProperty("recall_at_10_ef" + std::to_string(ef), std::to_string(recall));
    EXPECT_GE(recall, previous - 0.005) << "ef " << ef;
    previous = recall;
  }
  EXPECT_GE(previous, 0.95) << "at ef 128";
}

INSTANTIATE_TEST_SUITE_P(BothGraphs, MipsRecallTest,
                         ::testing::Values(InnerProductGraph::kInnerProduct, InnerProductGraph::kAugmentedL2),
                         [](const auto& info) {
                           return std::string(info.param == InnerProductGraph::kInnerProduct ? "InnerProduct"
                                                                                             : "AugmentedL2");
                         });

TEST(MipsRecall, SearchOfAnAugmentedGraphRanksByTheTrueInnerProduct) {
  // The graph is built over augmented rows, but results are reported as the
  // inner products themselves, largest first.
  const Dataset data = NormSpread(2000, 16, 8, 5, 10.0);
  Result<Dataset> queries = ClusteredGaussian(20, 16, 8, 5, SampleStream::kQueries);
  ASSERT_TRUE(queries.ok());
  std::unique_ptr<HnswIndex> index =
      BuildIndex(data, Metric::kInnerProduct, {.ip_graph = InnerProductGraph::kAugmentedL2});
  for (std::size_t q = 0; q < queries->n; ++q) {
    auto found = index->Search(queries->row(q), HnswSearchOptions{.k = 10, .ef = 128});
    ASSERT_TRUE(found.ok());
    ASSERT_EQ(found->size(), 10u);
    for (std::size_t r = 0; r < found->size(); ++r) {
      double dot = 0.0;
      for (std::size_t j = 0; j < 16; ++j) dot += static_cast<double>(queries->row(q)[j]) * data.row((*found)[r].id)[j];
      EXPECT_NEAR((*found)[r].distance, dot, 1e-4 * (1.0 + std::abs(dot))) << "query " << q << " rank " << r;
      if (r > 0) {
        EXPECT_GE((*found)[r - 1].distance, (*found)[r].distance);
      }
    }
  }
}

}  // namespace
}  // namespace zyphyr
