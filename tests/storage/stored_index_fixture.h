// What the index-directory tests share: a small clustered build, opening and
// searching with test failures instead of Results, exact neighbours over a map
// of live rows, and a directory's listing.
#ifndef ZYPHYR_TESTS_STORAGE_STORED_INDEX_FIXTURE_H_
#define ZYPHYR_TESTS_STORAGE_STORED_INDEX_FIXTURE_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "builder/open_index.h"
#include "mpi/distributed_build.h"
#include "src/data/synthetic.h"
#include "src/index/neighbor.h"
#include "storage/stored_index.h"
#include "tests/builder/one_rank_build.h"
#include "tests/scratch_dir.h"

namespace zyphyr::testing {

// The dimension of every fixture row.
constexpr std::size_t kDim = 12;

struct Fixture {
  Dataset base;
  Dataset queries;
  DistributedBuildParams params;
};

// `n` base rows and 30 queries from 5 clusters (seed 11), with build
// parameters M 6, efConstruction 40 on one thread.
inline Fixture MakeFixture(std::size_t n = 400) {
  Fixture f;
  f.base = *ClusteredGaussian(n, kDim, 5, 11);
  f.queries = *ClusteredGaussian(30, kDim, 5, 11, SampleStream::kQueries);
  f.params.hnsw.M = 6;
  f.params.hnsw.ef_construction = 40;
  f.params.hnsw.threads = 1;
  f.params.data = "synthetic";
  return f;
}

// A fixture whose base rows are built (L2, on one rank) as the index
// directory `idx` in a scratch directory of its own.
struct IndexDirFixture : Fixture {
  explicit IndexDirFixture(std::size_t n = 400) : Fixture(MakeFixture(n)), idx(dir.File("idx")) {}
  // Builds the index directory; what BuildOnOneRank returns.
  Status Build() const { return BuildOnOneRank(idx, base, Metric::kL2, params); }

  ScratchDir dir;
  std::string idx;
};

// The index at `dir` opened for search; nullptr, with a test failure, when it does not open.
inline std::unique_ptr<StoredIndex> OpenIndex(const std::string& dir) {
  auto index = OpenSearchableIndex(dir);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return index.ok() ? std::move(*index) : nullptr;
}

// The k nearest of `q` at beam `ef`; empty, with a test failure, on an error.
inline std::vector<Neighbor> Search(const StoredIndex& index, std::span<const float> q, std::size_t k, std::size_t ef) {
  auto r = index.Search(q, HnswSearchOptions{k, ef});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<Neighbor>{};
}

// Exact top-k over (id, vector) pairs, L2.
inline std::vector<std::uint64_t> ExactIds(const std::map<std::uint64_t, std::vector<float>>& live,
                                           std::span<const float> q, std::size_t k) {
  std::vector<std::pair<double, std::uint64_t>> all;
  for (const auto& [id, v] : live) {
    double d = 0;
    for (std::size_t i = 0; i < v.size(); ++i) d += (double{v[i]} - q[i]) * (double{v[i]} - q[i]);
    all.push_back({d, id});
  }
  std::sort(all.begin(), all.end());
  std::vector<std::uint64_t> ids;
  for (std::size_t i = 0; i < std::min(k, all.size()); ++i) ids.push_back(all[i].second);
  return ids;
}

// The names in directory `dir`, sorted.
inline std::vector<std::string> SortedNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace zyphyr::testing

#endif  // ZYPHYR_TESTS_STORAGE_STORED_INDEX_FIXTURE_H_
