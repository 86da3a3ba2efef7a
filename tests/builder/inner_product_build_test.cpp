// An index directory built under raw inner product (the one build path:
// DistributedBuild on one rank) over rows whose norms vary widely: its shard,
// written and opened again, finds the exact top 10 by inner product.
#include <gtest/gtest.h>

#include <cstdio>

#include "builder/open_index.h"
#include "tests/builder/one_rank_build.h"
#include "tests/index/index_test_util.h"
#include "tests/index/norm_spread_data.h"
#include "tests/scratch_dir.h"

namespace zyphyr {
namespace {

using testing::ExactByInnerProduct;
using testing::NormSpread;
using testing::ScratchDir;

TEST(StoredIndex, InnerProductShardOverVaryingNormsReachesRecallAt10) {
  const Dataset data = NormSpread(5000, 32, 16, 33, 10.0);
  Result<Dataset> queries = ClusteredGaussian(200, 32, 16, 33, SampleStream::kQueries);
  ASSERT_TRUE(queries.ok());
  ScratchDir scratch;
  const std::string dir = scratch.File("index");
  ASSERT_TRUE(testing::BuildOnOneRank(dir, data, Metric::kInnerProduct).ok());
  Result<std::unique_ptr<StoredIndex>> index = OpenSearchableIndex(dir);
  ASSERT_TRUE(index.ok()) << index.status().ToString();

  std::vector<std::vector<Neighbor>> found;
  for (std::size_t q = 0; q < queries->n; ++q) {
    auto r = (*index)->Search(queries->row(q), HnswSearchOptions{.k = 10, .ef = 128});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    found.push_back(*r);
  }
  const double recall = testing::IdOverlapRecall(ExactByInnerProduct(data, *queries, 10), found);
  std::printf("stored ip shard, norms spread 0.1-10: recall@10 %.4f at ef 128\n", recall);
  EXPECT_GE(recall, 0.95);
}

}  // namespace
}  // namespace zyphyr
