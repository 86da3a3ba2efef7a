// Zyphyr and hnswlib side by side, in one process, on the same synthetic
// clustered data: build time, memory, and for each ef recall@k
// (ann-benchmarks' definition), single-thread one-query-at-a-time QPS and
// latency percentiles, with the QPS ratio zyphyr / hnswlib.
#include <chrono>
#include <functional>
#include <numeric>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "bench/peers/hnswlib_peer.h"
#include "src/core/parallel_for.h"
#include "src/data/synthetic.h"
#include "src/distance/cpu_features.h"
#include "src/distance/dispatch.h"
#include "src/eval/latency.h"
#include "src/eval/memory_usage.h"
#include "src/eval/recall.h"
#include "src/eval/search_run.h"
#include "src/index/brute_force.h"
#include "src/index/hnsw_index.h"

namespace zyphyr {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Options {
  std::size_t n = 100000, dim = 128, queries = 1000, clusters = 100;
  std::size_t M = 16, ef_construction = 200, k = 10, build_threads = 1;
  std::vector<std::size_t> efs = {16, 32, 64, 128};
  std::uint64_t seed = 42;
  std::string metric = "l2";
};

int Fail(const Status& st) {
  fmt::print(stderr, "error: {}\n", st.message());
  return 2;
}

int Run(const Options& o) {
  if (o.n == 0 || o.dim == 0 || o.queries == 0 || o.clusters == 0 || o.k == 0 || o.efs.empty()) {
    return Fail(Status::InvalidArgument("--n, --dim, --queries, --clusters, --k and --ef must be positive"));
  }
  Result<Metric> metric = ParseMetric(o.metric);
  if (!metric.ok()) return Fail(metric.status());
  Result<const DistanceKernels*> kernels = ProcessKernels();
  if (!kernels.ok()) return Fail(kernels.status());
  Result<Dataset> base = ClusteredGaussian(o.n, o.dim, o.clusters, o.seed, SampleStream::kBase);
  Result<Dataset> queries = ClusteredGaussian(o.queries, o.dim, o.clusters, o.seed, SampleStream::kQueries);
  if (!base.ok()) return Fail(base.status());
  if (!queries.ok()) return Fail(queries.status());

  VectorStore store(o.dim, *metric);
  std::vector<std::uint64_t> ids(o.n);
  std::iota(ids.begin(), ids.end(), 0);
  if (Status st = store.AddBatch(ids, base->rows); !st.ok()) return Fail(st);
  Clock::time_point start = Clock::now();
  Result<std::vector<std::vector<Neighbor>>> truth = ExactSearch(store, queries->rows, o.k, 0);
  if (!truth.ok()) return Fail(truth.status());
  const double truth_s = SecondsSince(start);
  const std::vector<std::vector<float>> true_distances = DistancesOf(*truth);

  HnswBuildOptions build;
  build.M = o.M;
  build.ef_construction = o.ef_construction;
  build.threads = o.build_threads;
  build.seed = o.seed;
  start = Clock::now();
  Result<std::unique_ptr<HnswIndex>> zyphyr = HnswIndex::Build(std::move(store), build);
  if (!zyphyr.ok()) return Fail(zyphyr.status());
  const double zyphyr_build_s = SecondsSince(start);

  start = Clock::now();
  Result<std::unique_ptr<HnswlibPeer>> peer = HnswlibPeer::Create(o.dim, *metric, o.n, o.M, o.ef_construction, o.seed);
  if (!peer.ok()) return Fail(peer.status());
  if (Status st = (*peer)->AddBatch(base->rows, 0, o.build_threads); !st.ok()) return Fail(st);
  const double hnswlib_build_s = SecondsSince(start);

  fmt::print("zyphyr vs hnswlib  isa: {}  cpu: {}  hardware threads: {}\n", IsaName((*kernels)->isa),
             CpuBrandString(), std::thread::hardware_concurrency());
  fmt::print("data: clustered gaussian  n: {}  dim: {}  clusters: {}  queries: {}  seed: {}  metric: {}\n", o.n,
             o.dim, o.clusters, o.queries, o.seed, MetricName(*metric));
  fmt::print("build: M: {}  efC: {}  threads: {}  zyphyr {:.2f} s ({} bytes)  hnswlib {:.2f} s ({} bytes)\n", o.M,
             o.ef_construction, ResolveThreads(o.build_threads), zyphyr_build_s, (*zyphyr)->MemoryBytes(), hnswlib_build_s,
             (*peer)->MemoryBytes());
  fmt::print("ground truth: exact k={} in {:.2f} s; search: one query at a time, one thread\n", o.k, truth_s);
  fmt::print("{:>5} {:>8} {:>10} {:>9} {:>8} {:>8} {:>10}\n", "ef", "engine", fmt::format("recall@{}", o.k), "QPS",
             "p50 us", "p99 us", "QPS ratio");

  const RecallVectors vectors{base->rows, queries->rows, o.dim, *metric};
  for (std::size_t ef : o.efs) {
    const std::size_t eff = std::max(ef, o.k);
    HnswSearchOptions search{o.k, eff};
    const HnswIndex& index = **zyphyr;
    Result<SearchRunResult> z = MeasureSearch(vectors, true_distances, RecallOptions{o.k}, [&](std::size_t q, std::vector<std::uint64_t>* out) {
      Result<std::vector<Neighbor>> found = index.Search(queries->row(q), search);
      if (!found.ok()) return found.status();
      out->clear();
      for (const Neighbor& nb : *found) out->push_back(nb.id);
      return Status::Ok();
    });
    if (!z.ok()) return Fail(z.status());
    (*peer)->SetEf(eff);
    const HnswlibPeer& hnsw = **peer;
    Result<SearchRunResult> h = MeasureSearch(vectors, true_distances, RecallOptions{o.k}, [&](std::size_t q, std::vector<std::uint64_t>* out) {
      std::vector<std::pair<float, std::uint64_t>> found = hnsw.Search(queries->row(q), o.k);
      out->clear();
      for (const auto& [distance, label] : found) out->push_back(label);
      return Status::Ok();
    });
    if (!h.ok()) return Fail(h.status());
    fmt::print("{:>5} {:>8} {:>10.4f} {:>9.0f} {:>8.1f} {:>8.1f} {:>10.2f}\n", eff, "zyphyr", z->recall, z->qps,
               z->latency.p50 * 1e6, z->latency.p99 * 1e6, z->qps / h->qps);
    fmt::print("{:>5} {:>8} {:>10.4f} {:>9.0f} {:>8.1f} {:>8.1f}\n", eff, "hnswlib", h->recall, h->qps,
               h->latency.p50 * 1e6, h->latency.p99 * 1e6);
  }
  if (Result<std::size_t> rss = PeakRssBytes(); rss.ok()) fmt::print("peak rss: {} bytes\n", *rss);
  return 0;
}

}  // namespace
}  // namespace zyphyr

int main(int argc, char** argv) {
  zyphyr::Options o;
  CLI::App app{"Zyphyr and hnswlib side by side on synthetic clustered data", "zyphyr_vs_hnswlib"};
  app.add_option("--n", o.n, "Rows")->capture_default_str();
  app.add_option("--dim", o.dim, "Dimension")->capture_default_str();
  app.add_option("--queries", o.queries, "Queries")->capture_default_str();
  app.add_option("--clusters", o.clusters, "Gaussian clusters")->capture_default_str();
  app.add_option("--M", o.M, "Links per node")->capture_default_str();
  app.add_option("--ef-construction", o.ef_construction, "Beam width while building")->capture_default_str();
  app.add_option("--ef", o.efs, "Comma-separated search beam widths")->delimiter(',')->capture_default_str();
  app.add_option("--k", o.k, "Neighbours per query")->capture_default_str();
  app.add_option("--build-threads", o.build_threads, "Build threads for both engines")->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of data and level draws")->capture_default_str();
  app.add_option("--metric", o.metric, "l2, ip or cosine")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return zyphyr::Run(o);
}
