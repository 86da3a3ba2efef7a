#include "bench/engines/engine.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "src/data/synthetic.h"
#include "src/eval/recall.h"
#include "src/index/brute_force.h"

namespace zyphyr {
namespace {

std::vector<std::string> AllEngines() {
  std::vector<std::string> names = {"zyphyr"};
  for (const std::string& peer : AvailablePeers()) names.push_back(peer);
  return names;
}

class EngineTest : public ::testing::TestWithParam<std::tuple<std::string, Metric>> {};

// Every engine, under every metric, finds nearly all true neighbours of
// clustered data at a generous ef, with ids that are row numbers.
TEST_P(EngineTest, FindsTheTrueNeighbours) {
  const auto& [name, metric] = GetParam();
  constexpr std::size_t kN = 3000, kDim = 24, kQueries = 100, kK = 10;
  Result<Dataset> rows = ClusteredGaussian(kN, kDim, 8, 7, SampleStream::kBase);
  Result<Dataset> queries = ClusteredGaussian(kQueries, kDim, 8, 7, SampleStream::kQueries);
  ASSERT_TRUE(rows.ok() && queries.ok());

  Result<std::unique_ptr<Engine>> engine = MakeEngine(name);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  EXPECT_EQ((*engine)->name(), name);
  EXPECT_FALSE((*engine)->description().empty());
  EngineBuildParams params;
  params.M = 12;
  params.ef_construction = 100;
  params.threads = 1;  // Deterministic graphs: the recall below is the same on every run.
  std::size_t last_progress = 0;
  params.progress = [&](std::size_t done, std::size_t total) {
    EXPECT_EQ(total, kN);
    last_progress = std::max(last_progress, done);
  };
  ASSERT_TRUE((*engine)->Build(rows->rows, kDim, metric, params).ok());
  EXPECT_EQ(last_progress, kN);
  EXPECT_GT((*engine)->MemoryBytes(), kN * kDim * sizeof(float));
  ASSERT_TRUE((*engine)->SetEf(100).ok());

  VectorStore store(kDim, metric);
  std::vector<std::uint64_t> ids(kN);
  for (std::size_t i = 0; i < kN; ++i) ids[i] = i;
  ASSERT_TRUE(store.AddBatch(ids, rows->rows).ok());
  Result<std::vector<std::vector<Neighbor>>> truth = ExactSearch(store, queries->rows, kK, 1);
  ASSERT_TRUE(truth.ok());

  std::vector<std::vector<std::uint64_t>> returned(kQueries);
  for (std::size_t q = 0; q < kQueries; ++q) {
    ASSERT_TRUE((*engine)->Search(queries->row(q), kK, &returned[q]).ok());
    EXPECT_EQ(returned[q].size(), kK);
  }
  Result<RecallReport> recall = ComputeRecall(RecallVectors{rows->rows, queries->rows, kDim, metric},
                                              DistancesOf(*truth), returned, RecallOptions{kK});
  ASSERT_TRUE(recall.ok()) << recall.status().ToString();
  EXPECT_GE(recall->recall, 0.97) << name << " " << MetricName(metric);
}

INSTANTIATE_TEST_SUITE_P(AllEngines, EngineTest,
                         ::testing::Combine(::testing::ValuesIn(AllEngines()),
                                            ::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine)),
                         [](const auto& info) {
                           std::string name = std::get<0>(info.param);  // "hnswlib-0.8" -> "hnswlib_0_8".
                           std::replace_if(
                               name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
                               '_');
                           return name + "_" + std::string(MetricName(std::get<1>(info.param)));
                         });

// Search is thread-safe after SetEf: many threads get what one thread gets.
TEST(EngineTest, ConcurrentSearchesMatchSequential) {
  constexpr std::size_t kN = 1500, kDim = 16, kQueries = 200, kK = 5;
  Result<Dataset> rows = ClusteredGaussian(kN, kDim, 4, 9, SampleStream::kBase);
  Result<Dataset> queries = ClusteredGaussian(kQueries, kDim, 4, 9, SampleStream::kQueries);
  ASSERT_TRUE(rows.ok() && queries.ok());
  for (const std::string& name : AllEngines()) {
    SCOPED_TRACE(name);
    Result<std::unique_ptr<Engine>> engine = MakeEngine(name);
    ASSERT_TRUE(engine.ok());
    EngineBuildParams params;
    params.M = 8;
    params.ef_construction = 64;
    params.threads = 2;
    ASSERT_TRUE((*engine)->Build(rows->rows, kDim, Metric::kL2, params).ok());
    ASSERT_TRUE((*engine)->SetEf(32).ok());
    std::vector<std::vector<std::uint64_t>> sequential(kQueries), concurrent(kQueries);
    for (std::size_t q = 0; q < kQueries; ++q) {
      ASSERT_TRUE((*engine)->Search(queries->row(q), kK, &sequential[q]).ok());
    }
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (std::size_t q = t; q < kQueries; q += 4) {
          EXPECT_TRUE((*engine)->Search(queries->row(q), kK, &concurrent[q]).ok());
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(concurrent, sequential);
  }
}

// An ef chosen before Build is the one searches use: the same ids as setting
// it again after Build. (FAISS keeps its beam in the index; a store-only
// SetEf before Build left FAISS searching with its default of 16.)
TEST(EngineTest, EfSetBeforeBuildApplies) {
  constexpr std::size_t kN = 2000, kDim = 16, kQueries = 100, kK = 10;
  Result<Dataset> rows = Uniform(kN, kDim, 21, SampleStream::kBase);
  Result<Dataset> queries = Uniform(kQueries, kDim, 21, SampleStream::kQueries);
  ASSERT_TRUE(rows.ok() && queries.ok());
  EngineBuildParams params;
  params.M = 4;
  params.ef_construction = 16;
  params.threads = 1;
  for (const std::string& name : AllEngines()) {
    SCOPED_TRACE(name);
    auto search_all = [&](const Engine& engine) {
      std::vector<std::vector<std::uint64_t>> out(kQueries);
      for (std::size_t q = 0; q < kQueries; ++q) EXPECT_TRUE(engine.Search(queries->row(q), kK, &out[q]).ok());
      return out;
    };
    Result<std::unique_ptr<Engine>> before = MakeEngine(name);
    Result<std::unique_ptr<Engine>> after = MakeEngine(name);
    ASSERT_TRUE(before.ok() && after.ok());
    ASSERT_TRUE((*before)->SetEf(300).ok());
    ASSERT_TRUE((*before)->Build(rows->rows, kDim, Metric::kL2, params).ok());
    ASSERT_TRUE((*after)->Build(rows->rows, kDim, Metric::kL2, params).ok());
    ASSERT_TRUE((*after)->SetEf(16).ok());
    const auto narrow = search_all(**after);
    ASSERT_TRUE((*after)->SetEf(300).ok());
    const auto wide = search_all(**after);
    EXPECT_NE(narrow, wide);  // The beam matters on this data, so the next check can fail.
    EXPECT_EQ(search_all(**before), wide);
  }
}

TEST(EngineTest, RefusesRaggedRowsAndSearchesOutOfTurn) {
  for (const std::string& name : AllEngines()) {
    Result<std::unique_ptr<Engine>> engine = MakeEngine(name);
    ASSERT_TRUE(engine.ok());
    std::vector<std::uint64_t> ids;
    std::vector<float> query(3, 0.0f);
    EXPECT_EQ((*engine)->Search(query, 5, &ids).message(), name + " engine: search before build");
    std::vector<float> ragged(10, 1.0f);
    Status st = (*engine)->Build(ragged, 3, Metric::kL2, EngineBuildParams{});
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(st.message(), name + " engine: 10 floats is not a whole number of rows of dimension 3");
    EXPECT_EQ((*engine)->Search(query, 5, &ids).message(), name + " engine: search before build");
    EXPECT_EQ((*engine)->SetEf(0).message(), "ef must be at least 1");
    std::vector<float> rows(30, 1.0f);
    ASSERT_TRUE((*engine)->Build(rows, 3, Metric::kL2, EngineBuildParams{}).ok());
    EXPECT_EQ((*engine)->Search(query, 0, &ids).message(), "k must be at least 1");
  }
}

TEST(EngineRegistryTest, RefusesUnknownEngines) {
  Result<std::unique_ptr<Engine>> engine = MakeEngine("annoy");
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(engine.status().message(), "unknown engine 'annoy' (expected zyphyr, hnswlib, hnswlib-0.8, usearch or faiss)");
}

TEST(EngineRegistryTest, PeersMissingAtBuildTimeSayWhatToInstall) {
  const std::vector<std::string> built = AvailablePeers();
  for (const std::string& peer : KnownPeers()) {
    Result<std::unique_ptr<Engine>> engine = MakeEngine(peer);
    if (std::find(built.begin(), built.end(), peer) != built.end()) {
      EXPECT_TRUE(engine.ok()) << peer;
    } else {
      ASSERT_FALSE(engine.ok());
      EXPECT_EQ(engine.status().code(), StatusCode::kUnsupported);
      const bool from_npm = peer == "hnswlib-0.8" || peer == "usearch";
      EXPECT_NE(engine.status().message().find(from_npm ? "was not built (run scripts/fetch_peers.sh"
                                                         : "was not built (install lib"),
                std::string::npos)
          << engine.status().message();
    }
  }
}

TEST(EngineTest, WrongQueryDimensionIsRefused) {
  for (const std::string& name : AllEngines()) {
    Result<std::unique_ptr<Engine>> engine = MakeEngine(name);
    ASSERT_TRUE(engine.ok());
    std::vector<float> rows(20 * 4, 1.0f);
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<float>(i % 7);
    ASSERT_TRUE((*engine)->Build(rows, 4, Metric::kL2, EngineBuildParams{}).ok()) << name;
    ASSERT_TRUE((*engine)->SetEf(10).ok());
    std::vector<std::uint64_t> ids;
    std::vector<float> query(3, 0.0f);
    Status st = (*engine)->Search(query, 5, &ids);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(st.message(), "query has dimension 3, expected 4") << name;
  }
}

}  // namespace
}  // namespace zyphyr
