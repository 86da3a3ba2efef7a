#include "src/index/visited_table.h"

#include <gtest/gtest.h>

namespace zyphyr {
namespace {

TEST(VisitedTable, ResetForgetsMarks) {
  VisitedTable table(10);
  EXPECT_FALSE(table.TestAndSet(3));
  EXPECT_TRUE(table.TestAndSet(3));
  EXPECT_TRUE(table.Test(3));
  EXPECT_FALSE(table.Test(4));
  table.Reset();
  EXPECT_FALSE(table.Test(3));
}

TEST(VisitedTable, EpochWrapClearsStaleMarks) {
  VisitedTable table(4);
  table.TestAndSet(1);
  // Walk the epoch all the way round, twice: a mark made 2^bits resets ago
  // must not read as a mark of the current search.
  constexpr int kEpochs = 1 << (8 * sizeof(VisitedTable::Epoch));
  static_assert(kEpochs == 256);
  for (int i = 0; i < 2 * kEpochs; ++i) {
    table.Reset();
    ASSERT_FALSE(table.Test(1)) << "after " << i + 1 << " resets";
    if (i % 7 == 0) table.TestAndSet(2);
  }
}

TEST(VisitedPool, LeasesAreReusedAndFresh) {
  VisitedPool pool(8);
  VisitedTable* first = nullptr;
  {
    VisitedPool::Lease lease = pool.Acquire();
    first = &*lease;
    lease->TestAndSet(5);
  }
  VisitedPool::Lease again = pool.Acquire();
  EXPECT_EQ(&*again, first);
  EXPECT_FALSE(again->Test(5));
  VisitedPool::Lease other = pool.Acquire();
  EXPECT_NE(&*other, first);
}

}  // namespace
}  // namespace zyphyr
