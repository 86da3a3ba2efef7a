#include "cli/bench_command.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <system_error>
#include <thread>

#include <fmt/core.h>

#include "bench/engines/engine.h"
#include "bench/engines/zyphyr_engine.h"
#include "bench/harness/bench_data.h"
#include "bench/harness/bench_report.h"
#include "bench/harness/engine_run.h"
#include "cli/cli_errors.h"
#include "cli/distributed_bench.h"
#include "cli/isolated_run.h"
#include "cli/options.h"
#include "cli/progress_bar.h"
#include "cli/report_output.h"
#include "io/ann_dataset_reader.h"
#include "src/core/parallel_for.h"
#include "src/distance/cpu_features.h"
#include "src/distance/dispatch.h"
#include "src/index/hnsw_options.h"
#include "storage/index_manifest.h"

namespace zyphyr::cli {
namespace {

std::string UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// "zyphyr" first, then the peers asked for (every built one by default, the
// known ones not built into this binary added to `skipped`).
// With --engine-only, that one engine alone.
Result<std::vector<std::string>> EngineNames(const std::string& peers, const std::string& engine_only,
                                             std::vector<std::string>* skipped) {
  if (!engine_only.empty()) {
    if (engine_only != "zyphyr") {
      Result<std::unique_ptr<Engine>> engine = MakeEngine(engine_only);
      if (!engine.ok()) return engine.status().WithContext("--engine-only");
    }
    return std::vector<std::string>{engine_only};
  }
  std::vector<std::string> names = {"zyphyr"};
  if (peers == "default") {
    for (const std::string& peer : AvailablePeers()) names.push_back(peer);
    for (const std::string& peer : KnownPeers()) {
      if (std::find(names.begin(), names.end(), peer) == names.end()) skipped->push_back(peer);
    }
    return names;
  }
  Result<std::vector<std::string>> asked = ParseNameList("--peers", peers);
  if (!asked.ok()) return asked.status();
  for (const std::string& peer : *asked) {
    if (peer == "zyphyr") return Status::InvalidArgument("--peers: 'zyphyr' always runs; name only peers");
    Result<std::unique_ptr<Engine>> engine = MakeEngine(peer);  // Refuses unknown or unbuilt peers.
    if (!engine.ok()) return engine.status().WithContext("--peers");
    names.push_back(peer);
  }
  return names;
}

}  // namespace

CLI::App* AddBenchCommand(CLI::App& app, BenchOptions* o) {
  CLI::App* cmd = app.add_subcommand(
      "bench", "Build Zyphyr and its peers over a dataset file; report recall, QPS, latency, build time, memory");
  cmd->add_option("--data", o->data,
                  "Dataset: an ann-benchmarks HDF5 file, or a base row file (.fbin, .u8bin, .i8bin, .fvecs, .bvecs) "
                  "with --queries and --metric")
      ->required();
  cmd->add_option("--queries", o->queries, "Row files: the queries (.fbin, .u8bin, .i8bin, .fvecs, .bvecs)");
  cmd->add_option("--groundtruth", o->groundtruth,
                  "Row files: the ground truth (.ibin, .bin, .ivecs or .hdf5; default: computed exactly here)");
  cmd->add_option("--metric", o->metric, "Row files: l2, ip or cosine (they carry no metric)");
  cmd->add_option("--rows", o->rows, "Row files: only the first N base rows (default or 0: all)")->check(CountRange(0));
  cmd->add_option("--k", o->k, "Neighbours per query (recall@k)")->capture_default_str()->check(CountRange(1));
  cmd->add_option("--ef", o->ef_list, "Comma-separated search beam widths")->capture_default_str();
  cmd->add_option("--threads", o->threads,
                  "Threads of the multi-threaded QPS run (0: all; at most the hardware threads)")
      ->capture_default_str()
      ->check(ThreadsRange());
  cmd->add_option("--peers", o->peers, "Comma-separated peers: hnswlib, hnswlib-0.8, usearch, faiss, or none (default: all built)")
      ->capture_default_str();
  AddMOption(cmd, &o->M, "Links per node (2M on level 0), every engine")->each([o](const std::string&) {
    o->M_given = true;
  });
  AddEfConstructionOption(cmd, &o->ef_construction, "Beam width while building, every engine")
      ->each([o](const std::string&) { o->ef_construction_given = true; });
  cmd->add_option("--build-threads", o->build_threads,
                  "Threads building each index (0: all; at most the hardware threads)")
      ->capture_default_str()
      ->check(ThreadsRange());
  cmd->add_option("--seed", o->seed, "Seed of the level draws")->capture_default_str()->check(SeedRange());
  cmd->add_option("--index", o->index, "Search this stored index directory in place instead of building Zyphyr's");
  cmd->add_option("--nprobe", o->nprobe,
                  "Comma-separated shard counts to route each query to (k-means index; with --index); broadcast "
                  "mode is always measured too");
  cmd->add_option("--batch", o->batch, "Queries per batch sent to the ranks (distributed bench)")
      ->capture_default_str()
      ->check(CountRange(1));
  cmd->add_option("--latency-queries", o->latency_queries,
                  "Queries sent one at a time for the latency percentiles (distributed bench; 0: none)")
      ->capture_default_str()
      ->check(CountRange(0));
  cmd->add_option("--encoding", o->encodings,
                  "Comma-separated Zyphyr encodings, one engine each: float32 (in memory), int8, pq (codes searched "
                  "in place from an index written under the report directory, rows re-read for re-ranking)")
      ->capture_default_str();
  AddPqMOption(cmd, &o->pq_m);
  AddRerankOption(cmd, &o->rerank, "Codes");
  AddRerankRowsOption(cmd, &o->rerank_rows);
  cmd->add_option("--report", o->report, "Directory for report.json, report.txt, the plot and result files")
      ->required();
  cmd->add_flag("--isolate", o->isolate,
                "Run each engine in its own process (this binary again, same data, query loop and warm-up), "
                "reports merged into one");
  cmd->add_option("--repeat", o->repeat,
                  "Run the engines in rotation this many times; round r reports into DIR/round-r, DIR/rounds.txt "
                  "gives each round's QPS at recall 0.90/0.95 and the median and best")
      ->capture_default_str()
      ->check(CountRange(1));
  cmd->add_option("--engine-only", o->engine_only, "Internal: run only this engine (what --isolate runs)")
      ->group("");
  return cmd;
}

namespace {

// With --index: the peers are built like the stored index was (its M, efConstruction, seed and encoding).
Status AdoptIndexSettings(BenchOptions* o) {
  Result<IndexManifest> manifest = ReadManifest(o->index);
  if (!manifest.ok()) return manifest.status();
  if ((o->M_given && o->M != manifest->M) ||
      (o->ef_construction_given && o->ef_construction != manifest->ef_construction)) {
    return Status::InvalidArgument(
        fmt::format("--M/--ef-construction differ from those of the index {} (M {}, efConstruction {}); "
                    "leave them out with --index",
                    o->index, manifest->M, manifest->ef_construction));
  }
  o->M = manifest->M;
  o->ef_construction = manifest->ef_construction;
  o->seed = manifest->seed;
  if (o->encodings != "float32") {
    return Status::InvalidArgument("--encoding comes from the index with --index; leave it out");
  }
  o->encodings = std::string(EncodingName(manifest->encoding));
  return Status::Ok();
}

// The encodings of --encoding, each once, in the order given.
Result<std::vector<Encoding>> ParseEncodings(const std::string& list) {
  Result<std::vector<std::string>> encoding_names = ParseNameList("--encoding", list);
  if (!encoding_names.ok()) return encoding_names.status();
  std::vector<Encoding> encodings;
  for (const std::string& name : *encoding_names) {
    Result<Encoding> e = ParseEncoding(name);
    if (!e.ok()) return Status::InvalidArgument("--encoding: " + e.status().message());
    if (std::find(encodings.begin(), encodings.end(), *e) == encodings.end()) encodings.push_back(*e);
  }
  if (encodings.empty())
    return Status::InvalidArgument("--encoding: no encodings given (expected float32, int8 or pq)");
  return encodings;
}

// The dataset with its ground truth (computed here, with a note, when the file has none). Before the data is read:
// the ground truth's buffers must fit (LoadBenchData refuses k above the rows).
Result<BenchData> LoadData(const BenchOptions& o) {
  if (Result<AnnDatasetReader> file = AnnDatasetReader::Open(o.data); file.ok()) {
    const std::size_t k = std::min(o.k, file->train_shape().rows);
    ZYPHYR_RETURN_IF_ERROR(CheckResultMemory(k, file->test_shape().rows, PhysicalMemoryBytes()));
  }
  BenchDataOptions data_options;
  data_options.k = o.k;
  data_options.queries = o.queries;
  data_options.groundtruth = o.groundtruth;
  data_options.max_rows = o.rows;
  if (!o.metric.empty()) {
    Result<Metric> metric = ParseMetric(o.metric);
    if (!metric.ok()) return metric.status();
    data_options.metric = *metric;
  }
  ProgressBar gt_bar("exact ground truth");
  data_options.ground_truth_progress = gt_bar.Callback();
  Result<BenchData> data = LoadBenchData(o.data, data_options);
  gt_bar.Finish();
  if (!data.ok()) return data.status();
  if (data->ground_truth_computed) {
    fmt::print(stderr, "note: {} has no ground truth; computed it here (store it with 'zyphyr dataset groundtruth')\n",
               o.data);
  }
  return data;
}

BenchSettings SettingsOf(const BenchOptions& o, std::vector<std::size_t> efs, const std::filesystem::path& report_dir) {
  BenchSettings settings;
  settings.k = o.k;
  settings.efs = std::move(efs);
  settings.threads = ResolveThreads(UsableThreads("--threads", o.threads));
  settings.build.M = o.M;
  settings.build.ef_construction = o.ef_construction;
  settings.build.threads = ResolveThreads(UsableThreads("--build-threads", o.build_threads));
  settings.build.seed = o.seed;
  settings.results_dir = (report_dir / "results").string();
  return settings;
}

// The report before any engine ran: the data, the parameters and the machine.
BenchReport ReportHeading(const BenchData& data, const BenchOptions& o, const BenchSettings& settings,
                          const DistanceKernels& kernels) {
  BenchReport report;
  report.data_path = data.path;
  report.data_name = data.name;
  report.distance = data.distance_name;
  report.dim = data.dim;
  report.train_rows = data.train_rows;
  report.test_rows = data.test_rows;
  report.ground_truth_computed = data.ground_truth_computed;
  report.data_bytes = data.MemoryBytes();
  report.id_recall_column = data.metric == Metric::kInnerProduct;
  report.k = o.k;
  report.M = o.M;
  report.ef_construction = o.ef_construction;
  report.threads = settings.threads;
  report.build_threads = settings.build.threads;
  report.cpu = CpuBrandString();
  report.isa = std::string(IsaName(kernels.isa));
  report.hardware_threads = std::thread::hardware_concurrency();
  report.started_at = UtcNow();
  return report;
}

// The engines to run, by name: one Zyphyr engine per encoding, where "zyphyr" stands in the list.
std::vector<std::pair<std::string, ZyphyrEngineConfig>> EngineRuns(const std::vector<std::string>& names,
                                                                   const std::vector<Encoding>& encodings,
                                                                   const BenchOptions& o,
                                                                   const std::filesystem::path& report_dir) {
  std::vector<std::pair<std::string, ZyphyrEngineConfig>> runs;
  for (const std::string& name : names) {
    if (name != "zyphyr") {
      runs.push_back({name, {}});
      continue;
    }
    for (Encoding encoding : encodings) {
      ZyphyrEngineConfig config;
      config.index_dir = o.index;
      config.quantization.encoding = encoding;
      config.quantization.pq_m = o.pq_m;
      config.rerank = o.rerank;
      const Result<RerankRows> rows = ParseRerankRows(o.rerank_rows);  // Checked by RunBench.
      config.rerank_rows = rows.ok() ? *rows : RerankRows::kAuto;
      if (o.index.empty() && encoding != Encoding::kFloat32) {
        config.build_dir = (report_dir / ("zyphyr-" + std::string(EncodingName(encoding)) + ".idx")).string();
        std::error_code ec;
        std::filesystem::remove_all(config.build_dir, ec);  // This bench's own, from an earlier run.
      }
      runs.push_back({name, std::move(config)});
    }
  }
  return runs;
}

// One engine built and swept with progress bars; errors name the engine.
Result<EngineReport> RunWithProgress(const std::string& name, const ZyphyrEngineConfig& config, const BenchData& data,
                                     const BenchSettings& settings) {
  Result<std::unique_ptr<Engine>> engine = MakeEngine(name);
  if (name == "zyphyr") engine = std::unique_ptr<Engine>(new ZyphyrEngine(config));
  if (!engine.ok()) return engine.status();
  const std::string label((*engine)->name());
  ProgressBar build_bar(label + ": build");
  ProgressBar sweep_bar(label + ": search sweep");
  RunProgress progress;
  progress.build = build_bar.Callback();
  progress.sweep = sweep_bar.Callback();
  Result<EngineReport> engine_report = RunEngine(**engine, data, settings, progress);
  build_bar.Finish();
  sweep_bar.Finish();
  if (!engine_report.ok()) return engine_report.status().WithContext(label);
  return engine_report;
}

// One round: every engine measured (in this process, or each in its own with --isolate) into `report`, then its
// table printed and its files written under `round_dir`.
Status MeasureRound(const BenchOptions& options, const std::vector<std::string>& names,
                    const std::vector<std::pair<std::string, ZyphyrEngineConfig>>& runs, const BenchData& data,
                    BenchSettings settings, const std::filesystem::path& round_dir, BenchReport* report) {
  ZYPHYR_RETURN_IF_ERROR(CreateReportDirectory(round_dir.string()));
  settings.results_dir = (round_dir / "results").string();
  if (options.isolate) {
    for (const std::string& name : names) {
      Result<std::vector<EngineReport>> engines = RunIsolated(options, name, round_dir / ("engine-" + name));
      if (!engines.ok()) return engines.status();
      for (EngineReport& e : *engines) report->engines.push_back(std::move(e));
    }
  } else {
    for (const auto& [name, config] : runs) {
      Result<EngineReport> engine_report = RunWithProgress(name, config, data, settings);
      if (!engine_report.ok()) return engine_report.status();
      report->engines.push_back(std::move(*engine_report));
    }
  }
  const std::string table = ReportTable(*report);
  fmt::print("{}", table);
  ZYPHYR_RETURN_IF_ERROR(WriteReportFiles(round_dir, table, ReportJson(*report)));
  if (options.isolate) {
    fmt::print("result files (ann-benchmarks layout): {}/engine-*/results\n", round_dir.string());
  } else {
    fmt::print("result files (ann-benchmarks layout): {}\n", settings.results_dir);
  }
  DrawRecallQpsPlot(*report, round_dir);
  return Status::Ok();
}

}  // namespace

int RunBench(Communicator& comm, const BenchOptions& options) {
  if (comm.uses_mpi() || !options.nprobe.empty()) return RunDistributedBench(comm, options);
  BenchOptions o = options;
  if (!o.index.empty()) {
    if (Status st = AdoptIndexSettings(&o); !st.ok()) return ReportError(st);
  }
  Result<std::vector<Encoding>> encodings = ParseEncodings(o.encodings);
  if (!encodings.ok()) return ReportError(encodings.status());
  if (Result<RerankRows> rows = ParseRerankRows(o.rerank_rows); !rows.ok()) return ReportError(rows.status());
  Result<std::vector<std::size_t>> efs = ParsePositiveList("--ef", o.ef_list);
  if (!efs.ok()) return ReportError(efs.status());
  if (!o.engine_only.empty() && (o.isolate || o.repeat != 1)) {
    return UsageError("--engine-only runs one engine once; leave out --isolate and --repeat");
  }
  std::vector<std::string> skipped;
  Result<std::vector<std::string>> names = EngineNames(o.peers, o.engine_only, &skipped);
  if (!names.ok()) return ReportError(names.status());
  Result<const DistanceKernels*> kernels = ProcessKernels();
  if (!kernels.ok()) return ReportError(kernels.status());

  const std::filesystem::path report_dir(o.report);
  if (Status st = CreateReportDirectory(o.report); !st.ok()) return ReportError(st);
  Result<BenchData> data = LoadData(o);
  if (!data.ok()) return ReportError(data.status());

  // Said once the run is known to go ahead, so that a refusal stays one line.
  for (const std::string& peer : skipped) {
    fmt::print(stderr, "note: peer '{}' was not built into this binary; skipped\n", peer);
  }
  const BenchSettings settings = SettingsOf(o, std::move(*efs), report_dir);
  for (std::size_t ef : settings.efs) {
    if (ef < o.k) fmt::print(stderr, "note: ef {} < k {}: every engine searches with ef {}\n", ef, o.k, o.k);
  }
  const BenchReport heading = ReportHeading(*data, o, settings, **kernels);
  const auto runs = EngineRuns(*names, *encodings, o, report_dir);
  std::vector<BenchReport> rounds;
  for (std::size_t round = 1; round <= o.repeat; ++round) {
    const std::filesystem::path round_dir =
        o.repeat > 1 ? report_dir / ("round-" + std::to_string(round)) : report_dir;
    if (o.repeat > 1) fmt::print(stderr, "round {} of {}: {}\n", round, o.repeat, round_dir.string());
    BenchReport round_report = heading;
    if (Status st = MeasureRound(options, *names, runs, *data, settings, round_dir, &round_report); !st.ok()) {
      return ReportError(st);
    }
    rounds.push_back(std::move(round_report));
  }
  if (o.repeat > 1) {
    const std::string table = RoundsTable(rounds);
    fmt::print("\n{} rounds{}, engines in rotation:\n{}", o.repeat, o.isolate ? " (each engine in its own process)" : "",
               table);
    if (Status st = WriteTextFile(report_dir / "rounds.txt", table); !st.ok()) return ReportError(st);
    fmt::print("rounds: {}\n", (report_dir / "rounds.txt").string());
  }
  return 0;
}

}  // namespace zyphyr::cli
