// Shared helpers for the index tests: seeded data, stores and recall against
// the exact oracle.
#ifndef ZYPHYR_TESTS_INDEX_INDEX_TEST_UTIL_H_
#define ZYPHYR_TESTS_INDEX_INDEX_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <vector>

#include "src/core/vector_store.h"
#include "src/data/synthetic.h"
#include "src/eval/recall.h"
#include "src/index/brute_force.h"
#include "src/index/hnsw_index.h"
#include "src/index/scored_node.h"

namespace zyphyr::testing {

inline VectorStore MakeStore(const Dataset& data, Metric metric) {
  VectorStore store(data.dim, metric);
  std::vector<std::uint64_t> ids(data.n);
  std::iota(ids.begin(), ids.end(), 0);
  Status st = store.AddBatch(ids, data.rows);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return store;
}

inline std::unique_ptr<HnswIndex> BuildIndex(const Dataset& data, Metric metric, HnswBuildOptions options = {}) {
  auto index = HnswIndex::Build(MakeStore(data, metric), options);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return std::move(index).value();
}

// Id-overlap recall (zyphyr::IdOverlapRecall) of `approx` against the exact
// k nearest, k the length of every exact list: the fraction of the exact ids
// found. Stricter than the distance-based recall the command line prints (a
// tie found under another id is a miss), which is what these tests want.
inline double IdOverlapRecall(const std::vector<std::vector<Neighbor>>& exact,
                              const std::vector<std::vector<Neighbor>>& approx) {
  EXPECT_EQ(exact.size(), approx.size());
  const std::size_t k = exact.empty() ? 0 : exact[0].size();
  std::vector<std::int64_t> truth;
  for (const std::vector<Neighbor>& list : exact) {
    EXPECT_EQ(list.size(), k) << "exact lists of different lengths";
    for (const Neighbor& n : list) truth.push_back(static_cast<std::int64_t>(n.id));
  }
  return zyphyr::IdOverlapRecall(IdsOf(approx), truth, k, k);
}

inline std::vector<std::vector<Neighbor>> SearchAll(const HnswIndex& index, const Dataset& queries,
                                                    HnswSearchOptions options) {
  std::vector<std::vector<Neighbor>> out;
  for (std::size_t q = 0; q < queries.n; ++q) {
    auto result = index.Search(queries.row(q), options);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    out.push_back(result.ok() ? *result : std::vector<Neighbor>{});
  }
  return out;
}

inline std::vector<std::vector<Neighbor>> Exact(const HnswIndex& index, const Dataset& queries, std::size_t k) {
  auto exact = ExactSearch(index.store(), queries.rows, k, 2);
  EXPECT_TRUE(exact.ok()) << exact.status().ToString();
  return std::move(exact).value();
}

// Expects two searches' results to be the same nodes at the same distances,
// in the same order (a fatal failure when their lengths differ).
inline void ExpectSameNodes(const std::vector<ScoredNode>& got, const std::vector<ScoredNode>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t j = 0; j < want.size(); ++j) {
    EXPECT_EQ(got[j].node, want[j].node);
    EXPECT_EQ(got[j].distance, want[j].distance);
  }
}

}  // namespace zyphyr::testing

#endif  // ZYPHYR_TESTS_INDEX_INDEX_TEST_UTIL_H_
