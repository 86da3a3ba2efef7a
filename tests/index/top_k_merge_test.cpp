// TopKLists and MergeTopK: the merge of several parts against a brute-force
// oracle over their union (ties by smaller id, duplicates kept once at their
// smallest distance), unused slots, parts of different k.
#include "src/index/top_k_merge.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <vector>

namespace zyphyr {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

constexpr NeighborOrder Nearer{};

TEST(NeighborOrderTest, SmallerDistanceFirstThenSmallerId) {
  EXPECT_TRUE(Nearer({1.0f, 9}, {2.0f, 1}));
  EXPECT_FALSE(Nearer({2.0f, 1}, {1.0f, 9}));
  EXPECT_TRUE(Nearer({1.0f, 3}, {1.0f, 4}));
  EXPECT_FALSE(Nearer({1.0f, 4}, {1.0f, 3}));
  EXPECT_FALSE(Nearer({1.0f, 3}, {1.0f, 3}));  // Strict.
  EXPECT_TRUE(DistanceIdLess(0.5, std::int64_t{7}, 0.5, std::int64_t{8}));
}

// The k nearest of the union of every part's used slots for query q: each id
// once at its smallest distance, ties by smaller id.
std::vector<Neighbor> Oracle(const std::vector<TopKLists>& parts, std::size_t q, std::size_t k) {
  std::map<std::uint64_t, float> best;
  for (const TopKLists& part : parts) {
    for (const Neighbor& n : part.Get(q)) {
      auto [it, inserted] = best.emplace(n.id, n.distance);
      if (!inserted) it->second = std::min(it->second, n.distance);
    }
  }
  std::vector<Neighbor> all;
  for (const auto& [id, d] : best) all.push_back({d, id});
  std::sort(all.begin(), all.end(), Nearer);
  if (all.size() > k) all.resize(k);
  return all;
}

// Every query's slots past its used ones are unused (kNoId, +inf), and the
// used ones are nearest first.
void ExpectWellFormed(const TopKLists& lists) {
  ASSERT_EQ(lists.distances.size(), lists.queries * lists.k);
  ASSERT_EQ(lists.ids.size(), lists.queries * lists.k);
  for (std::size_t q = 0; q < lists.queries; ++q) {
    const std::vector<Neighbor> used = lists.Get(q);
    EXPECT_TRUE(std::is_sorted(used.begin(), used.end(), Nearer)) << "query " << q;
    for (std::size_t j = used.size(); j < lists.k; ++j) {
      EXPECT_EQ(lists.ids[q * lists.k + j], kNoId) << "query " << q << " slot " << j;
      EXPECT_EQ(lists.distances[q * lists.k + j], kInf) << "query " << q << " slot " << j;
    }
  }
}

TEST(TopKLists, StartsWithEverySlotUnused) {
  TopKLists lists(3, 4);
  EXPECT_EQ(lists.queries, 3u);
  EXPECT_EQ(lists.k, 4u);
  EXPECT_EQ(lists.ids, std::vector<std::uint64_t>(12, kNoId));
  EXPECT_EQ(lists.distances, std::vector<float>(12, kInf));
  for (std::size_t q = 0; q < 3; ++q) EXPECT_TRUE(lists.Get(q).empty());
  EXPECT_EQ(kNoId, std::numeric_limits<std::uint64_t>::max());
}

TEST(TopKLists, SetThenGetRoundTrips) {
  TopKLists lists(2, 4);
  const std::vector<Neighbor> full = {{0.5f, 7}, {0.5f, 9}, {1.0f, 2}, {3.0f, 0}};
  const std::vector<Neighbor> partial = {{-2.0f, 11}, {4.0f, 3}};
  lists.Set(0, full);
  lists.Set(1, partial);
  EXPECT_EQ(lists.Get(0), full);
  EXPECT_EQ(lists.Get(1), partial);
  EXPECT_EQ(lists.ids, (std::vector<std::uint64_t>{7, 9, 2, 0, 11, 3, kNoId, kNoId}));
  EXPECT_EQ(lists.distances, (std::vector<float>{0.5f, 0.5f, 1.0f, 3.0f, -2.0f, 4.0f, kInf, kInf}));

  // Setting fewer results again clears the slots left over from before.
  lists.Set(0, std::vector<Neighbor>{{0.25f, 1}});
  EXPECT_EQ(lists.Get(0), (std::vector<Neighbor>{{0.25f, 1}}));
  EXPECT_EQ(lists.ids[1], kNoId);
  EXPECT_EQ(lists.distances[3], kInf);
  EXPECT_EQ(lists.Get(1), partial);  // The other query is untouched.

  // More than k results: the first k are kept.
  lists.Set(1, std::vector<Neighbor>{{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {6, 6}});
  EXPECT_EQ(lists.Get(1), (std::vector<Neighbor>{{1, 1}, {2, 2}, {3, 3}, {4, 4}}));

  lists.Set(1, {});
  EXPECT_TRUE(lists.Get(1).empty());
  ExpectWellFormed(lists);
}

TEST(TopKLists, EqualityComparesEveryField) {
  TopKLists a(2, 3);
  TopKLists b(2, 3);
  EXPECT_EQ(a, b);
  a.Set(1, std::vector<Neighbor>{{1.0f, 4}});
  EXPECT_NE(a, b);
  b.Set(1, std::vector<Neighbor>{{1.0f, 4}});
  EXPECT_EQ(a, b);
  EXPECT_NE(TopKLists(2, 3), TopKLists(3, 2));
}

TEST(MergeTopK, MatchesABruteForceSortOfTheUnion) {
  std::mt19937_64 rng(2024);
  for (int trial = 0; trial < 40; ++trial) {
    const std::size_t queries = 1 + rng() % 6;
    const std::size_t k = 1 + rng() % 12;
    const std::size_t part_count = 1 + rng() % 5;
    // Few distinct distances and a small id space: many exact ties and many
    // ids found by several parts.
    const std::uint64_t id_space = 5 + rng() % 40;
    std::vector<TopKLists> parts;
    for (std::size_t p = 0; p < part_count; ++p) {
      TopKLists part(queries, 1 + rng() % 15);
      for (std::size_t q = 0; q < queries; ++q) {
        std::vector<std::uint64_t> ids(id_space);
        for (std::uint64_t i = 0; i < id_space; ++i) ids[i] = i * 1000003;  // Spread out, still ordered.
        std::shuffle(ids.begin(), ids.end(), rng);
        const std::size_t used = rng() % (part.k + 1);  // Sometimes none, often fewer than k.
        std::vector<Neighbor> found;
        for (std::size_t j = 0; j < std::min<std::size_t>(used, id_space); ++j) {
          found.push_back({static_cast<float>(rng() % 4) * 0.5f - 0.5f, ids[j]});
        }
        std::sort(found.begin(), found.end(), Nearer);
        part.Set(q, found);
      }
      parts.push_back(std::move(part));
    }
    const TopKLists merged = MergeTopK(parts, queries, k);
    ASSERT_EQ(merged.queries, queries);
    ASSERT_EQ(merged.k, k);
    ExpectWellFormed(merged);
    for (std::size_t q = 0; q < queries; ++q) {
      EXPECT_EQ(merged.Get(q), Oracle(parts, q, k)) << "trial " << trial << " query " << q;
    }
  }
}

TEST(MergeTopK, TiesGoToTheSmallerId) {
  TopKLists a(1, 3);
  TopKLists b(1, 3);
  a.Set(0, std::vector<Neighbor>{{1.0f, 30}, {1.0f, 50}, {2.0f, 1}});
  b.Set(0, std::vector<Neighbor>{{1.0f, 10}, {1.0f, 40}, {1.0f, 60}});
  const TopKLists merged = MergeTopK(std::vector<TopKLists>{a, b}, 1, 4);
  EXPECT_EQ(merged.Get(0), (std::vector<Neighbor>{{1.0f, 10}, {1.0f, 30}, {1.0f, 40}, {1.0f, 50}}));
  // The order of the parts does not matter.
  EXPECT_EQ(MergeTopK(std::vector<TopKLists>{b, a}, 1, 4), merged);
}

TEST(MergeTopK, PartsOfDifferentK) {
  TopKLists small(2, 1);
  TopKLists large(2, 5);
  small.Set(0, std::vector<Neighbor>{{0.1f, 100}});
  small.Set(1, std::vector<Neighbor>{{9.0f, 101}});
  large.Set(0, std::vector<Neighbor>{{0.0f, 1}, {0.2f, 2}, {0.3f, 3}, {0.4f, 4}, {0.5f, 5}});
  large.Set(1, std::vector<Neighbor>{{1.0f, 6}});
  const TopKLists merged = MergeTopK(std::vector<TopKLists>{small, large}, 2, 3);
  EXPECT_EQ(merged.Get(0), (std::vector<Neighbor>{{0.0f, 1}, {0.1f, 100}, {0.2f, 2}}));
  EXPECT_EQ(merged.Get(1), (std::vector<Neighbor>{{1.0f, 6}, {9.0f, 101}}));
  ExpectWellFormed(merged);
  // A k larger than every part's.
  const TopKLists wide = MergeTopK(std::vector<TopKLists>{small, large}, 2, 8);
  EXPECT_EQ(wide.Get(0).size(), 6u);
  EXPECT_EQ(wide.Get(1).size(), 2u);
  ExpectWellFormed(wide);
}

TEST(MergeTopK, UnusedSlotsAreIgnoredAndTrail) {
  TopKLists a(2, 4);
  TopKLists b(2, 4);
  a.Set(0, std::vector<Neighbor>{{3.0f, 3}});
  b.Set(0, std::vector<Neighbor>{{1.0f, 1}, {2.0f, 2}});
  // Query 1: no part found anything.
  const TopKLists merged = MergeTopK(std::vector<TopKLists>{a, b}, 2, 4);
  EXPECT_EQ(merged.ids, (std::vector<std::uint64_t>{1, 2, 3, kNoId, kNoId, kNoId, kNoId, kNoId}));
  EXPECT_EQ(merged.distances, (std::vector<float>{1.0f, 2.0f, 3.0f, kInf, kInf, kInf, kInf, kInf}));
  EXPECT_TRUE(merged.Get(1).empty());
}

TEST(MergeTopK, AnIdInSeveralPartsIsKeptOnceAtItsSmallerDistance) {
  TopKLists a(1, 3);
  TopKLists b(1, 3);
  TopKLists c(1, 3);
  a.Set(0, std::vector<Neighbor>{{1.0f, 5}, {4.0f, 8}, {6.0f, 9}});
  b.Set(0, std::vector<Neighbor>{{2.0f, 8}, {3.0f, 5}, {5.0f, 7}});
  c.Set(0, std::vector<Neighbor>{{0.5f, 9}});
  const TopKLists merged = MergeTopK(std::vector<TopKLists>{a, b, c}, 1, 3);
  EXPECT_EQ(merged.Get(0), (std::vector<Neighbor>{{0.5f, 9}, {1.0f, 5}, {2.0f, 8}}));
  // The duplicates do not take slots: 4 distinct ids fill k = 4.
  const TopKLists four = MergeTopK(std::vector<TopKLists>{a, b, c}, 1, 4);
  EXPECT_EQ(four.Get(0), (std::vector<Neighbor>{{0.5f, 9}, {1.0f, 5}, {2.0f, 8}, {5.0f, 7}}));
  // The same list merged with itself is itself.
  EXPECT_EQ(MergeTopK(std::vector<TopKLists>{a, a}, 1, 3), a);
}

TEST(MergeTopK, FewerResultsThanK) {
  TopKLists a(1, 2);
  a.Set(0, std::vector<Neighbor>{{1.0f, 1}, {2.0f, 2}});
  const TopKLists merged = MergeTopK(std::vector<TopKLists>{a}, 1, 10);
  EXPECT_EQ(merged.k, 10u);
  EXPECT_EQ(merged.Get(0), a.Get(0));
  ExpectWellFormed(merged);
}

TEST(MergeTopK, NoPartsGiveEveryQueryNoResult) {
  const TopKLists merged = MergeTopK({}, 3, 2);
  EXPECT_EQ(merged, TopKLists(3, 2));
}

TEST(MergeTopK, ZeroQueries) {
  std::vector<TopKLists> parts = {TopKLists(0, 3), TopKLists(0, 5)};
  const TopKLists merged = MergeTopK(parts, 0, 4);
  EXPECT_EQ(merged.queries, 0u);
  EXPECT_EQ(merged.k, 4u);
  EXPECT_TRUE(merged.ids.empty());
  EXPECT_TRUE(merged.distances.empty());
}

}  // namespace
}  // namespace zyphyr
