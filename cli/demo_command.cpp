#include "cli/demo_command.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include <fmt/core.h>

#include "cli/cli_errors.h"
#include "cli/options.h"
#include "cli/stopwatch.h"
#include "src/core/metric.h"
#include "src/core/parallel_for.h"
#include "src/core/vector_store.h"
#include "src/data/synthetic.h"
#include "src/distance/cpu_features.h"
#include "src/distance/dispatch.h"
#include "src/eval/latency.h"
#include "src/eval/memory_usage.h"
#include "src/eval/recall.h"
#include "src/eval/search_run.h"
#include "src/index/brute_force.h"
#include "src/index/hnsw_index.h"

namespace zyphyr::cli {
namespace {

// The ranges of the options are CLI11's (AddDemoCommand); recall@k needs k
// rows, and the result buffers must fit in memory.
Status CheckOptions(const DemoOptions& o) {
  if (o.k > o.n) return Status::InvalidArgument(fmt::format("--k {} exceeds the {} rows of --n", o.k, o.n));
  return CheckResultMemory(o.k, o.queries, PhysicalMemoryBytes());
}

}  // namespace

CLI::App* AddDemoCommand(CLI::App& app, DemoOptions* o) {
  CLI::App* cmd = app.add_subcommand("demo", "Build an index over synthetic clustered data; print recall and QPS");
  cmd->add_option("--n", o->n, "Rows")->capture_default_str()->check(CountRange(1));
  cmd->add_option("--dim", o->dim, "Dimension")->capture_default_str()->check(CountRange(1));
  cmd->add_option("--queries", o->queries, "Queries")->capture_default_str()->check(CountRange(1));
  cmd->add_option("--clusters", o->clusters, "Gaussian clusters")->capture_default_str()->check(CountRange(1));
  cmd->add_option("--metric", o->metric, "l2, ip or cosine")->capture_default_str();
  AddMOption(cmd, &o->M, "Links per node (2M on level 0)");
  AddEfConstructionOption(cmd, &o->ef_construction, "Beam width while building");
  cmd->add_option("--ef", o->ef_list, "Comma-separated search beam widths")->capture_default_str();
  cmd->add_option("--k", o->k, "Neighbours per query (at most --n)")->capture_default_str()->check(CountRange(1));
  cmd->add_option("--threads", o->threads, "Build threads (0: all; at most the hardware threads)")
      ->capture_default_str()
      ->check(ThreadsRange());
  cmd->add_option("--seed", o->seed, "Seed of data and level draws")->capture_default_str()->check(SeedRange());
  return cmd;
}

int RunDemo(const DemoOptions& o) {
  if (Status st = CheckOptions(o); !st.ok()) return ReportError(st);
  Result<Metric> metric = ParseMetric(o.metric);
  if (!metric.ok()) return ReportError(metric.status());
  Result<std::vector<std::size_t>> efs = ParsePositiveList("--ef", o.ef_list);
  if (!efs.ok()) return ReportError(efs.status());
  Result<const DistanceKernels*> kernels = ProcessKernels();
  if (!kernels.ok()) return ReportError(kernels.status());

  Result<Dataset> base = ClusteredGaussian(o.n, o.dim, o.clusters, o.seed, SampleStream::kBase);
  if (!base.ok()) return ReportError(base.status());
  Result<Dataset> queries = ClusteredGaussian(o.queries, o.dim, o.clusters, o.seed, SampleStream::kQueries);
  if (!queries.ok()) return ReportError(queries.status());

  VectorStore store(o.dim, *metric);
  std::vector<std::uint64_t> ids(o.n);
  std::iota(ids.begin(), ids.end(), 0);
  if (Status st = store.AddBatch(ids, base->rows); !st.ok()) return ReportError(st);

  const std::size_t build_threads = ResolveThreads(UsableThreads("--threads", o.threads));
  HnswBuildOptions build;
  build.M = o.M;
  build.ef_construction = o.ef_construction;
  build.threads = build_threads;
  build.seed = o.seed;
  Stopwatch clock;
  Result<std::unique_ptr<HnswIndex>> index = HnswIndex::Build(std::move(store), build);
  if (!index.ok()) return ReportError(index.status());
  const double build_s = clock.Seconds();
  const HnswIndex& idx = **index;

  clock.Restart();
  Result<std::vector<std::vector<Neighbor>>> truth = ExactSearch(idx.store(), queries->rows, o.k, 0);
  if (!truth.ok()) return ReportError(truth.status());
  const double truth_s = clock.Seconds();
  const std::vector<std::vector<float>> true_distances = DistancesOf(*truth);

  fmt::print("zyphyr demo  isa: {}  cpu: {}\n", IsaName((*kernels)->isa), CpuBrandString());
  fmt::print("data: clustered gaussian  n: {}  dim: {}  clusters: {}  queries: {}  seed: {}  metric: {}\n", o.n, o.dim,
             o.clusters, o.queries, o.seed, MetricName(*metric));
  fmt::print("index: M: {}  efC: {}  build: {:.3f} s on {} thread(s)  memory: {} bytes ({:.1f} per vector)\n", o.M,
             o.ef_construction, build_s, build_threads, idx.MemoryBytes(),
             static_cast<double>(idx.MemoryBytes()) / static_cast<double>(o.n));
  fmt::print("ground truth: exact k={} in {:.3f} s\n", o.k, truth_s);
  fmt::print("search: one query at a time, one thread\n");
  for (std::size_t ef : *efs) {
    if (ef < o.k) fmt::print("note: ef {} < k {}: raised to {}\n", ef, o.k, o.k);
  }

  fmt::print("{:>6} {:>10} {:>10} {:>9} {:>9} {:>9}\n", "ef", fmt::format("recall@{}", o.k), "QPS", "p50 us", "p95 us",
             "p99 us");
  const RecallVectors vectors{base->rows, queries->rows, o.dim, *metric};
  for (std::size_t ef : *efs) {
    const HnswSearchOptions search{o.k, std::max(ef, o.k)};
    Result<SearchRunResult> run =
        MeasureSearch(vectors, true_distances, RecallOptions{o.k}, [&](std::size_t q, std::vector<std::uint64_t>* ids) {
          Result<std::vector<Neighbor>> found = idx.Search(queries->row(q), search);
          if (!found.ok()) return found.status();
          ids->clear();
          for (const Neighbor& nb : *found) ids->push_back(nb.id);
          return Status::Ok();
        });
    if (!run.ok()) return ReportError(run.status());
    fmt::print("{:>6} {:>10.4f} {:>10.0f} {:>9.1f} {:>9.1f} {:>9.1f}\n", search.ef, run->recall, run->qps,
               run->latency.p50 * 1e6, run->latency.p95 * 1e6, run->latency.p99 * 1e6);
  }
  if (Result<std::size_t> rss = PeakRssBytes(); rss.ok()) fmt::print("peak rss: {} bytes\n", *rss);
  return 0;
}

}  // namespace zyphyr::cli
