// Inserts and deletes through the shard logs: searchable, never returned once
// deleted, refused without writing anything.
#include "storage/index_mutations.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "builder/index_insert.h"
#include "src/core/metric.h"
#include "tests/builder/one_rank_build.h"
#include "tests/scratch_dir.h"
#include "tests/storage/storage_test_util.h"
#include "tests/storage/stored_index_fixture.h"

namespace zyphyr {
namespace index_mutations_test {
namespace {

using testing::ExactIds;
using testing::IndexDirFixture;
using testing::kDim;
using testing::OpenIndex;
using testing::ReadBytes;
using testing::Search;

TEST(StoredIndex, InsertsAreSearchableAndDeletesNeverReturned) {
  IndexDirFixture f;
  ASSERT_TRUE(f.Build().ok());
  std::map<std::uint64_t, std::vector<float>> live;
  for (std::size_t i = 0; i < f.base.n; ++i) live[i] = {f.base.row(i).begin(), f.base.row(i).end()};

  // Insert the queries themselves: each is then its own nearest neighbour.
  auto first = InsertIntoIndex(f.idx, f.queries.rows, f.queries.n);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 400u);
  for (std::size_t i = 0; i < f.queries.n; ++i) live[400 + i] = {f.queries.row(i).begin(), f.queries.row(i).end()};
  // Delete some shard rows and some inserted ones.
  const std::vector<std::uint64_t> gone = {0, 7, 7, 123, 399, 401, 429};
  auto deleted = DeleteFromIndex(f.idx, gone);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 6u);
  for (std::uint64_t id : gone) live.erase(id);

  auto index = OpenIndex(f.idx);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->live_rows(), live.size());
  EXPECT_EQ(index->inserted_rows(), 28u);
  EXPECT_EQ(index->deleted_ids(), 6u);
  EXPECT_EQ(index->next_id(), 430u);
  EXPECT_FALSE(index->Contains(7));
  EXPECT_TRUE(index->Contains(8));
  EXPECT_TRUE(index->Contains(400));
  EXPECT_FALSE(index->Contains(401));
  for (std::size_t q = 0; q < f.queries.n; ++q) {
    auto found = Search(*index, f.queries.row(q), 10, 500);  // ef >= rows: exact.
    std::vector<std::uint64_t> ids;
    for (const Neighbor& n : found) ids.push_back(n.id);
    EXPECT_EQ(ids, ExactIds(live, f.queries.row(q), 10)) << "query " << q;
    if (400 + q != 401 && 400 + q != 429) {
      EXPECT_EQ(found[0].id, 400 + q);
      EXPECT_EQ(found[0].distance, 0.0f);
    }
  }
  // A deleted row's own vector never brings it back, at any ef.
  for (std::size_t ef : {10u, 40u, 500u}) {
    for (std::uint64_t id : {0u, 7u, 123u, 399u}) {
      for (const Neighbor& n : Search(*index, f.base.row(id), 10, ef)) EXPECT_NE(n.id, id);
    }
  }
}

TEST(StoredIndex, MutationsAreRefusedWithoutWritingAnything) {
  IndexDirFixture f(100);
  ASSERT_TRUE(f.Build().ok());
  ASSERT_TRUE(DeleteFromIndex(f.idx, std::vector<std::uint64_t>{5}).ok());
  const std::string log = ReadBytes(f.idx + "/shard-0000-g1.log");

  std::vector<float> bad(2 * kDim, 1.0f);
  bad[kDim + 3] = std::nanf("");
  auto nan = InsertIntoIndex(f.idx, bad, 2);
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.status().message(), "vector 1 has a non-finite component (NaN) at index 3");
  auto wrong_dim = InsertIntoIndex(f.idx, std::vector<float>(10, 1.0f), 1);
  ASSERT_FALSE(wrong_dim.ok());
  EXPECT_EQ(wrong_dim.status().message(), "vectors have dimension 10, the index " + f.idx + " has 12");
  auto unknown = DeleteFromIndex(f.idx, std::vector<std::uint64_t>{3, 100});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "id 100 is not in the index");
  auto again = DeleteFromIndex(f.idx, std::vector<std::uint64_t>{5});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().message(), "id 5 is already deleted");
  EXPECT_EQ(ReadBytes(f.idx + "/shard-0000-g1.log"), log);
}

}  // namespace
}  // namespace index_mutations_test
}  // namespace zyphyr
