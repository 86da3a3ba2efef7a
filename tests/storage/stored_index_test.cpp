// Index directories opened for search: search equal to the heap index,
// concurrent searches, refusals of what does not open.
#include "storage/stored_index.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "builder/index_insert.h"
#include "builder/open_index.h"
#include "src/core/metric.h"
#include "storage/index_mutations.h"
#include "tests/builder/one_rank_build.h"
#include "tests/scratch_dir.h"
#include "tests/storage/storage_test_util.h"
#include "tests/storage/stored_index_fixture.h"

namespace zyphyr {
namespace {

using testing::Fixture;
using testing::IndexDirFixture;
using testing::kDim;
using testing::MakeFixture;
using testing::MakeStore;
using testing::OpenIndex;
using testing::ScratchDir;
using testing::Search;
using testing::SortedNames;

TEST(StoredIndex, BuildThenOpenSearchesLikeTheHeapIndex) {
  IndexDirFixture f;
  ASSERT_TRUE(f.Build().ok());
  auto heap = HnswIndex::Build(MakeStore(f.base, Metric::kL2), f.params.hnsw);
  ASSERT_TRUE(heap.ok());
  auto stored = OpenIndex(f.idx);
  ASSERT_NE(stored, nullptr);
  EXPECT_EQ(stored->live_rows(), 400u);
  EXPECT_EQ(stored->next_id(), 400u);
  EXPECT_EQ(stored->manifest().shards.size(), 1u);
  EXPECT_EQ(stored->manifest().source, "synthetic");
  for (std::size_t q = 0; q < f.queries.n; ++q) {
    for (std::size_t ef : {10u, 50u}) {
      auto a = Search(*stored, f.queries.row(q), 10, ef);
      auto b = (*heap)->Search(f.queries.row(q), HnswSearchOptions{10, ef});
      ASSERT_TRUE(b.ok());
      EXPECT_EQ(a, *b) << "query " << q << " ef " << ef;
    }
  }
  // Only the manifest, the lock and the shard: no temporaries.
  EXPECT_EQ(SortedNames(f.idx), (std::vector<std::string>{".lock", "manifest.json", "shard-0000-g1.zys"}));
  EXPECT_EQ(f.dir.List(), std::vector<std::string>{"idx"});
}

TEST(StoredIndex, BuildRefusesAnExistingDirectory) {
  ScratchDir dir;
  Fixture f = MakeFixture(50);
  Status st = testing::BuildOnOneRank(dir.path(), f.base, Metric::kL2, f.params);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), dir.path() + ": already exists (remove it or choose another --index)");
}

TEST(StoredIndex, ShardFromAnotherBuildIsRefused) {
  ScratchDir dir;
  Fixture f = MakeFixture(100);
  ASSERT_TRUE(testing::BuildOnOneRank(dir.File("a"), f.base, Metric::kL2, f.params).ok());
  ASSERT_TRUE(testing::BuildOnOneRank(dir.File("b"), f.base, Metric::kL2, f.params).ok());
  std::filesystem::copy_file(dir.File("b/shard-0000-g1.zys"), dir.File("a/shard-0000-g1.zys"),
                             std::filesystem::copy_options::overwrite_existing);
  auto index = OpenSearchableIndex(dir.File("a"));
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.status().message(),
            dir.File("a/shard-0000-g1.zys") +
                ": does not match the manifest (header checksum differs from the manifest's (a shard of another "
                "build?))");
  auto missing = OpenSearchableIndex(dir.File("nothing"));
  EXPECT_EQ(missing.status().message(), dir.File("nothing") + ": no such directory");
  auto not_index = OpenSearchableIndex(dir.path());
  EXPECT_EQ(not_index.status().message(), dir.path() + ": not an index directory (no manifest.json)");
}

TEST(StoredIndex, ConcurrentSearchesMatchSerialOnes) {
  IndexDirFixture f;
  ASSERT_TRUE(f.Build().ok());
  ASSERT_TRUE(InsertIntoIndex(f.idx, std::span<const float>(f.queries.rows).first(10 * kDim), 10).ok());
  ASSERT_TRUE(DeleteFromIndex(f.idx, std::vector<std::uint64_t>{3, 4, 405}).ok());
  auto index = OpenIndex(f.idx);
  ASSERT_NE(index, nullptr);
  std::vector<std::vector<Neighbor>> serial;
  for (std::size_t q = 0; q < f.queries.n; ++q) serial.push_back(Search(*index, f.queries.row(q), 10, 32));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (std::size_t q = t % 2; q < f.queries.n; ++q) {
          auto r = index->Search(f.queries.row(q), HnswSearchOptions{10, 32});
          if (!r.ok() || *r != serial[q]) ++mismatches;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace zyphyr
