#include "cli/distributed_bench.h"

#include <algorithm>
#include <filesystem>
#include <thread>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "bench/harness/bench_report.h"
#include "cli/cli_errors.h"
#include "cli/formatting.h"
#include "cli/options.h"
#include "cli/rank_prologue.h"
#include "cli/report_output.h"
#include "io/ann_dataset_reader.h"
#include "mpi/distributed_index.h"
#include "src/core/parallel_for.h"
#include "src/eval/latency.h"
#include "src/eval/recall.h"
#include "src/index/hnsw_options.h"
#include "src/index/quantized_searcher.h"

namespace zyphyr::cli {
namespace {

// The figures of one run: a mode (broadcast or routed to nprobe shards) at one ef.
struct MeasuredRun {
  std::size_t nprobe = 0;  // 0: broadcast.
  std::size_t ef = 0;
  double recall = 0;
  double qps = 0;
  LatencySummary latency_ms;
  PipelineTimes times;
  double shards_per_query = 0;
};

std::string Table(const std::vector<MeasuredRun>& measured, std::size_t k) {
  std::string out = fmt::format("{:<10} {:>5} {:>9} {:>10} {:>8} {:>8} {:>8} {:>9} {:>9} {:>9} {:>8}\n", "mode", "ef",
                                fmt::format("recall@{}", k), "QPS", "p50 ms", "p95 ms", "p99 ms", "scatter s",
                                "search s", "gather s", "merge s");
  for (const MeasuredRun& r : measured) {
    const std::string mode = r.nprobe == 0 ? "broadcast" : fmt::format("nprobe {}", r.nprobe);
    out +=
        fmt::format("{:<10} {:>5} {:>9.4f} {:>10.0f} {:>8.3f} {:>8.3f} {:>8.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>8.3f}\n",
                    mode, r.ef, r.recall, r.qps, r.latency_ms.p50, r.latency_ms.p95, r.latency_ms.p99, r.times.scatter,
                    r.times.local_search, r.times.gather, r.times.merge);
  }
  return out;
}

nlohmann::json MeasuredRunJson(const MeasuredRun& r) {
  return nlohmann::json{{"mode", r.nprobe == 0 ? "broadcast" : "routed"},
                        {"nprobe", r.nprobe},
                        {"ef", r.ef},
                        {"recall", r.recall},
                        {"qps", r.qps},
                        {"latency_ms",
                         {{"p50", r.latency_ms.p50},
                          {"p95", r.latency_ms.p95},
                          {"p99", r.latency_ms.p99},
                          {"mean", r.latency_ms.mean},
                          {"max", r.latency_ms.max}}},
                        {"shards_per_query", r.shards_per_query},
                        {"seconds",
                         {{"wall", r.times.wall},
                          {"scatter", r.times.scatter},
                          {"rank0_search", r.times.local_search},
                          {"gather", r.times.gather},
                          {"merge", r.times.merge},
                          {"other_ranks_search_max", r.times.worker_search_max},
                          {"other_ranks_search_sum", r.times.worker_search_sum}}}};
}

}  // namespace

int RunDistributedBench(Communicator& comm, const BenchOptions& o) {
  Status st;
  if (o.index.empty()) {
    st = Status::InvalidArgument(
        "the distributed bench searches a stored index: give --index DIR (built by [mpirun -np P] zyphyr build)");
  }
  Result<std::vector<std::size_t>> efs = ParsePositiveList("--ef", o.ef_list);
  if (st.ok()) st = efs.status();
  std::vector<std::size_t> probes = {0};
  if (st.ok() && !o.nprobe.empty()) {
    Result<std::vector<std::size_t>> asked = ParsePositiveList("--nprobe", o.nprobe);
    st = asked.status();
    if (asked.ok()) probes.insert(probes.end(), asked->begin(), asked->end());
  }
  if (!st.ok()) return ReportAgreed(comm, st);
  const std::size_t threads = RankThreads(comm, o.threads);

  Result<SearchPrologue> opened = OpenDatasetAndIndex(comm, o.data, o.index, threads);
  if (!opened.ok()) return ReportAgreed(comm, opened.status());
  DistributedIndex& index = *opened->index;
  const std::size_t dim = index.manifest().dim;
  // Rank 0: the queries and their true distances (recall is counted from the distances the ranks return: rank 0
  // does not hold the rows to recompute them).
  std::vector<float> test;
  std::vector<float> truth;
  std::size_t truth_cols = 0;
  if (comm.is_root()) {
    const AnnDatasetReader& reader = *opened->dataset;
    truth_cols = reader.ground_truth_shape().cols;
    Result<std::vector<float>> distances = reader.ReadDistances();
    st = distances.status();
    if (st.ok() && truth_cols < o.k) {
      st = Status::InvalidArgument(
          fmt::format("{}: ground truth holds {} neighbours, fewer than --k {}", o.data, truth_cols, o.k));
    }
    if (st.ok()) st = CheckResultMemory(o.k, reader.test_shape().rows, PhysicalMemoryBytes());
    if (st.ok()) {
      truth = std::move(*distances);
      Result<std::vector<float>> rows = reader.ReadTest();
      st = rows.status();
      if (st.ok()) test = std::move(*rows);
    }
  }
  if (Status agreed = comm.Agree(st, Communicator::Blame::kInput); !agreed.ok()) return ReportAgreed(comm, agreed);

  DistributedSearchOptions options;
  options.k = o.k;
  options.rerank = o.rerank;
  options.batch = o.batch;
  options.threads = threads;
  options.ef = EffectiveEf(HnswSearchOptions{o.k, *std::max_element(efs->begin(), efs->end())});
  // Warm-up: fault the mapped shards in, so the figures measure search.
  Result<DistributedSearchResult> warm = index.Search(test, options);
  if (!warm.ok()) return ReportAgreed(comm, warm.status());

  std::vector<MeasuredRun> measured;
  for (std::size_t nprobe : probes) {
    for (std::size_t ef : *efs) {
      options.nprobe = nprobe;
      options.ef = EffectiveEf(HnswSearchOptions{o.k, ef});
      options.batch = o.batch;
      options.pipelined = true;
      Result<DistributedSearchResult> run = index.Search(test, options);
      if (!run.ok()) return ReportAgreed(comm, run.status());
      std::vector<double> latencies;
      if (o.latency_queries > 0) {
        options.batch = 1;
        options.pipelined = false;
        const std::size_t timed = std::min(o.latency_queries, test.size() / std::max<std::size_t>(dim, 1));
        Result<DistributedSearchResult> one_by_one =
            index.Search(std::span<const float>(test).first(timed * dim), options);
        if (!one_by_one.ok()) return ReportAgreed(comm, one_by_one.status());
        latencies = std::move(one_by_one->latency_seconds);
      }
      if (!comm.is_root()) continue;
      MeasuredRun figures;
      figures.nprobe = nprobe;
      figures.ef = options.ef;
      figures.recall = ReportedDistanceRecall(index.manifest().metric, run->lists, truth, truth_cols, o.k);
      const std::size_t queries = run->lists.queries;
      figures.qps = run->times.wall > 0 ? static_cast<double>(queries) / run->times.wall : 0.0;
      std::vector<double> ms(latencies.begin(), latencies.end());
      for (double& t : ms) t *= 1e3;
      Result<LatencySummary> latency = SummarizeLatencies(ms);
      if (latency.ok()) figures.latency_ms = *latency;
      figures.times = run->times;
      figures.shards_per_query = run->shards_per_query;
      measured.push_back(figures);
    }
  }
  if (!comm.is_root()) return 0;

  const IndexManifest& m = index.manifest();
  const std::size_t hardware = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t busy = static_cast<std::size_t>(comm.local_size()) * threads;
  const std::string encoded = m.encoding == Encoding::kFloat32
                                  ? std::string()
                                  : fmt::format(", {} codes re-ranked {}", EncodingName(m.encoding),
                                                o.rerank == 0 ? std::string(DefaultRerankText(m.encoding))
                                                              : std::to_string(std::max(o.rerank, o.k)));
  std::string header = fmt::format(
      "distributed bench: {} ({} queries) against {} ({} rows x {}, {} shards, {} partition, M {}, efC {}{})\n"
      "{} x {}, batch {}, k {}; {} of this node's {} hardware threads busy{}\n"
      "QPS and the time split: every query in pipelined batches; latency: {} queries one at a time\n",
      o.data, test.size() / std::max<std::size_t>(dim, 1), o.index, m.rows, m.dim, m.shards.size(), m.partition, m.M,
      m.ef_construction, encoded, Plural(comm.size(), "rank", "ranks"), Plural(threads, "thread", "threads"), o.batch,
      o.k, busy, hardware, busy > hardware ? " (OVERSUBSCRIBED: timings are not scaling figures)" : "",
      std::min(o.latency_queries, test.size() / std::max<std::size_t>(dim, 1)));
  const std::string text = header + Table(measured, o.k);
  fmt::print("{}", text);

  const std::filesystem::path dir(o.report);
  if (Status created = CreateReportDirectory(o.report); !created.ok()) return ReportError(created);
  nlohmann::json json{{"data", o.data},
                      {"index", o.index},
                      {"ranks", comm.size()},
                      {"threads_per_rank", threads},
                      {"ranks_on_rank0_node", comm.local_size()},
                      {"hardware_threads", hardware},
                      {"oversubscribed", busy > hardware},
                      {"batch", o.batch},
                      {"latency_queries", std::min(o.latency_queries, test.size() / std::max<std::size_t>(dim, 1))},
                      {"k", o.k},
                      {"recall_definition", "ann-benchmarks: the distances the ranks returned, hit when <= t_k + 1e-3"},
                      {"shards", m.shards.size()},
                      {"partition", m.partition},
                      {"rows", m.rows},
                      {"dim", m.dim},
                      {"M", m.M},
                      {"ef_construction", m.ef_construction},
                      {"encoding", std::string(EncodingName(m.encoding))},
                      {"rerank", o.rerank},
                      {"runs", nlohmann::json::array()}};
  for (const MeasuredRun& r : measured) json["runs"].push_back(MeasuredRunJson(r));
  if (Status w = WriteReportFiles(dir, text, json.dump(2) + "\n"); !w.ok()) return ReportError(w);

  // The recall/QPS plot: one line per mode (broadcast, nprobe N).
  BenchReport plotted;
  plotted.k = o.k;
  plotted.plot_title =
      fmt::format("{}: recall@{} vs QPS, {} x {} ({} shards, M={}, efC={})",
                  std::filesystem::path(o.data).filename().string(), o.k, Plural(comm.size(), "rank", "ranks"),
                  Plural(threads, "thread", "threads"), m.shards.size(), m.M, m.ef_construction);
  for (const MeasuredRun& r : measured) {
    const std::string mode = r.nprobe == 0 ? "broadcast" : fmt::format("nprobe {}", r.nprobe);
    if (plotted.engines.empty() || plotted.engines.back().name != mode) {
      plotted.engines.emplace_back();
      plotted.engines.back().name = mode;
    }
    EfRun run;
    run.ef = r.ef;
    run.recall = r.recall;
    run.qps_single = r.qps;
    run.qps_threads = r.qps;
    plotted.engines.back().runs.push_back(run);
  }
  DrawRecallQpsPlot(plotted, dir);
  return 0;
}

}  // namespace zyphyr::cli
