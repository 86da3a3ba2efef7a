#ifdef ZYPHYR_HAVE_FAISS

#include "bench/peers/faiss_peer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "src/data/synthetic.h"

namespace zyphyr {
namespace {

constexpr std::size_t kDim = 32;
constexpr std::size_t kRows = 2000;
constexpr std::size_t kQueries = 100;
constexpr std::size_t kK = 10;

// The true k nearest row numbers, by a plain double loop.
std::vector<std::int64_t> TrueNeighbors(const Dataset& base, std::span<const float> query, Metric metric) {
  std::vector<std::pair<double, std::int64_t>> all;
  for (std::size_t i = 0; i < base.n; ++i) {
    double l2 = 0.0, dot = 0.0, qq = 0.0, xx = 0.0;
    for (std::size_t j = 0; j < base.dim; ++j) {
      double a = query[j], b = base.rows[i * base.dim + j];
      l2 += (a - b) * (a - b);
      dot += a * b;
      qq += a * a;
      xx += b * b;
    }
    double d = metric == Metric::kL2 ? l2 : 1.0 - dot / (std::sqrt(qq) * std::sqrt(xx));
    all.emplace_back(d, static_cast<std::int64_t>(i));
  }
  std::partial_sort(all.begin(), all.begin() + kK, all.end());
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < kK; ++i) ids.push_back(all[i].second);
  return ids;
}

std::unique_ptr<FaissPeer> Build(const Dataset& base, Metric metric) {
  Result<std::unique_ptr<FaissPeer>> peer = FaissPeer::Create(kDim, metric, 16, 100);
  EXPECT_TRUE(peer.ok()) << peer.status().ToString();
  if (!peer.ok()) return nullptr;
  Status added = (*peer)->Add(base.rows, 2);
  EXPECT_TRUE(added.ok()) << added.ToString();
  return std::move(peer.value());
}

TEST(FaissPeerTest, RecallAtTenAgainstBruteForce) {
  Result<Dataset> base = ClusteredGaussian(kRows, kDim, 10, 7, SampleStream::kBase);
  Result<Dataset> queries = ClusteredGaussian(kQueries, kDim, 10, 7, SampleStream::kQueries);
  ASSERT_TRUE(base.ok() && queries.ok());
  for (Metric metric : {Metric::kL2, Metric::kCosine}) {
    SCOPED_TRACE(MetricName(metric));
    std::unique_ptr<FaissPeer> peer = Build(*base, metric);
    ASSERT_NE(peer, nullptr);
    EXPECT_EQ(peer->size(), kRows);
    EXPECT_EQ(peer->dim(), kDim);
    std::size_t hits = 0;
    for (std::size_t q = 0; q < kQueries; ++q) {
      std::vector<std::int64_t> truth = TrueNeighbors(*base, queries->row(q), metric);
      std::vector<std::pair<float, std::int64_t>> got = peer->Search(queries->row(q), kK, 64);
      ASSERT_EQ(got.size(), kK);
      for (std::size_t i = 1; i < got.size(); ++i) {
        // Nearest first: squared L2 ascending, inner product (cos) descending.
        if (metric == Metric::kL2) {
          EXPECT_LE(got[i - 1].first, got[i].first);
        } else {
          EXPECT_GE(got[i - 1].first, got[i].first);
        }
      }
      for (const auto& [distance, id] : got) {
        if (std::find(truth.begin(), truth.end(), id) != truth.end()) ++hits;
      }
    }
    const double recall = static_cast<double>(hits) / (kQueries * kK);
    EXPECT_GE(recall, 0.95);
  }
}

TEST(FaissPeerTest, IdsAreInsertionOrderAndDistancesAreFaiss) {
  Result<Dataset> base = ClusteredGaussian(300, kDim, 4, 3);
  ASSERT_TRUE(base.ok());
  Result<std::unique_ptr<FaissPeer>> peer = FaissPeer::Create(kDim, Metric::kL2, 8, 40);
  ASSERT_TRUE(peer.ok()) << peer.status().ToString();
  // Two batches: the second continues the numbering.
  std::span<const float> rows(base->rows);
  ASSERT_TRUE((*peer)->Add(rows.first(100 * kDim), 1).ok());
  ASSERT_TRUE((*peer)->Add(rows.subspan(100 * kDim), 0).ok());
  EXPECT_EQ((*peer)->size(), 300u);
  for (std::size_t i : {0u, 99u, 100u, 250u, 299u}) {
    std::vector<std::pair<float, std::int64_t>> got = (*peer)->Search(base->row(i), 1, 32);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].second, static_cast<std::int64_t>(i));
    EXPECT_EQ(got[0].first, 0.0f);  // Squared L2 of a row to itself.
  }
  // More than there are: everything once, no -1 ids.
  std::vector<std::pair<float, std::int64_t>> all = (*peer)->Search(base->row(0), 1000, 1000);
  EXPECT_EQ(all.size(), 300u);
  for (const auto& [distance, id] : all) EXPECT_GE(id, 0);
  EXPECT_GT((*peer)->MemoryBytes(), 300u * kDim * sizeof(float));
}

TEST(FaissPeerTest, InnerProductReportsTheProduct) {
  Result<std::unique_ptr<FaissPeer>> peer = FaissPeer::Create(2, Metric::kInnerProduct, 4, 16);
  ASSERT_TRUE(peer.ok()) << peer.status().ToString();
  const std::vector<float> rows = {1, 0, 0, 3, 2, 2};
  ASSERT_TRUE((*peer)->Add(rows, 1).ok());
  const std::vector<float> query = {1, 1};
  std::vector<std::pair<float, std::int64_t>> got = (*peer)->Search(query, 3, 16);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], std::make_pair(4.0f, std::int64_t{2}));
  EXPECT_EQ(got[1], std::make_pair(3.0f, std::int64_t{1}));
  EXPECT_EQ(got[2], std::make_pair(1.0f, std::int64_t{0}));
}

TEST(FaissPeerTest, ConcurrentSearchEqualsSequential) {
  Result<Dataset> base = ClusteredGaussian(kRows, kDim, 10, 11, SampleStream::kBase);
  Result<Dataset> queries = ClusteredGaussian(200, kDim, 10, 11, SampleStream::kQueries);
  ASSERT_TRUE(base.ok() && queries.ok());
  std::unique_ptr<FaissPeer> peer = Build(*base, Metric::kL2);
  ASSERT_NE(peer, nullptr);
  std::vector<std::vector<std::pair<float, std::int64_t>>> sequential(queries->n), concurrent(queries->n);
  for (std::size_t q = 0; q < queries->n; ++q) sequential[q] = peer->Search(queries->row(q), kK, 48);
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < 4; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t q = t; q < queries->n; q += 4) concurrent[q] = peer->Search(queries->row(q), kK, 48);
    });
  }
  for (std::thread& t : pool) t.join();
  EXPECT_EQ(sequential, concurrent);
}

// Uniform data is hard enough that ef 16 misses neighbours ef 256 finds: the
// beam set by SetEf must reach FAISS's candidate queue (FAISS 1.7.3 ignores
// the per-call efSearch there).
TEST(FaissPeerTest, LargerEfFindsMore) {
  Result<Dataset> base = Uniform(kRows, kDim, 11, SampleStream::kBase);
  Result<Dataset> queries = Uniform(kQueries, kDim, 11, SampleStream::kQueries);
  ASSERT_TRUE(base.ok() && queries.ok());
  Result<std::unique_ptr<FaissPeer>> peer = FaissPeer::Create(kDim, Metric::kL2, 8, 40);
  ASSERT_TRUE(peer.ok());
  ASSERT_TRUE((*peer)->Add(base->rows, 1).ok());
  auto recall_at = [&](std::size_t ef) {
    (*peer)->SetEf(ef);
    std::size_t hits = 0;
    for (std::size_t q = 0; q < kQueries; ++q) {
      std::vector<std::int64_t> truth = TrueNeighbors(*base, queries->row(q), Metric::kL2);
      for (const auto& [distance, id] : (*peer)->Search(queries->row(q), kK, ef)) {
        hits += std::count(truth.begin(), truth.end(), id);
      }
    }
    return static_cast<double>(hits) / static_cast<double>(kQueries * kK);
  };
  const double narrow = recall_at(kK);
  const double wide = recall_at(256);
  EXPECT_GE(wide, 0.99);
  EXPECT_GT(wide, narrow + 0.05) << "ef 10: " << narrow << ", ef 256: " << wide;
}

TEST(FaissPeerTest, RefusesBadArguments) {
  Result<std::unique_ptr<FaissPeer>> peer = FaissPeer::Create(0, Metric::kL2, 16, 100);
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(peer.status().message(), "faiss peer: dimension must be at least 1");

  peer = FaissPeer::Create(8, Metric::kL2, 1, 100);
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(peer.status().message(), "faiss peer: M must be at least 2");

  peer = FaissPeer::Create(8, Metric::kL2, 16, 0);
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.status().message(), "faiss peer: ef_construction must be at least 1");

  peer = FaissPeer::Create(8, Metric::kCosine, 16, 100);
  ASSERT_TRUE(peer.ok()) << peer.status().ToString();
  const std::vector<float> ragged(8 * 3 + 5, 1.0f);
  Status st = (*peer)->Add(ragged, 1);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "faiss peer: 29 floats is not a whole number of rows of dimension 8");
  EXPECT_EQ((*peer)->size(), 0u);
  EXPECT_TRUE((*peer)->Search(std::vector<float>(8, 1.0f), 5, 16).empty());
}

TEST(FaissPeerTest, VersionNamesTheLibrary) {
  EXPECT_EQ(FaissPeer::Version().rfind("faiss 1.", 0), 0u) << FaissPeer::Version();
  EXPECT_NE(FaissPeer::Version().find("Debian libfaiss-dev"), std::string::npos);
}

}  // namespace
}  // namespace zyphyr

#endif  // ZYPHYR_HAVE_FAISS
