// EvenPart, ShardsOfRank and RankOfShard: exact covers, balanced sizes with
// the larger parts first, and RankOfShard the inverse of ShardsOfRank.
#include "mpi/shard_assignment.h"

#include <gtest/gtest.h>

#include <cstddef>

namespace zyphyr {
namespace {

TEST(IndexRange, SizeAndContains) {
  const IndexRange r{3, 7};
  EXPECT_EQ(r.size(), 4u);
  EXPECT_FALSE(r.contains(2));
  EXPECT_TRUE(r.contains(3));
  EXPECT_TRUE(r.contains(6));
  EXPECT_FALSE(r.contains(7));
  const IndexRange empty{5, 5};
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_FALSE(empty.contains(5));
  EXPECT_EQ(r, (IndexRange{3, 7}));
  EXPECT_NE(r, (IndexRange{3, 8}));
}

TEST(EvenPart, KnownSplits) {
  EXPECT_EQ(EvenPart(10, 3, 0), (IndexRange{0, 4}));
  EXPECT_EQ(EvenPart(10, 3, 1), (IndexRange{4, 7}));
  EXPECT_EQ(EvenPart(10, 3, 2), (IndexRange{7, 10}));
  EXPECT_EQ(EvenPart(2, 4, 0), (IndexRange{0, 1}));
  EXPECT_EQ(EvenPart(2, 4, 1), (IndexRange{1, 2}));
  EXPECT_EQ(EvenPart(2, 4, 2), (IndexRange{2, 2}));
  EXPECT_EQ(EvenPart(2, 4, 3), (IndexRange{2, 2}));
  EXPECT_EQ(EvenPart(0, 3, 1), (IndexRange{0, 0}));
  EXPECT_EQ(EvenPart(7, 1, 0), (IndexRange{0, 7}));
}

TEST(EvenPart, PartsCoverEverythingContiguouslyLargerFirst) {
  for (std::size_t total = 0; total <= 70; ++total) {
    for (std::size_t parts = 1; parts <= 20; ++parts) {
      std::size_t next = 0;
      std::size_t previous_size = total + 1;
      const std::size_t base = total / parts;
      for (std::size_t p = 0; p < parts; ++p) {
        const IndexRange r = EvenPart(total, parts, p);
        ASSERT_EQ(r.begin, next) << total << " in " << parts << ", part " << p;
        ASSERT_LE(r.begin, r.end);
        EXPECT_TRUE(r.size() == base || r.size() == base + 1) << total << " in " << parts << ", part " << p;
        EXPECT_LE(r.size(), previous_size) << total << " in " << parts << ", part " << p;
        previous_size = r.size();
        next = r.end;
      }
      EXPECT_EQ(next, total) << total << " in " << parts;
    }
  }
}

TEST(EvenPart, LargeTotals) {
  const std::size_t total = (std::size_t{1} << 40) + 3;
  std::size_t next = 0;
  for (std::size_t p = 0; p < 4; ++p) {
    const IndexRange r = EvenPart(total, 4, p);
    EXPECT_EQ(r.begin, next);
    EXPECT_EQ(r.size(), (std::size_t{1} << 38) + (p < 3 ? 1 : 0));
    next = r.end;
  }
  EXPECT_EQ(next, total);
}

TEST(ShardsOfRank, EveryRankGetsAShardWhenThereAreEnough) {
  for (std::size_t ranks = 1; ranks <= 16; ++ranks) {
    for (std::size_t shards = ranks; shards <= 48; ++shards) {
      std::size_t next = 0;
      for (std::size_t rank = 0; rank < ranks; ++rank) {
        const IndexRange mine = ShardsOfRank(shards, ranks, rank);
        EXPECT_GE(mine.size(), 1u) << shards << " shards, " << ranks << " ranks, rank " << rank;
        EXPECT_EQ(mine.begin, next);
        EXPECT_EQ(mine, EvenPart(shards, ranks, rank));
        next = mine.end;
      }
      EXPECT_EQ(next, shards);
    }
  }
}

TEST(ShardsOfRank, FewerShardsThanRanksLeavesTheLastRanksIdle) {
  EXPECT_EQ(ShardsOfRank(2, 5, 0), (IndexRange{0, 1}));
  EXPECT_EQ(ShardsOfRank(2, 5, 1), (IndexRange{1, 2}));
  for (std::size_t rank = 2; rank < 5; ++rank) EXPECT_EQ(ShardsOfRank(2, 5, rank).size(), 0u);
}

TEST(RankOfShard, IsTheInverseOfShardsOfRank) {
  for (std::size_t ranks = 1; ranks <= 16; ++ranks) {
    for (std::size_t shards = 1; shards <= 48; ++shards) {
      for (std::size_t rank = 0; rank < ranks; ++rank) {
        const IndexRange mine = ShardsOfRank(shards, ranks, rank);
        for (std::size_t shard = mine.begin; shard < mine.end; ++shard) {
          ASSERT_EQ(RankOfShard(shards, ranks, shard), rank)
              << "shard " << shard << " of " << shards << " over " << ranks << " ranks";
        }
      }
      for (std::size_t shard = 0; shard < shards; ++shard) {
        const std::size_t rank = RankOfShard(shards, ranks, shard);
        ASSERT_LT(rank, ranks);
        EXPECT_TRUE(ShardsOfRank(shards, ranks, rank).contains(shard));
      }
    }
  }
}

}  // namespace
}  // namespace zyphyr
