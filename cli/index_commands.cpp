#include "cli/index_commands.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <mutex>
#include <numeric>
#include <span>
#include <system_error>
#include <vector>

#include <fmt/core.h>

#include "cli/cli_errors.h"
#include "cli/options.h"
#include "cli/progress_bar.h"
#include "cli/stopwatch.h"
#include "io/ann_dataset_reader.h"
#include "io/ann_result_file.h"
#include "src/core/metric.h"
#include "src/core/parallel_for.h"
#include "src/core/vector_store.h"
#include "src/index/hnsw_options.h"
#include "src/index/neighbor.h"
#include "storage/index_manifest.h"
#include "storage/stored_index.h"

namespace zyphyr::cli {
namespace {

// "1.2 MiB", "340.0 KiB", "2.5 GiB".
std::string FormatBytes(std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024 * 1024) return fmt::format("{:.1f} GiB", b / (1024.0 * 1024 * 1024));
  if (b >= 1024.0 * 1024) return fmt::format("{:.1f} MiB", b / (1024.0 * 1024));
  return fmt::format("{:.1f} KiB", b / 1024.0);
}

std::uint64_t ShardBytes(const IndexManifest& manifest) {
  std::uint64_t bytes = 0;
  for (const ManifestShard& shard : manifest.shards) bytes += shard.bytes;
  return bytes;
}

std::string Plural(std::size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

Status CheckBuildOptions(const BuildOptions& o) {
  if (o.M < 2 || o.M > kMaxM) return Status::InvalidArgument(fmt::format("--M must be in [2, {}]", kMaxM));
  return CheckPositive(o.ef_construction, "--ef-construction");
}

// The file's base name without ".hdf5": ann-benchmarks' dataset name.
std::string DatasetName(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  constexpr std::string_view kSuffix = ".hdf5";
  if (name.size() > kSuffix.size() && name.ends_with(kSuffix)) name.resize(name.size() - kSuffix.size());
  return name;
}

// Id-overlap recall@k: the fraction of the first k true ids of each query
// found among the ids returned for it.
double IdOverlapRecall(const std::vector<std::vector<Neighbor>>& found, std::span<const std::int64_t> truth,
                       std::size_t truth_cols, std::size_t k) {
  std::size_t hits = 0;
  std::vector<std::uint64_t> ids;
  for (std::size_t q = 0; q < found.size(); ++q) {
    ids.clear();
    for (const Neighbor& nb : found[q]) ids.push_back(nb.id);
    std::sort(ids.begin(), ids.end());
    for (std::size_t j = 0; j < k; ++j) {
      const auto id = static_cast<std::uint64_t>(truth[q * truth_cols + j]);
      if (std::binary_search(ids.begin(), ids.end(), id)) ++hits;
    }
  }
  return static_cast<double>(hits) / static_cast<double>(found.size() * k);
}

}  // namespace

CLI::App* AddBuildCommand(CLI::App& app, BuildOptions* o) {
  CLI::App* cmd = app.add_subcommand("build", "Build an index directory over the train rows of a dataset file");
  cmd->add_option("--data", o->data, "ann-benchmarks HDF5 dataset file (its 'train' rows are indexed)")->required();
  cmd->add_option("--index", o->index, "Index directory to create (must not exist)")->required();
  cmd->add_option("--M", o->M, "Links per node (2M on level 0)")->capture_default_str();
  cmd->add_option("--ef-construction", o->ef_construction, "Beam width while building")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Build threads (0: all)")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of the level draws")->capture_default_str();
  cmd->add_option("--metric", o->metric, "l2, ip or cosine (default: the dataset file's)");
  return cmd;
}

CLI::App* AddSearchCommand(CLI::App& app, SearchOptions* o) {
  CLI::App* cmd = app.add_subcommand(
      "search", "Search an index with the test rows of a dataset file; write an ann-benchmarks result file");
  cmd->add_option("--index", o->index, "Index directory")->required();
  cmd->add_option("--queries", o->queries, "ann-benchmarks HDF5 file whose 'test' rows are the queries")->required();
  cmd->add_option("--k", o->k, "Neighbours per query")->required();
  cmd->add_option("--ef", o->ef, "Search beam width (raised to k when smaller)")->required();
  cmd->add_option("--threads", o->threads, "Search threads (0: all)")->capture_default_str();
  cmd->add_option("--out", o->out, "ann-benchmarks result file to write")->required();
  return cmd;
}

int RunBuild(const BuildOptions& o) {
  if (Status st = CheckBuildOptions(o); !st.ok()) return ReportError(st);
  Result<Metric> metric_override = Metric::kL2;
  if (!o.metric.empty()) {
    metric_override = ParseMetric(o.metric);
    if (!metric_override.ok()) return ReportError(metric_override.status());
  }
  // Before any time goes into reading and building (BuildIndexDirectory checks again).
  if (Status st = CheckIndexDirectoryIsNew(o.index); !st.ok()) return ReportError(st);

  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(o.data);
  if (!reader.ok()) return ReportError(reader.status());
  const Metric metric = o.metric.empty() ? reader->metric() : *metric_override;
  const std::size_t dim = reader->dim();
  const std::size_t rows = reader->train_shape().rows;
  Result<std::vector<float>> train = reader->ReadTrain();
  if (!train.ok()) return ReportError(train.status());

  VectorStore store(dim, metric);
  store.Reserve(rows);
  std::vector<std::uint64_t> ids(rows);
  std::iota(ids.begin(), ids.end(), std::uint64_t{0});
  if (Status st = store.AddBatch(ids, *train); !st.ok()) return ReportError(st.WithContext(o.data));
  train->clear();
  train->shrink_to_fit();

  IndexBuildParams params;
  params.hnsw.M = o.M;
  params.hnsw.ef_construction = o.ef_construction;
  params.hnsw.threads = ResolveThreads(o.threads);
  params.hnsw.seed = o.seed;
  params.source = o.data;
  ProgressBar bar("build");
  params.hnsw.progress = bar.Callback();
  const Stopwatch clock;
  Status built = BuildIndexDirectory(o.index, std::move(store), params);
  bar.Finish();
  if (!built.ok()) return ReportError(built);
  const double seconds = clock.Seconds();

  Result<IndexManifest> manifest = ReadManifest(o.index);
  if (!manifest.ok()) return ReportError(manifest.status());
  fmt::print("built {}: {} x {}, metric {}, M {}, efConstruction {}, {}, {}, {:.1f} s\n", o.index, rows, dim,
             MetricName(metric), o.M, o.ef_construction, Plural(manifest->shards.size(), "shard", "shards"),
             FormatBytes(ShardBytes(*manifest)), seconds);
  return 0;
}

int RunSearch(const SearchOptions& o) {
  if (Status st = CheckPositive(o.k, "--k"); !st.ok()) return ReportError(st);
  if (Status st = CheckPositive(o.ef, "--ef"); !st.ok()) return ReportError(st);
  const std::size_t threads = ResolveThreads(o.threads);

  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(o.queries);
  if (!reader.ok()) return ReportError(reader.status());
  StoredIndexOptions open_options;
  open_options.threads = threads;
  Result<std::unique_ptr<StoredIndex>> opened = StoredIndex::Open(o.index, open_options);
  if (!opened.ok()) return ReportError(opened.status());
  const StoredIndex& index = **opened;
  if (reader->dim() != index.dim()) {
    return ReportError(Status::InvalidArgument(fmt::format("{}: queries have dimension {}, the index {} has {}",
                                                           o.queries, reader->dim(), o.index, index.dim())));
  }
  Result<std::vector<float>> test = reader->ReadTest();
  if (!test.ok()) return ReportError(test.status());
  const std::size_t dim = index.dim();
  const std::size_t queries = reader->test_shape().rows;

  const HnswSearchOptions search{o.k, o.ef};
  const std::size_t ef = EffectiveEf(search);
  if (o.ef < o.k) fmt::print(stderr, "note: ef {} < k {}: searched with ef {}\n", o.ef, o.k, ef);

  std::vector<std::vector<Neighbor>> found(queries);
  std::vector<float> times(queries, 0.0f);
  std::mutex error_mutex;
  std::size_t failed_query = queries;
  Status failure;
  const Stopwatch clock;
  ParallelFor(
      0, queries, threads, [] { return 0; },
      [&](std::size_t q, int&) {
        const auto start = std::chrono::steady_clock::now();
        Result<std::vector<Neighbor>> result =
            index.Search(std::span<const float>(*test).subspan(q * dim, dim), search);
        times[q] = std::chrono::duration<float>(std::chrono::steady_clock::now() - start).count();
        if (result.ok()) {
          found[q] = std::move(result).value();
          return;
        }
        std::lock_guard<std::mutex> lock(error_mutex);
        if (q < failed_query) {
          failed_query = q;
          failure = result.status();
        }
      });
  const double wall_s = clock.Seconds();
  if (!failure.ok()) return ReportError(failure.WithContext(fmt::format("{}: test row {}", o.queries, failed_query)));

  const IndexManifest& manifest = index.manifest();
  AnnResult result;
  result.algo = "zyphyr";
  result.name = fmt::format("zyphyr(M={},efC={},ef={})", manifest.M, manifest.ef_construction, ef);
  result.dataset = DatasetName(o.queries);
  result.distance = std::string(AnnDistanceName(index.metric()));
  result.count = o.k;
  result.build_time = 0;
  result.index_size = static_cast<double>(ShardBytes(manifest)) / 1024.0;
  result.neighbors.assign(queries * o.k, -1);
  result.distances.assign(queries * o.k, std::numeric_limits<float>::infinity());
  double total_s = 0;
  std::size_t total_results = 0;
  for (std::size_t q = 0; q < queries; ++q) {
    total_s += times[q];
    total_results += found[q].size();
    for (std::size_t j = 0; j < found[q].size() && j < o.k; ++j) {
      const Neighbor& nb = found[q][j];
      if (nb.id > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
        return ReportError(Status::Unsupported(
            fmt::format("{}: id {} (found for test row {}) does not fit the int32 ids of an ann-benchmarks result file",
                        o.out, nb.id, q)));
      }
      result.neighbors[q * o.k + j] = static_cast<std::int32_t>(nb.id);
      result.distances[q * o.k + j] = nb.distance;
    }
  }
  result.best_search_time = total_s / static_cast<double>(queries);
  result.candidates = static_cast<double>(total_results) / static_cast<double>(queries);
  result.times = std::move(times);

  std::string recall_text;
  if (reader->has_ground_truth()) {
    const std::size_t truth_cols = reader->ground_truth_shape().cols;
    if (truth_cols < o.k) {
      fmt::print(stderr, "note: {} holds ground truth for {} neighbours, fewer than k {}: recall not computed\n",
                 o.queries, truth_cols, o.k);
    } else {
      Result<std::vector<std::int64_t>> truth = reader->ReadNeighbors();
      if (!truth.ok()) return ReportError(truth.status());
      recall_text = fmt::format(", recall@{} {:.3f}", o.k, IdOverlapRecall(found, *truth, truth_cols, o.k));
    }
  }

  if (Status st = WriteAnnResult(o.out, result); !st.ok()) return ReportError(st);
  const std::size_t used_threads = std::min(threads, queries);
  fmt::print("searched {}: k {}, ef {}, {}, {:.0f} QPS{}; wrote {}\n", Plural(queries, "query", "queries"), o.k, ef,
             Plural(used_threads, "thread", "threads"), static_cast<double>(queries) / wall_s, recall_text, o.out);
  return 0;
}

}  // namespace zyphyr::cli
