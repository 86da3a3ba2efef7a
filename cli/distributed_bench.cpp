#include "cli/distributed_bench.h"

#include <algorithm>
#include <cstdio>
#include <cmath>
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
#include "io/ground_truth_file.h"
#include "io/query_file.h"
#include "mpi/distributed_index.h"
#include "src/core/parallel_for.h"
#include "src/eval/latency.h"
#include "src/eval/memory_usage.h"
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

// The beams and the modes (0: broadcast, then each --nprobe) to measure.
struct BenchPlan {
  std::vector<std::size_t> efs;
  std::vector<std::size_t> probes = {0};
};

Result<BenchPlan> ParseBenchPlan(const BenchOptions& o) {
  if (o.index.empty()) {
    return Status::InvalidArgument(
        "the distributed bench searches a stored index: give --index DIR (built by [mpirun -np P] zyphyr build)");
  }
  BenchPlan plan;
  Result<std::vector<std::size_t>> efs = ParsePositiveList("--ef", o.ef_list);
  if (!efs.ok()) return efs.status();
  plan.efs = std::move(*efs);
  if (!o.nprobe.empty()) {
    Result<std::vector<std::size_t>> asked = ParsePositiveList("--nprobe", o.nprobe);
    if (!asked.ok()) return asked.status();
    plan.probes.insert(plan.probes.end(), asked->begin(), asked->end());
  }
  return plan;
}

// Rank 0's queries and their true distances (recall is counted from the distances the ranks return: rank 0 does
// not hold the rows to recompute them).
struct QueriesAndTruth {
  std::vector<float> test;
  std::vector<float> truth;
  std::size_t truth_cols = 0;
};

// The true distances of a ground-truth file in the reported convention (src/core/metric.h): big-ann files
// (.ibin, .bin) hold squared distances under l2; HDF5 files are normalised by their reader; .ivecs hold none.
Result<std::vector<float>> ReportedTruth(const GroundTruthTable& table, const std::string& path, Metric metric) {
  if (table.stored_distances.empty()) {
    return Status::InvalidArgument(path + ": holds no distances; the distributed bench counts recall from them "
                                          "(use a .ibin or .hdf5 ground truth: zyphyr dataset groundtruth)");
  }
  std::vector<float> out = table.stored_distances;
  const std::string ext = std::filesystem::path(path).extension().string();
  if (metric == Metric::kL2 && (ext == ".ibin" || ext == ".bin")) {
    for (float& d : out) d = std::sqrt(std::max(d, 0.0f));
  }
  return out;
}

// Queries from a row file, their truth from --groundtruth.
Status ReadRowFileQueriesAndTruth(const QueryFile& queries, const BenchOptions& o, Metric metric,
                                  QueriesAndTruth* out) {
  if (o.groundtruth.empty()) {
    return Status::InvalidArgument("--groundtruth is required to bench a stored index with the row file " + o.queries);
  }
  Result<GroundTruthTable> table = ReadGroundTruthFile(o.groundtruth);
  if (!table.ok()) return table.status();
  ZYPHYR_RETURN_IF_ERROR(CheckGroundTruthCovers(*table, o.groundtruth, queries.rows(), o.k));
  Result<std::vector<float>> truth = ReportedTruth(*table, o.groundtruth, metric);
  if (!truth.ok()) return truth.status();
  ZYPHYR_RETURN_IF_ERROR(CheckResultMemory(o.k, queries.rows(), PhysicalMemoryBytes()));
  out->truth = std::move(*truth);
  out->truth_cols = table->k;
  if (table->queries > queries.rows()) out->truth.resize(queries.rows() * table->k);
  Result<std::vector<float>> rows = queries.ReadAll();
  if (!rows.ok()) return rows.status();
  out->test = std::move(*rows);
  return Status::Ok();
}

Status ReadQueriesAndTruth(const QueryFile& queries, const BenchOptions& o, Metric metric, QueriesAndTruth* out) {
  if (queries.hdf5() == nullptr) return ReadRowFileQueriesAndTruth(queries, o, metric, out);
  const AnnDatasetReader& reader = *queries.hdf5();
  out->truth_cols = reader.ground_truth_shape().cols;
  Result<std::vector<float>> distances = reader.ReadDistances();
  if (!distances.ok()) return distances.status();
  if (out->truth_cols < o.k) {
    return Status::InvalidArgument(
        fmt::format("{}: ground truth holds {} neighbours, fewer than --k {}", o.data, out->truth_cols, o.k));
  }
  ZYPHYR_RETURN_IF_ERROR(CheckResultMemory(o.k, reader.test_shape().rows, PhysicalMemoryBytes()));
  out->truth = std::move(*distances);
  Result<std::vector<float>> rows = reader.ReadTest();
  if (!rows.ok()) return rows.status();
  out->test = std::move(*rows);
  return Status::Ok();
}

// Latencies of `timed` queries searched one at a time, unpipelined, in milliseconds (every rank takes part).
Result<std::vector<double>> OneByOneLatenciesMs(DistributedIndex& index, std::span<const float> queries,
                                                DistributedSearchOptions options) {
  options.batch = 1;
  options.pipelined = false;
  Result<DistributedSearchResult> one_by_one = index.Search(queries, options);
  if (!one_by_one.ok()) return one_by_one.status();
  std::vector<double> ms(one_by_one->latency_seconds.begin(), one_by_one->latency_seconds.end());
  for (double& t : ms) t *= 1e3;
  return ms;
}

// Every (mode, ef) of `plan`, measured on every rank; the figures on rank 0 (empty elsewhere).
Result<std::vector<MeasuredRun>> MeasureRuns(const Communicator& comm, DistributedIndex& index, const BenchOptions& o,
                                             const BenchPlan& plan, const QueriesAndTruth& data,
                                             DistributedSearchOptions options) {
  const std::size_t dim = index.manifest().dim;
  std::vector<MeasuredRun> measured;
  for (std::size_t nprobe : plan.probes) {
    for (std::size_t ef : plan.efs) {
      options.nprobe = nprobe;
      options.ef = EffectiveEf(HnswSearchOptions{o.k, ef});
      options.batch = o.batch;
      options.pipelined = true;
      Result<DistributedSearchResult> run = index.Search(data.test, options);
      if (!run.ok()) return run.status();
      std::vector<double> latencies_ms;
      if (o.latency_queries > 0) {
        const std::size_t timed = std::min(o.latency_queries, data.test.size() / std::max<std::size_t>(dim, 1));
        Result<std::vector<double>> ms =
            OneByOneLatenciesMs(index, std::span<const float>(data.test).first(timed * dim), options);
        if (!ms.ok()) return ms.status();
        latencies_ms = std::move(*ms);
      }
      if (!comm.is_root()) continue;
      MeasuredRun figures;
      figures.nprobe = nprobe;
      figures.ef = options.ef;
      figures.recall = ReportedDistanceRecall(index.manifest().metric, run->lists, data.truth, data.truth_cols, o.k);
      const std::size_t queries = run->lists.queries;
      figures.qps = run->times.wall > 0 ? static_cast<double>(queries) / run->times.wall : 0.0;
      Result<LatencySummary> latency = SummarizeLatencies(latencies_ms);
      if (latency.ok()) figures.latency_ms = *latency;
      figures.times = run->times;
      figures.shards_per_query = run->shards_per_query;
      measured.push_back(figures);
    }
  }
  return measured;
}

// What the report says of the setting the figures were measured in.
struct BenchSetting {
  const BenchOptions& o;
  const IndexManifest& m;
  int ranks = 0;
  std::size_t threads = 0;
  std::size_t ranks_on_node = 0;
  std::size_t queries = 0;
  std::size_t hardware = 0;
  std::size_t busy() const { return ranks_on_node * threads; }
  std::size_t latency_queries() const { return std::min(o.latency_queries, queries); }
};

std::string ReportHeader(const BenchSetting& s) {
  const BenchOptions& o = s.o;
  const IndexManifest& m = s.m;
  const std::string encoded = m.encoding == Encoding::kFloat32
                                  ? std::string()
                                  : fmt::format(", {} codes re-ranked {}", EncodingName(m.encoding),
                                                o.rerank == 0 ? std::string(DefaultRerankText(m.encoding))
                                                              : std::to_string(std::max(o.rerank, o.k)));
  return fmt::format(
      "distributed bench: {} ({} queries) against {} ({} rows x {}, {} shards, {} partition, M {}, efC {}{})\n"
      "{} x {}, batch {}, k {}; {} of this node's {} hardware threads busy{}\n"
      "QPS and the time split: every query in pipelined batches; latency: {} queries one at a time\n",
      o.data, s.queries, o.index, m.rows, m.dim, m.shards.size(), m.partition, m.M, m.ef_construction, encoded,
      Plural(s.ranks, "rank", "ranks"), Plural(s.threads, "thread", "threads"), o.batch, o.k, s.busy(), s.hardware,
      s.busy() > s.hardware ? " (OVERSUBSCRIBED: timings are not scaling figures)" : "", s.latency_queries());
}

nlohmann::json DistributedReportJson(const BenchSetting& s, const std::vector<MeasuredRun>& measured) {
  const BenchOptions& o = s.o;
  const IndexManifest& m = s.m;
  nlohmann::json json{{"data", o.data},
                      {"index", o.index},
                      {"ranks", s.ranks},
                      {"threads_per_rank", s.threads},
                      {"ranks_on_rank0_node", s.ranks_on_node},
                      {"hardware_threads", s.hardware},
                      {"oversubscribed", s.busy() > s.hardware},
                      {"batch", o.batch},
                      {"latency_queries", s.latency_queries()},
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
  return json;
}

// The recall/QPS plot: one line per mode (broadcast, nprobe N).
void DrawModesPlot(const BenchSetting& s, const std::vector<MeasuredRun>& measured, const std::filesystem::path& dir) {
  BenchReport plotted;
  plotted.k = s.o.k;
  plotted.plot_title =
      fmt::format("{}: recall@{} vs QPS, {} x {} ({} shards, M={}, efC={})",
                  std::filesystem::path(s.o.data).filename().string(), s.o.k, Plural(s.ranks, "rank", "ranks"),
                  Plural(s.threads, "thread", "threads"), s.m.shards.size(), s.m.M, s.m.ef_construction);
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
}

}  // namespace

// What the index takes, summed over the ranks once the searches ran: the shard files on disk, the pages of their
// mappings resident (mincore: what the searches touched), the sections searches keep resident (rows and links, or
// codes and compact links), each also per vector; and each rank's resident set. Collective; the text on rank 0.
Result<std::string> MemoryText(Communicator& comm, const DistributedIndex& index) {
  const StoredIndex& local = index.local();
  std::uint64_t disk = 0;
  for (std::size_t i = 0; i < local.shard_count(); ++i) disk += local.shard(i).info().file_size;
  const Result<std::size_t> rss = VmRssBytes();
  const std::string mine = fmt::format("{} {} {} {}", disk, local.ResidentBytes(), local.SearchBytes(),
                                       rss.ok() ? *rss : std::size_t{0});
  Result<std::vector<std::string>> parts = comm.Gather(mine);
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(parts.status()));
  if (!comm.is_root()) return std::string();
  std::uint64_t sums[3] = {0, 0, 0};
  std::string per_rank;
  for (std::size_t r = 0; r < parts->size(); ++r) {
    std::uint64_t v[4] = {0, 0, 0, 0};
    std::sscanf((*parts)[r].c_str(), "%lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3]);
    for (int j = 0; j < 3; ++j) sums[j] += v[j];
    per_rank += fmt::format("{}rank {} {}", r == 0 ? "" : ", ", r, FormatBytes(v[3]));
  }
  const double rows = static_cast<double>(std::max<std::uint64_t>(index.manifest().rows, 1));
  return fmt::format(
      "memory: shard files {} ({:.1f} B/vector) on disk; mapped pages resident after the searches {} ({:.1f} "
      "B/vector); sections searches keep resident {} ({:.1f} B/vector); resident set {}\n",
      FormatBytes(sums[0]), static_cast<double>(sums[0]) / rows, FormatBytes(sums[1]),
      static_cast<double>(sums[1]) / rows, FormatBytes(sums[2]), static_cast<double>(sums[2]) / rows, per_rank);
}

int RunDistributedBench(Communicator& comm, const BenchOptions& o) {
  Result<BenchPlan> plan = ParseBenchPlan(o);
  if (!plan.ok()) return ReportAgreed(comm, plan.status());
  const std::size_t threads = RankThreads(comm, o.threads);

  // A row-file set names its queries apart; an HDF5 file holds them.
  const std::string& queries = o.queries.empty() ? o.data : o.queries;
  Result<RerankRows> rerank_rows = ParseRerankRows(o.rerank_rows);
  if (!rerank_rows.ok()) return ReportAgreed(comm, rerank_rows.status());
  Result<SearchPrologue> opened = OpenDatasetAndIndex(comm, queries, o.index, threads, *rerank_rows);
  if (!opened.ok()) return ReportAgreed(comm, opened.status());
  DistributedIndex& index = *opened->index;
  const std::size_t dim = index.manifest().dim;
  QueriesAndTruth data;
  Status st;
  if (comm.is_root()) st = ReadQueriesAndTruth(*opened->dataset, o, index.manifest().metric, &data);
  if (Status agreed = comm.Agree(st, Communicator::Blame::kInput); !agreed.ok()) return ReportAgreed(comm, agreed);

  DistributedSearchOptions options;
  options.k = o.k;
  options.rerank = o.rerank;
  options.batch = o.batch;
  options.threads = threads;
  options.ef = EffectiveEf(HnswSearchOptions{o.k, *std::max_element(plan->efs.begin(), plan->efs.end())});
  // Warm-up: fault the mapped shards in, so the figures measure search.
  Result<DistributedSearchResult> warm = index.Search(data.test, options);
  if (!warm.ok()) return ReportAgreed(comm, warm.status());

  Result<std::vector<MeasuredRun>> measured = MeasureRuns(comm, index, o, *plan, data, options);
  if (!measured.ok()) return ReportAgreed(comm, measured.status());
  Result<std::string> memory = MemoryText(comm, index);
  if (!memory.ok()) return ReportAgreed(comm, memory.status());
  if (!comm.is_root()) return 0;

  const BenchSetting setting{o,
                             index.manifest(),
                             comm.size(),
                             threads,
                             static_cast<std::size_t>(comm.local_size()),
                             data.test.size() / std::max<std::size_t>(dim, 1),
                             std::max(1u, std::thread::hardware_concurrency())};
  const std::string text = ReportHeader(setting) + Table(*measured, o.k) + *memory;
  fmt::print("{}", text);

  const std::filesystem::path dir(o.report);
  if (Status created = CreateReportDirectory(o.report); !created.ok()) return ReportError(created);
  if (Status w = WriteReportFiles(dir, text, DistributedReportJson(setting, *measured).dump(2) + "\n"); !w.ok()) {
    return ReportError(w);
  }
  DrawModesPlot(setting, *measured, dir);
  return 0;
}

}  // namespace zyphyr::cli
