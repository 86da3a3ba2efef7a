// Compaction folds the logs of an index directory into a new generation.
#include "builder/compaction.h"

#include <gtest/gtest.h>

#include "builder/index_insert.h"
#include "src/core/metric.h"
#include "storage/index_mutations.h"
#include "tests/builder/one_rank_build.h"
#include "tests/scratch_dir.h"
#include "tests/storage/storage_test_util.h"
#include "tests/storage/stored_index_fixture.h"

namespace zyphyr {
namespace {

using testing::IndexDirFixture;
using testing::OpenIndex;
using testing::Search;
using testing::SortedNames;

TEST(StoredIndex, CompactionFoldsTheLogIntoANewGeneration) {
  IndexDirFixture f;
  ASSERT_TRUE(f.Build().ok());
  ASSERT_TRUE(InsertIntoIndex(f.idx, f.queries.rows, f.queries.n).ok());
  ASSERT_TRUE(DeleteFromIndex(f.idx, std::vector<std::uint64_t>{1, 2, 3, 410}).ok());
  auto before = OpenIndex(f.idx);
  ASSERT_NE(before, nullptr);
  std::vector<std::vector<Neighbor>> expected;
  for (std::size_t q = 0; q < f.queries.n; ++q) expected.push_back(Search(*before, f.queries.row(q), 10, 500));
  before.reset();

  auto report = CompactIndex(f.idx, 2);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->generation, 2u);
  EXPECT_EQ(report->rows, 400u + 30u - 4u);
  EXPECT_EQ(report->inserted, 29u);
  EXPECT_EQ(report->deleted, 4u);
  EXPECT_EQ(SortedNames(f.idx), (std::vector<std::string>{".lock", "manifest.json", "shard-0000-g2.zys"}));

  auto after = OpenIndex(f.idx);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->manifest().generation, 2u);
  EXPECT_EQ(after->live_rows(), 426u);
  EXPECT_EQ(after->inserted_rows(), 0u);
  EXPECT_EQ(after->deleted_ids(), 0u);
  EXPECT_EQ(after->next_id(), 430u);
  // The same neighbours (distances may differ in the last bit: the batch and
  // pairwise kernels sum in different orders, and the new graph is walked in
  // another order).
  for (std::size_t q = 0; q < f.queries.n; ++q) {
    auto found = Search(*after, f.queries.row(q), 10, 500);
    ASSERT_EQ(found.size(), expected[q].size());
    for (std::size_t i = 0; i < found.size(); ++i) {
      EXPECT_EQ(found[i].id, expected[q][i].id) << "query " << q << " rank " << i;
      EXPECT_NEAR(found[i].distance, expected[q][i].distance, 1e-5f * (1 + expected[q][i].distance));
    }
  }
  // Ids keep counting after the compaction.
  auto next = InsertIntoIndex(f.idx, f.queries.row(0), 1);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 430u);
}

}  // namespace
}  // namespace zyphyr
