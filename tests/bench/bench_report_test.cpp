#include "bench/harness/bench_report.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace zyphyr {
namespace {

EfRun MakeRun(std::size_t ef, double recall, double qps) {
  EfRun run;
  run.ef = ef;
  run.recall = recall;
  run.qps_single = qps;
  run.qps_threads = 2 * qps;
  run.latency.p50 = 1.0 / qps;
  return run;
}

BenchReport TwoEngines() {
  BenchReport report;
  report.data_name = "toy";
  report.k = 10;
  report.M = 16;
  report.ef_construction = 200;
  report.threads = 2;
  EngineReport zyphyr;
  zyphyr.name = "zyphyr";
  zyphyr.runs = {MakeRun(10, 0.85, 30000), MakeRun(16, 0.93, 20000), MakeRun(32, 0.97, 12000),
                 MakeRun(64, 0.991, 6000)};
  EngineReport hnswlib;
  hnswlib.name = "hnswlib";
  hnswlib.runs = {MakeRun(10, 0.80, 20000), MakeRun(16, 0.91, 10000), MakeRun(32, 0.96, 6000),
                  MakeRun(64, 0.985, 3000)};
  report.engines = {zyphyr, hnswlib};
  return report;
}

TEST(BenchReportTest, QpsAtRecallIsTheFastestRunReachingTheLevel) {
  BenchReport report = TwoEngines();
  EXPECT_EQ(QpsAtRecall(report.engines[0], 0.90), 20000.0);
  EXPECT_EQ(QpsAtRecall(report.engines[0], 0.95), 12000.0);
  EXPECT_EQ(QpsAtRecall(report.engines[0], 0.99), 6000.0);
  EXPECT_EQ(QpsAtRecall(report.engines[1], 0.90), 10000.0);
  EXPECT_FALSE(QpsAtRecall(report.engines[1], 0.99).has_value());
  // A slower run at higher recall does not hide a faster one that qualifies.
  report.engines[0].runs.push_back(MakeRun(8, 0.99, 50000));
  EXPECT_EQ(QpsAtRecall(report.engines[0], 0.99), 50000.0);
}

TEST(BenchReportTest, InterpolatedQpsAtRecallLiesOnTheCurveBetweenMeasuredEf) {
  BenchReport report = TwoEngines();
  // zyphyr: between (0.85, 30000) and (0.93, 20000) at 0.90, 5/8 of the way.
  // (Recall differences such as 0.95 - 0.93 are not exact in binary: 1e-6.)
  EXPECT_NEAR(*InterpolatedQpsAtRecall(report.engines[0], 0.90), 23750.0, 1e-6);
  EXPECT_NEAR(*InterpolatedQpsAtRecall(report.engines[0], 0.95), 16000.0, 1e-6);
  EXPECT_NEAR(*InterpolatedQpsAtRecall(report.engines[0], 0.99), 12000.0 - 6000.0 * 0.02 / 0.021, 1e-6);
  EXPECT_NEAR(*InterpolatedQpsAtRecall(report.engines[1], 0.90), 20000.0 - 10000.0 * 0.10 / 0.11, 1e-6);
  EXPECT_FALSE(InterpolatedQpsAtRecall(report.engines[1], 0.99).has_value());
  // A run exactly at the level is that run; a first run above it is taken as is.
  EXPECT_DOUBLE_EQ(*InterpolatedQpsAtRecall(report.engines[0], 0.93), 20000.0);
  EXPECT_DOUBLE_EQ(*InterpolatedQpsAtRecall(report.engines[0], 0.50), 30000.0);
  // Runs listed out of ef order (--ef 64,10,32,16) give the same curve.
  std::vector<EfRun>& runs = report.engines[0].runs;
  runs = {runs[3], runs[0], runs[2], runs[1]};
  EXPECT_NEAR(*InterpolatedQpsAtRecall(report.engines[0], 0.95), 16000.0, 1e-6);
  EXPECT_NEAR(*InterpolatedQpsAtRecall(report.engines[0], 0.90), 23750.0, 1e-6);
}

TEST(BenchReportTest, JsonHoldsRunsLevelsAndRatiosToHnswlib) {
  const nlohmann::json doc = nlohmann::json::parse(ReportJson(TwoEngines()));
  ASSERT_EQ(doc["engines"].size(), 2u);
  const nlohmann::json& zyphyr = doc["engines"][0];
  EXPECT_EQ(zyphyr["name"], "zyphyr");
  EXPECT_EQ(zyphyr["runs"].size(), 4u);
  EXPECT_EQ(zyphyr["runs"][1]["ef"], 16);
  EXPECT_DOUBLE_EQ(zyphyr["runs"][1]["qps_threads"].get<double>(), 40000.0);
  EXPECT_DOUBLE_EQ(zyphyr["qps_at_recall"]["0.90"].get<double>(), 20000.0);
  EXPECT_DOUBLE_EQ(zyphyr["ratio_to_hnswlib"]["0.90"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(zyphyr["ratio_to_hnswlib"]["0.95"].get<double>(), 2.0);
  EXPECT_TRUE(zyphyr["ratio_to_hnswlib"]["0.99"].is_null());  // hnswlib never reached 0.99.
  EXPECT_DOUBLE_EQ(doc["engines"][1]["ratio_to_hnswlib"]["0.90"].get<double>(), 1.0);
  EXPECT_NEAR(zyphyr["qps_at_recall_interpolated"]["0.95"].get<double>(), 16000.0, 1e-6);
  EXPECT_NEAR(zyphyr["ratio_to_hnswlib_interpolated"]["0.95"].get<double>(), 16000.0 / 6800.0, 1e-9);
  EXPECT_TRUE(zyphyr["ratio_to_hnswlib_interpolated"]["0.99"].is_null());
  EXPECT_EQ(doc["settings"]["k"], 10);
  EXPECT_EQ(doc["settings"]["M"], 16);
}

TEST(BenchReportTest, TableHasARowPerRunAndTheComparison) {
  const std::string table = ReportTable(TwoEngines());
  EXPECT_NE(table.find("QPS 2t"), std::string::npos) << table;
  EXPECT_NE(table.find("zyphyr         16    0.9300      20000      40000"), std::string::npos) << table;
  EXPECT_NE(table.find("20000 (2.00)"), std::string::npos) << table;
  EXPECT_NE(table.find("10000 (1.00)"), std::string::npos) << table;
  EXPECT_NE(table.find("resident MiB"), std::string::npos) << table;
  EXPECT_NE(table.find("zyphyr        23750 (2.18)   16000 (2.35)       6286 (-)"), std::string::npos) << table;
}

TEST(BenchReportTest, IdOverlapRecallIsInTheJsonAndUnderIpInTheTable) {
  BenchReport report = TwoEngines();
  report.engines[0].runs[1].id_recall = 0.875;
  const nlohmann::json doc = nlohmann::json::parse(ReportJson(report));
  EXPECT_DOUBLE_EQ(doc["engines"][0]["runs"][1]["id_overlap_recall"].get<double>(), 0.875);
  EXPECT_DOUBLE_EQ(doc["engines"][0]["runs"][1]["recall"].get<double>(), 0.93);
  EXPECT_EQ(doc["settings"]["id_overlap_recall_definition"],
            "big-ann-benchmarks: the fraction of the first k true ids found");

  // l2, cosine: the table as it was.
  const std::string plain = ReportTable(report);
  EXPECT_EQ(plain.find("id-recall"), std::string::npos) << plain;
  EXPECT_NE(plain.find("zyphyr         16    0.9300      20000      40000"), std::string::npos) << plain;

  report.id_recall_column = true;
  const std::string table = ReportTable(report);
  EXPECT_NE(table.find("engine         ef recall@10 id-recall@10     QPS 1t     QPS 2t"), std::string::npos) << table;
  EXPECT_NE(table.find("zyphyr         16    0.9300       0.8750      20000      40000"), std::string::npos) << table;
  EXPECT_NE(table.find("\nrecall@10: ann-benchmarks' (distances recomputed, ties count); id-recall@10: "
                       "big-ann-benchmarks' (the fraction of the 10 true ids found)\n"),
            std::string::npos)
      << table;
}

TEST(BenchReportTest, ResidentMemoryIsAlsoGivenPerVector) {
  BenchReport report = TwoEngines();
  report.train_rows = 1000;
  report.engines[0].resident_bytes = 64000;
  const std::string table = ReportTable(report);
  // 64,000 bytes over 1,000 vectors: 0.1 MiB, 64.0 bytes each.
  EXPECT_NE(table.find("          0.1     64.0"), std::string::npos) << table;
}

TEST(BenchReportTest, WithoutHnswlibThereIsNoRatio) {
  BenchReport report = TwoEngines();
  report.engines.pop_back();
  const nlohmann::json doc = nlohmann::json::parse(ReportJson(report));
  EXPECT_TRUE(doc["engines"][0]["ratio_to_hnswlib"]["0.90"].is_null());
  EXPECT_NE(ReportTable(report).find("20000 (-)"), std::string::npos);
}

}  // namespace
}  // namespace zyphyr

namespace zyphyr {
namespace {

// What a standalone child wrote reads back as the engines it measured:
// --isolate merges these into the parent's report.
TEST(BenchReportTest, ParseReportEnginesReadsBackWhatReportJsonWrote) {
  BenchReport report = TwoEngines();
  report.engines[0].description = "zyphyr, float32";
  report.engines[0].build_seconds = 1.5;
  report.engines[0].index_bytes = 123456;
  report.engines[0].peak_rss_bytes = 7890123;
  report.engines[0].resident_bytes = 456789;
  report.engines[1].note = "a note";
  report.engines[0].runs[1].latency.p99 = 250e-6;
  report.engines[0].runs[1].result_file = "/tmp/x/M16_efC200_ef16.hdf5";
  Result<std::vector<EngineReport>> engines = ParseReportEngines(ReportJson(report), "child/report.json");
  ASSERT_TRUE(engines.ok()) << engines.status().ToString();
  ASSERT_EQ(engines->size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const EngineReport& want = report.engines[i];
    const EngineReport& got = (*engines)[i];
    EXPECT_EQ(got.name, want.name);
    EXPECT_EQ(got.description, want.description);
    EXPECT_EQ(got.note, want.note);
    EXPECT_EQ(got.build_seconds, want.build_seconds);
    EXPECT_EQ(got.index_bytes, want.index_bytes);
    EXPECT_EQ(got.peak_rss_bytes, want.peak_rss_bytes);
    EXPECT_EQ(got.resident_bytes, want.resident_bytes);
    ASSERT_EQ(got.runs.size(), want.runs.size());
    for (std::size_t j = 0; j < got.runs.size(); ++j) {
      EXPECT_EQ(got.runs[j].ef, want.runs[j].ef);
      EXPECT_EQ(got.runs[j].recall, want.runs[j].recall);
      EXPECT_EQ(got.runs[j].qps_single, want.runs[j].qps_single);
      EXPECT_EQ(got.runs[j].qps_threads, want.runs[j].qps_threads);
      EXPECT_NEAR(got.runs[j].latency.p50, want.runs[j].latency.p50, 1e-15);
      EXPECT_NEAR(got.runs[j].latency.p99, want.runs[j].latency.p99, 1e-15);
      EXPECT_EQ(got.runs[j].result_file, want.runs[j].result_file);
    }
  }
  // Merged into another report, the figures derived from them are the same.
  BenchReport merged = TwoEngines();
  merged.engines = *engines;
  EXPECT_EQ(InterpolatedQpsAtRecall(merged.engines[0], 0.95), InterpolatedQpsAtRecall(report.engines[0], 0.95));
}

TEST(BenchReportTest, ParseReportEnginesRefusesWhatIsNotAReport) {
  Result<std::vector<EngineReport>> engines = ParseReportEngines("{\"engines\": [{\"name\": \"x\"}]}", "c/report.json");
  ASSERT_FALSE(engines.ok());
  EXPECT_EQ(engines.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(engines.status().message().rfind("c/report.json: not a bench report (", 0), 0u)
      << engines.status().message();
  EXPECT_FALSE(ParseReportEngines("not json", "c/report.json").ok());
}

// The ratio is to the newest hnswlib present: 0.8 when it ran, else Debian's.
TEST(BenchReportTest, RatiosAreToTheNewestHnswlibPresent) {
  BenchReport report = TwoEngines();
  nlohmann::json only_debian = nlohmann::json::parse(ReportJson(report));
  EXPECT_EQ(only_debian["settings"]["ratio_to_hnswlib_reference"], "hnswlib");
  EXPECT_DOUBLE_EQ(only_debian["engines"][0]["ratio_to_hnswlib"]["0.90"].get<double>(), 2.0);
  EngineReport newest = report.engines[1];
  newest.name = "hnswlib-0.8";
  for (EfRun& run : newest.runs) run.qps_single *= 2;
  report.engines.push_back(newest);
  nlohmann::json both = nlohmann::json::parse(ReportJson(report));
  EXPECT_EQ(both["settings"]["ratio_to_hnswlib_reference"], "hnswlib-0.8");
  EXPECT_DOUBLE_EQ(both["engines"][0]["ratio_to_hnswlib"]["0.90"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(both["engines"][1]["ratio_to_hnswlib"]["0.90"].get<double>(), 0.5);
  EXPECT_NE(ReportTable(report).find("(x) = QPS ratio to hnswlib-0.8 at the same recall"), std::string::npos);
}

TEST(BenchReportTest, RoundsTableGivesEachRoundThenMedianAndBest) {
  std::vector<BenchReport> rounds(3, TwoEngines());
  for (EfRun& run : rounds[1].engines[0].runs) run.qps_single *= 2;  // zyphyr: x1, x2, x1.5.
  for (EfRun& run : rounds[2].engines[0].runs) run.qps_single *= 1.5;
  const std::string table = RoundsTable(rounds);
  // zyphyr at 0.90 interpolates to 23750 (x1), 47500 (x2), 35625 (x1.5).
  EXPECT_NE(table.find("zyphyr           1        23750"), std::string::npos) << table;
  EXPECT_NE(table.find("zyphyr           2        47500"), std::string::npos) << table;
  EXPECT_NE(table.find("zyphyr      median        35625"), std::string::npos) << table;
  EXPECT_NE(table.find("zyphyr        best        47500"), std::string::npos) << table;
  EXPECT_NE(table.find("hnswlib     median"), std::string::npos) << table;
}

}  // namespace
}  // namespace zyphyr
