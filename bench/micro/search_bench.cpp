// The pieces of the HNSW search loop, then whole searches: the baseline that
// changes to the search path are measured against. Names are stable; each
// benchmark runs a fixed, seeded workload, so two runs differ only by timing.
//
//   visited/<n>          VisitedTable::Reset, then TestAndSet of a fixed
//                        sequence of 2,000 node ids (about what one ef=64
//                        search touches; one in four repeats an earlier id,
//                        the rest are uniform in [0, n)) in a table of n =
//                        60000 (L2-resident) or 1000000 (2 MB) nodes.
//                        items: TestAndSet calls. Counter "repeats": ids
//                        found already marked per pass (fixed: a check).
//   heaps/<ef>           The candidate and result heap traffic of one beam
//                        search of width ef = 10, 64, 256, without a graph:
//                        the searcher's loop (pop the nearest candidate, stop
//                        once it is farther than the worst result; push each
//                        admitted neighbour to both heaps, pop the worst
//                        result beyond ef) over 16 fresh neighbours per
//                        expansion whose distances come from a fixed tape of
//                        uniform floats. items: heap pushes and pops.
//                        Counters per search: "expansions", "heap_ops".
//   gather/<dim>         The searcher's inner loop minus the distances, on
//                        the level-0 graph of the gauss128 index below:
//                        prefetch the next block, read one block, prefetch
//                        its visited slots, filter through the visited table,
//                        collect the fresh neighbours' row pointers and
//                        prefetch their rows. Blocks are walked in a fixed
//                        random order (so graph blocks come from memory); the
//                        visited table is reset every 64 blocks (~2,000 ids,
//                        one search's worth). items: blocks. Counters per
//                        block: "links", "fresh".
//   search/<data>/ef<ef> HnswSearcher::Search (greedy descent, beam search,
//                        sort) of one query, single-threaded, the queries
//                        prepared with PrepareVector beforehand and taken in
//                        turn from 200. ef in {10, 16, 32, 64, 128}.
//                        items: queries. Counter "recall@10": the first 10
//                        results of each of the 200 queries against brute
//                        force (ExactSearch), by the ann-benchmarks rule of
//                        src/eval/recall.h; computed once per benchmark,
//                        outside the timing.
//   search_index/<data>/ef<ef>
//                        The same through HnswIndex::Search with k = 10 (the
//                        public path: prepare the raw query, search, partial
//                        sort, map ids), ef in {16, 64}: the gap to search/
//                        is the wrapper's cost. items and "recall@10" as
//                        above.
//
// Data sets, built on first use (only when a benchmark needing them runs) and
// kept for the process; the build is not timed:
//   gauss128  ClusteredGaussian 100,000 x 128, 64 clusters, seed 42
//   gauss784  ClusteredGaussian  30,000 x 784, 64 clusters, seed 42
// queries: 200 from the SampleStream::kQueries stream of the same call; L2;
// HNSW M = 16, efConstruction = 100, level seed 42, built with every hardware
// thread (so the graph, hence recall, may vary slightly from run to run; the
// search timings are of that graph).
//
// The search benchmarks use the process's kernels (ProcessKernels(): the best
// ISA of the host, or the one ZYPHYR_ISA forces); the context line "isa"
// names it. There are no per-ISA variants (distance_bench.cpp has those).
// Over 400 lines: one Google Benchmark binary whose benchmark names are the stable baseline; splitting it would
// change the binary the recorded figures name.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "src/core/aligned_buffer.h"
#include "src/core/metric.h"
#include "src/core/status.h"
#include "src/core/vector_store.h"
#include "src/data/synthetic.h"
#include "src/distance/dispatch.h"
#include "src/distance/kernels.h"
#include "src/eval/recall.h"
#include "src/index/brute_force.h"
#include "src/index/hnsw_graph_view.h"
#include "src/index/hnsw_index.h"
#include "src/index/hnsw_options.h"
#include "src/index/hnsw_searcher.h"
#include "src/index/neighbor.h"
#include "src/index/scored_node.h"
#include "src/index/visited_table.h"

namespace zyphyr {
namespace {

// ---- visited/<n> --------------------------------------------------------------

constexpr std::size_t kVisitedIds = 2000;

// kVisitedIds node ids below `n`: each repeats an earlier one with
// probability 1/4, else is uniform.
std::vector<std::uint32_t> VisitSequence(std::size_t n) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::uint32_t> node(0, static_cast<std::uint32_t>(n - 1));
  std::vector<std::uint32_t> ids;
  ids.reserve(kVisitedIds);
  while (ids.size() < kVisitedIds) {
    if (!ids.empty() && rng() % 4 == 0) {
      ids.push_back(ids[rng() % ids.size()]);
    } else {
      ids.push_back(node(rng));
    }
  }
  return ids;
}

void BM_Visited(benchmark::State& state, std::size_t n) {
  const std::vector<std::uint32_t> ids = VisitSequence(n);
  VisitedTable table(n);
  std::size_t repeats = 0;
  for (auto _ : state) {
    table.Reset();
    repeats = 0;
    for (std::uint32_t id : ids) repeats += table.TestAndSet(id) ? 1 : 0;
    benchmark::DoNotOptimize(repeats);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * ids.size()));
  state.counters["repeats"] = static_cast<double>(repeats);
}

// ---- heaps/<ef> ---------------------------------------------------------------

constexpr std::size_t kFreshPerExpansion = 16;

struct HeapTraceStats {
  std::size_t expansions = 0;
  std::size_t heap_ops = 0;
  bool stopped = false;  // Ended by the stopping rule, not by the end of the tape.
};

// One beam search's heap traffic over distances read in order from `tape`.
template <bool kCount>
HeapTraceStats RunHeapTrace(const std::vector<float>& tape, std::size_t ef, CandidateHeap& candidates,
                            ResultHeap& results) {
  HeapTraceStats stats;
  candidates.Clear();
  results.Clear();
  std::size_t next = 0;
  candidates.Push({tape[next], 0});
  results.Push({tape[next], 0});
  ++next;
  if constexpr (kCount) stats.heap_ops += 2;
  while (!candidates.empty()) {
    const ScoredNode current = candidates.top();
    if (results.size() >= ef && current.distance > results.top().distance) {
      stats.stopped = true;
      break;
    }
    candidates.Pop();
    if constexpr (kCount) {
      ++stats.expansions;
      ++stats.heap_ops;
    }
    if (tape.size() - next < kFreshPerExpansion) break;
    for (std::size_t j = 0; j < kFreshPerExpansion; ++j, ++next) {
      const float d = tape[next];
      if (results.size() < ef || d < results.top().distance) {
        const ScoredNode item{d, static_cast<std::uint32_t>(next)};
        candidates.Push(item);
        results.Push(item);
        if constexpr (kCount) stats.heap_ops += 2;
        if (results.size() > ef) {
          results.Pop();
          if constexpr (kCount) ++stats.heap_ops;
        }
      }
    }
  }
  if (candidates.empty()) stats.stopped = true;
  return stats;
}

void BM_Heaps(benchmark::State& state, std::size_t ef) {
  // Long enough for the search to stop by its rule (it expands about ef + 5
  // nodes; the tape holds 16 ef + 64 expansions).
  std::vector<float> tape(kFreshPerExpansion * (16 * ef + 64));
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (float& d : tape) d = uniform(rng);

  CandidateHeap candidates;
  ResultHeap results;
  const HeapTraceStats stats = RunHeapTrace<true>(tape, ef, candidates, results);
  if (!stats.stopped) {
    state.SkipWithError("heap trace: the tape ran out before the search stopped");
    return;
  }
  for (auto _ : state) {
    RunHeapTrace<false>(tape, ef, candidates, results);
    benchmark::DoNotOptimize(results);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * stats.heap_ops));
  state.counters["expansions"] = static_cast<double>(stats.expansions);
  state.counters["heap_ops"] = static_cast<double>(stats.heap_ops);
}

// ---- the indexes --------------------------------------------------------------

constexpr std::uint64_t kDataSeed = 42;
constexpr std::size_t kClusters = 64;
constexpr std::size_t kQueryCount = 200;
constexpr std::size_t kRecallK = 10;
constexpr std::size_t kBuildM = 16;
constexpr std::size_t kBuildEf = 100;

enum class DataSet { kGauss128, kGauss784 };

struct DataSetSpec {
  const char* name;
  std::size_t n;
  std::size_t dim;
};

DataSetSpec Spec(DataSet which) {
  switch (which) {
    case DataSet::kGauss128:
      return {"gauss128", 100000, 128};
    case DataSet::kGauss784:
      return {"gauss784", 30000, 784};
  }
  return {"", 0, 0};
}

// An index over one data set, its queries (raw and prepared) and their exact
// neighbours. `error` is set instead when any step failed.
struct SearchFixture {
  std::string error;
  Dataset base;
  Dataset queries;
  std::unique_ptr<HnswIndex> index;
  std::unique_ptr<HnswSearcher> searcher;
  std::size_t stride = 0;
  AlignedBuffer<float> prepared;                          // kQueryCount rows of `stride` floats.
  std::vector<std::vector<float>> true_distances;         // Per query, the k exact reported distances.
  std::map<std::pair<bool, std::size_t>, double> recall;  // (via index, ef) -> recall@10.

  const float* prepared_query(std::size_t q) const { return prepared.data() + q * stride; }
};

std::unique_ptr<SearchFixture> MakeFixture(DataSet which) {
  auto f = std::make_unique<SearchFixture>();
  const DataSetSpec spec = Spec(which);
  const auto fail = [&f, &spec](const Status& status) {
    f->error = std::string(spec.name) + ": " + status.ToString();
    return std::move(f);
  };

  Result<Dataset> base = ClusteredGaussian(spec.n, spec.dim, kClusters, kDataSeed, SampleStream::kBase);
  if (!base.ok()) return fail(base.status());
  Result<Dataset> queries = ClusteredGaussian(kQueryCount, spec.dim, kClusters, kDataSeed, SampleStream::kQueries);
  if (!queries.ok()) return fail(queries.status());
  f->base = std::move(*base);
  f->queries = std::move(*queries);

  VectorStore store(spec.dim, Metric::kL2);
  std::vector<std::uint64_t> ids(spec.n);
  for (std::size_t i = 0; i < spec.n; ++i) ids[i] = i;
  if (Status s = store.AddBatch(ids, f->base.rows); !s.ok()) return fail(s);

  Result<std::vector<std::vector<Neighbor>>> truth = ExactSearch(store, f->queries.rows, kRecallK, 0);
  if (!truth.ok()) return fail(truth.status());
  f->true_distances = DistancesOf(*truth);

  f->stride = store.stride();
  f->prepared = AlignedBuffer<float>(kQueryCount * f->stride);
  for (std::size_t q = 0; q < kQueryCount; ++q) {
    Status s = PrepareVector(f->queries.row(q), spec.dim, Metric::kL2, "query", f->prepared.data() + q * f->stride);
    if (!s.ok()) return fail(s);
  }

  HnswBuildOptions options;
  options.M = kBuildM;
  options.ef_construction = kBuildEf;
  options.threads = 0;  // Every hardware thread.
  options.seed = kDefaultSeed;
  Result<std::unique_ptr<HnswIndex>> index = HnswIndex::Build(std::move(store), options);
  if (!index.ok()) return fail(index.status());
  f->index = std::move(*index);
  f->searcher = std::make_unique<HnswSearcher>(f->index->store().rows(), f->index->graph().view(), f->index->kernels());
  return f;
}

SearchFixture& Fixture(DataSet which) {
  if (which == DataSet::kGauss128) {
    static const std::unique_ptr<SearchFixture> gauss128 = MakeFixture(DataSet::kGauss128);
    return *gauss128;
  }
  static const std::unique_ptr<SearchFixture> gauss784 = MakeFixture(DataSet::kGauss784);
  return *gauss784;
}

// recall@10 of `returned` (row numbers, per query) against the exact
// neighbours; NaN when it cannot be computed.
double Recall10(const SearchFixture& f, const std::vector<std::vector<std::uint64_t>>& returned) {
  RecallOptions options;
  options.k = kRecallK;
  Result<RecallReport> report = ComputeRecall(RecallVectors{f.base.rows, f.queries.rows, f.base.dim, Metric::kL2},
                                              f.true_distances, returned, options);
  return report.ok() ? report->recall : std::nan("");
}

// The recall of a path at `ef`, computed on the first call and remembered.
template <typename SearchFn>
double CachedRecall(SearchFixture& f, bool via_index, std::size_t ef, SearchFn search) {
  const auto key = std::make_pair(via_index, ef);
  auto it = f.recall.find(key);
  if (it != f.recall.end()) return it->second;
  std::vector<std::vector<std::uint64_t>> returned(kQueryCount);
  for (std::size_t q = 0; q < kQueryCount; ++q) returned[q] = search(q);
  return f.recall[key] = Recall10(f, returned);
}

// ---- gather/<dim> -------------------------------------------------------------

constexpr std::size_t kBlocksPerReset = 64;

void BM_Gather(benchmark::State& state) {
  SearchFixture& f = Fixture(DataSet::kGauss128);
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  const HnswGraphView graph = f.index->graph().view();
  const RowsView store = f.index->store().rows();
  const std::size_t row_bytes = store.stride * sizeof(float);

  std::vector<std::uint32_t> order(graph.size);
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(13));

  VisitedTable visited(graph.size);
  constexpr std::size_t kMaxLinks = 2 * kMaxM;
  std::uint32_t ids[kMaxLinks];
  const float* rows[kMaxLinks];
  std::size_t position = 0;
  std::size_t since_reset = 0;
  std::size_t links = 0;
  std::size_t fresh_total = 0;
  for (auto _ : state) {
    const std::uint32_t node = order[position];
    if (++position == order.size()) position = 0;
    __builtin_prefetch(graph.Block(order[position], 0), 0, 3);

    const std::uint32_t* block = graph.Block(node, 0);
    const std::uint32_t count = block[0];
    for (std::uint32_t i = 0; i < count; ++i) visited.Prefetch(block[1 + i]);
    std::size_t fresh = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::uint32_t neighbor = block[1 + i];
      if (visited.TestAndSet(neighbor)) continue;
      ids[fresh] = neighbor;
      rows[fresh] = store.row(neighbor);
      PrefetchRow(rows[fresh], row_bytes);
      ++fresh;
    }
    benchmark::DoNotOptimize(ids);
    benchmark::DoNotOptimize(rows);
    benchmark::ClobberMemory();
    links += count;
    fresh_total += fresh;
    if (++since_reset == kBlocksPerReset) {
      visited.Reset();
      since_reset = 0;
    }
  }
  const double iterations = static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["links"] = static_cast<double>(links) / iterations;
  state.counters["fresh"] = static_cast<double>(fresh_total) / iterations;
}

// ---- search/<data>/ef<ef>, search_index/<data>/ef<ef> -------------------------

void BM_Search(benchmark::State& state, DataSet which, std::size_t ef) {
  SearchFixture& f = Fixture(which);
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  std::vector<ScoredNode> found;
  found.reserve(ef);
  const double recall = CachedRecall(f, false, ef, [&f, &found, ef](std::size_t q) {
    f.searcher->Search(f.prepared_query(q), ef, &found);
    std::vector<std::uint64_t> ids;
    for (std::size_t i = 0; i < std::min(kRecallK, found.size()); ++i)
      ids.push_back(f.index->store().id(found[i].node));
    return ids;
  });

  std::size_t q = 0;
  for (auto _ : state) {
    f.searcher->Search(f.prepared_query(q), ef, &found);
    benchmark::DoNotOptimize(found);
    benchmark::ClobberMemory();
    if (++q == kQueryCount) q = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["recall@10"] = recall;
}

void BM_SearchIndex(benchmark::State& state, DataSet which, std::size_t ef) {
  SearchFixture& f = Fixture(which);
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  HnswSearchOptions options;
  options.k = kRecallK;
  options.ef = ef;
  const HnswIndex& index = *f.index;
  bool failed = false;
  const double recall = CachedRecall(f, true, ef, [&](std::size_t q) {
    std::vector<std::uint64_t> ids;
    Result<std::vector<Neighbor>> found = index.Search(f.queries.row(q), options);
    if (!found.ok()) {
      failed = true;
      return ids;
    }
    for (const Neighbor& n : *found) ids.push_back(n.id);
    return ids;
  });
  if (failed) {
    state.SkipWithError("HnswIndex::Search failed");
    return;
  }

  std::size_t q = 0;
  for (auto _ : state) {
    Result<std::vector<Neighbor>> found = index.Search(f.queries.row(q), options);
    benchmark::DoNotOptimize(found);
    if (++q == kQueryCount) q = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["recall@10"] = recall;
}

// ---- registration -------------------------------------------------------------

bool RegisterSearchBenchmarks() {
  // ProcessKernels() only reads cpuid and ZYPHYR_ISA: no SIMD runs here.
  Result<const DistanceKernels*> kernels = ProcessKernels();
  benchmark::AddCustomContext(
      "isa", kernels.ok() ? std::string(IsaName((*kernels)->isa)) : "unusable: " + kernels.status().ToString());

  for (std::size_t n : {std::size_t{60000}, std::size_t{1000000}}) {
    benchmark::RegisterBenchmark(std::string("visited/").append(std::to_string(n)).c_str(), BM_Visited, n);
  }
  for (std::size_t ef : {std::size_t{10}, std::size_t{64}, std::size_t{256}}) {
    benchmark::RegisterBenchmark(std::string("heaps/").append(std::to_string(ef)).c_str(), BM_Heaps, ef);
  }
  benchmark::RegisterBenchmark(std::string("gather/").append(std::to_string(Spec(DataSet::kGauss128).dim)).c_str(),
                               BM_Gather);
  for (DataSet which : {DataSet::kGauss128, DataSet::kGauss784}) {
    const std::string data = Spec(which).name;
    for (std::size_t ef : {std::size_t{10}, std::size_t{16}, std::size_t{32}, std::size_t{64}, std::size_t{128}}) {
      const std::string name = std::string("search/").append(data).append("/ef").append(std::to_string(ef));
      benchmark::RegisterBenchmark(name.c_str(), BM_Search, which, ef);
    }
  }
  for (DataSet which : {DataSet::kGauss128, DataSet::kGauss784}) {
    const std::string data = Spec(which).name;
    for (std::size_t ef : {std::size_t{16}, std::size_t{64}}) {
      const std::string name = std::string("search_index/").append(data).append("/ef").append(std::to_string(ef));
      benchmark::RegisterBenchmark(name.c_str(), BM_SearchIndex, which, ef);
    }
  }
  return true;
}

[[maybe_unused]] const bool kRegistered = RegisterSearchBenchmarks();

}  // namespace
}  // namespace zyphyr
