#include "cli/index_commands.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include <fmt/core.h>

#include "cli/cli_errors.h"
#include "cli/formatting.h"
#include "cli/options.h"
#include "cli/progress_bar.h"
#include "cli/rank_prologue.h"
#include "io/ann_dataset_reader.h"
#include "io/ann_result_file.h"
#include "mpi/distributed_build.h"
#include "mpi/distributed_index.h"
#include "src/core/metric.h"
#include "src/core/parallel_for.h"
#include "src/core/vector_store.h"
#include "src/eval/recall.h"
#include "src/index/hnsw_options.h"
#include "src/index/neighbor.h"
#include "src/index/quantized_searcher.h"
#include "storage/index_manifest.h"
#include "storage/stored_index.h"

namespace zyphyr::cli {
namespace {

std::uint64_t ShardBytes(const IndexManifest& manifest) {
  std::uint64_t bytes = 0;
  for (const ManifestShard& shard : manifest.shards) bytes += shard.bytes;
  return bytes;
}

// The live rows of the whole index (every rank's shards and logs), on every
// rank. Collective.
// `local` summed over every rank, on every rank. Collective.
Result<std::uint64_t> SumOverRanks(Communicator& comm, std::uint64_t local) {
  Result<std::vector<std::string>> parts = comm.Gather(std::to_string(local));
  ZYPHYR_RETURN_IF_ERROR(comm.Agree(parts.status()));
  std::string total = "0";
  if (comm.is_root()) {
    std::uint64_t sum = 0;
    for (const std::string& part : *parts) sum += std::stoull(part);
    total = std::to_string(sum);
  }
  ZYPHYR_RETURN_IF_ERROR(comm.Broadcast(&total));
  return std::stoull(total);
}

// The live rows of the whole index (every rank's shards and logs), on every
// rank. Collective.
Result<std::size_t> LiveRows(Communicator& comm, const DistributedIndex& index) {
  Result<std::uint64_t> rows = SumOverRanks(comm, index.local().live_rows());
  if (!rows.ok()) return rows.status();
  return static_cast<std::size_t>(*rows);
}

// The result file's index_size, in kB as ann-benchmarks stores it (its runner: memory usage in kB after fit minus
// before). For an index searched in place from mapped shards, opening it adds next to nothing to the resident set
// (pages fault in as searches touch them) and the shard files also hold sections searches never read (the rows
// re-read with pread, the uint32 links under codes). So this is what the index holds resident once warm, summed over
// the ranks: StoredIndex::SearchBytes, the same figure `zyphyr bench` writes for its stored-index engine (and the
// index's heap, MemoryBytes, for in-memory ones). Collective; the sum on every rank.
Result<double> IndexSizeKb(Communicator& comm, const DistributedIndex& index) {
  Result<std::uint64_t> bytes = SumOverRanks(comm, index.local().SearchBytes());
  if (!bytes.ok()) return bytes.status();
  return static_cast<double>(*bytes) / 1024.0;
}

}  // namespace

CLI::App* AddBuildCommand(CLI::App& app, BuildOptions* o) {
  CLI::App* cmd = app.add_subcommand("build", "Build an index directory over the train rows of a dataset file");
  cmd->add_option("--data", o->data,
                  "Dataset file: ann-benchmarks HDF5 (its 'train' rows are indexed) or a row file (.fbin, .u8bin, "
                  ".i8bin, .fvecs, .bvecs; needs --metric)")
      ->required();
  cmd->add_option("--rows", o->rows, "Index only the first N rows (default or 0: all)")->check(CountRange(0));
  cmd->add_option("--index", o->index, "Index directory to create (must not exist)")->required();
  cmd->add_option("--shards", o->shards,
                  "Shards to split the rows into, at least the ranks (default or 0: one per rank)")
      ->check(CountRange(0));
  cmd->add_option("--partition", o->partition, "range (contiguous rows) or kmeans (nearest centroid)")
      ->capture_default_str();
  AddMOption(cmd, &o->M, "Links per node (2M on level 0)");
  AddEfConstructionOption(cmd, &o->ef_construction, "Beam width while building");
  cmd->add_option("--threads", o->threads,
                  "Build threads per rank (0: the node's, shared among its ranks; at most the hardware threads)")
      ->capture_default_str()
      ->check(ThreadsRange());
  cmd->add_option("--seed", o->seed, "Seed of the level draws and of k-means")
      ->capture_default_str()
      ->check(SeedRange());
  cmd->add_option("--metric", o->metric, "l2, ip or cosine (default: the dataset file's)");
  cmd->add_option("--encoding", o->encoding,
                  "What searches traverse: float32 (the rows), int8 (1 byte per dimension) or pq (--pq-m bytes); "
                  "the rows are kept for re-ranking either way")
      ->capture_default_str();
  AddPqMOption(cmd, &o->pq_m);
  cmd->add_option("--element-type", o->element_type,
                  "How shards store the rows: float32, uint8 or int8 (default: as the file publishes them; float32 "
                  "under cosine)");
  return cmd;
}

CLI::App* AddSearchCommand(CLI::App& app, SearchOptions* o) {
  CLI::App* cmd = app.add_subcommand(
      "search", "Search an index with the test rows of a dataset file; write an ann-benchmarks result file");
  cmd->add_option("--index", o->index, "Index directory")->required();
  cmd->add_option("--queries", o->queries,
                  "Queries: an ann-benchmarks HDF5 file's 'test' rows, or every row of a row file (.fbin, .u8bin, "
                  ".i8bin, .fvecs, .bvecs)")
      ->required();
  cmd->add_option("--k", o->k, "Neighbours per query (lowered to the live rows of the index when more)")
      ->required()
      ->check(CountRange(1));
  cmd->add_option("--ef", o->ef, "Search beam width (raised to k when smaller)")->required()->check(CountRange(1));
  cmd->add_option("--nprobe", o->nprobe,
                  "Send each query only to the N shards with the nearest centroids (k-means "
                  "indexes; default or 0: every shard)")
      ->check(CountRange(0));
  cmd->add_option("--batch", o->batch, "Queries per batch sent to the ranks")
      ->capture_default_str()
      ->check(CountRange(1));
  AddRerankOption(cmd, &o->rerank, "Indexes built with --encoding int8 or pq");
  AddRerankRowsOption(cmd, &o->rerank_rows);
  cmd->add_option("--threads", o->threads,
                  "Search threads per rank (0: the node's, shared among its ranks; at most the hardware threads)")
      ->capture_default_str()
      ->check(ThreadsRange());
  cmd->add_option("--out", o->out, "ann-benchmarks result file to write")->required();
  return cmd;
}

int RunBuild(Communicator& comm, const BuildOptions& o) {
  Status st;
  DistributedBuildParams params;
  if (!o.metric.empty()) {
    Result<Metric> metric = ParseMetric(o.metric);
    st = metric.status();
    if (metric.ok()) params.metric = *metric;
  }
  if (st.ok() && !o.element_type.empty()) {
    Result<ElementType> type = ParseElementType(o.element_type);
    st = type.status();
    if (type.ok()) params.element_type = *type;
  }
  Result<Encoding> encoding = ParseEncoding(o.encoding);
  if (st.ok()) st = encoding.status();
  if (st.ok() && o.pq_m != 0 && *encoding != Encoding::kPq) {
    st = Status::InvalidArgument("--pq-m applies to --encoding pq only");
  }
  if (!st.ok()) return ReportAgreed(comm, st);
  params.quantization.encoding = *encoding;
  params.quantization.pq_m = o.pq_m;
  params.data = o.data;
  params.max_rows = o.rows;
  params.index = o.index;
  params.shards = o.shards;
  params.partition = o.partition;
  params.hnsw.M = o.M;
  params.hnsw.ef_construction = o.ef_construction;
  params.hnsw.threads = RankThreads(comm, o.threads);
  params.hnsw.seed = o.seed;
  ProgressBar bar(comm.size() > 1 ? "build (rank 0's shards)" : "build");
  if (comm.is_root()) params.hnsw.progress = bar.Callback();
  Result<DistributedBuildReport> built = DistributedBuild(comm, params);
  bar.Finish();
  if (!built.ok()) return ReportAgreed(comm, built.status());
  if (!comm.is_root()) return 0;
  const IndexManifest& m = built->manifest;
  const std::string encoded = m.encoding == Encoding::kFloat32 ? std::string()
                              : m.encoding == Encoding::kPq    ? fmt::format(", encoding pq (m {})", m.pq_m)
                                                               : std::string(", encoding int8");
  // "60000 x 784", or "10000000 x 128 uint8" for byte rows.
  const std::string type =
      m.element_type == ElementType::kFloat32 ? std::string() : " " + std::string(ElementTypeName(m.element_type));
  fmt::print("built {}: {} x {}{}, metric {}, M {}, efConstruction {}{}, {} ({} partition) on {}, {}, {:.1f} s\n",
             o.index, m.rows, m.dim, type, MetricName(m.metric), m.M, m.ef_construction, encoded,
             Plural(m.shards.size(), "shard", "shards"), m.partition, Plural(comm.size(), "rank", "ranks"),
             FormatBytes(ShardBytes(m)), built->seconds);
  return 0;
}

namespace {

// The ann-benchmarks result of a search run of `queries` queries at (k, ef), `index_kb` the index's size.
// Errors: Unsupported when an id does not fit the file's int32 ids.
Result<AnnResult> AnnResultOf(const SearchOptions& o, const IndexManifest& manifest, int ranks,
                              const DistributedSearchResult& run, std::size_t queries, std::size_t k, std::size_t ef,
                              double index_kb) {
  AnnResult result;
  result.algo = "zyphyr";
  result.name = o.nprobe == 0
                    ? fmt::format("zyphyr(M={},efC={},ef={},ranks={})", manifest.M, manifest.ef_construction, ef, ranks)
                    : fmt::format("zyphyr(M={},efC={},ef={},ranks={},nprobe={})", manifest.M, manifest.ef_construction,
                                  ef, ranks, o.nprobe);
  result.dataset = DatasetName(o.queries);
  result.distance = std::string(AnnDistanceName(manifest.metric));
  result.count = k;
  // Unknown for indexes whose manifest predates build_seconds: NaN, so that plots leave the point out rather than
  // show a build of 0 s.
  result.build_time = manifest.build_seconds.value_or(std::numeric_limits<double>::quiet_NaN());
  if (!manifest.build_seconds) {
    fmt::print(stderr,
               "note: {}/{} does not record the build time (built before it was recorded): build_time is NaN "
               "in {}\n",
               o.index, kManifestName, o.out);
  }
  result.index_size = index_kb;
  result.neighbors.assign(queries * k, -1);
  result.distances.assign(queries * k, std::numeric_limits<float>::infinity());
  std::size_t total_results = 0;
  for (std::size_t q = 0; q < queries; ++q) {
    const std::vector<Neighbor> found = run.lists.Get(q);
    total_results += found.size();
    for (std::size_t j = 0; j < found.size(); ++j) {
      const Neighbor& nb = found[j];
      if (nb.id > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
        return Status::Unsupported(
            fmt::format("{}: id {} (found for test row {}) does not fit the int32 ids of an ann-benchmarks result file",
                        o.out, nb.id, q));
      }
      result.neighbors[q * k + j] = static_cast<std::int32_t>(nb.id);
      result.distances[q * k + j] = nb.distance;
    }
  }
  // ann-benchmarks' batch mode (its runner, run_individual_query): the whole run is timed once and every query is
  // recorded as total / queries; best_search_time is that per-query time (its QPS = 1 / best_search_time, the QPS
  // printed below). A query's own latency, its batch's round trip, would make QPS per query a batch's.
  const double per_query_s = queries == 0 ? 0.0 : run.times.wall / static_cast<double>(queries);
  result.times.assign(queries, static_cast<float>(per_query_s));
  result.best_search_time = per_query_s;
  result.candidates = queries == 0 ? 0.0 : static_cast<double>(total_results) / static_cast<double>(queries);
  result.batch_mode = true;
  return result;
}

// ", recall@k R" when the queries' file holds ground truth for k neighbours; empty (with a note when it holds
// fewer) otherwise.
Result<std::string> RecallText(const QueryFile& queries, const SearchOptions& o, Metric metric,
                               const TopKLists& lists, std::size_t k) {
  if (queries.hdf5() == nullptr || !queries.hdf5()->has_ground_truth()) return std::string();
  const AnnDatasetReader& reader = *queries.hdf5();
  const std::size_t truth_cols = reader.ground_truth_shape().cols;
  if (truth_cols < k) {
    fmt::print(stderr, "note: {} holds ground truth for {} neighbours, fewer than k {}: recall not computed\n",
               o.queries, truth_cols, k);
    return std::string();
  }
  Result<std::vector<float>> truth = reader.ReadDistances();
  if (!truth.ok()) return truth.status();
  return fmt::format(", recall@{} {:.3f}", k, ReportedDistanceRecall(metric, lists, *truth, truth_cols, k));
}

// "broadcast" or "routed to N of S shards", with the codes searched and their re-ranking.
std::string SearchModeText(const SearchOptions& o, const IndexManifest& manifest, const HnswSearchOptions& search,
                           const DistributedSearchResult& run) {
  std::string mode = o.nprobe == 0
                         ? std::string("broadcast")
                         : fmt::format("routed to {:.0f} of {} shards", run.shards_per_query, manifest.shards.size());
  if (manifest.encoding != Encoding::kFloat32) {
    mode += fmt::format(", {} codes re-ranked {}", EncodingName(manifest.encoding),
                        EffectiveRerank(search, manifest.encoding));
  }
  return mode;
}

}  // namespace

int RunSearch(Communicator& comm, const SearchOptions& o) {
  Status st;
  const std::size_t threads = RankThreads(comm, o.threads);

  // Rank 0 reads the queries; every rank opens its shards.
  Result<RerankRows> rerank_rows = ParseRerankRows(o.rerank_rows);
  if (!rerank_rows.ok()) return ReportAgreed(comm, rerank_rows.status());
  Result<SearchPrologue> opened = OpenDatasetAndIndex(comm, o.queries, o.index, threads, *rerank_rows);
  if (!opened.ok()) return ReportAgreed(comm, opened.status());
  std::optional<QueryFile>& reader = opened->dataset;
  DistributedIndex& index = *opened->index;
  const IndexManifest& manifest = index.manifest();
  const std::size_t dim = manifest.dim;
  // k past the live rows is lowered to them; the results must fit in memory.
  Result<std::size_t> live_rows = LiveRows(comm, index);
  if (!live_rows.ok()) return ReportAgreed(comm, live_rows.status());
  const Bounded bounded_k = ClampK(o.k, *live_rows, "the index " + o.index);
  const std::size_t k = bounded_k.value;
  if (comm.is_root() && !bounded_k.note.empty()) fmt::print(stderr, "{}\n", bounded_k.note);
  std::vector<float> test;
  if (comm.is_root()) {
    if (st = CheckResultMemory(k, reader->rows(), PhysicalMemoryBytes()); st.ok()) {
      Result<std::vector<float>> read = reader->ReadAll();
      st = read.status();
      if (read.ok()) test = std::move(*read);
    }
  }
  if (Status agreed = comm.Agree(st, Communicator::Blame::kInput); !agreed.ok()) return ReportAgreed(comm, agreed);

  const HnswSearchOptions search{k, o.ef, o.rerank};
  const std::size_t ef = EffectiveEf(search);
  if (o.ef < k && comm.is_root()) fmt::print(stderr, "note: ef {} < k {}: searched with ef {}\n", o.ef, k, ef);
  const DistributedSearchOptions options{
      .k = k, .ef = ef, .rerank = o.rerank, .nprobe = o.nprobe, .batch = o.batch, .threads = threads};
  Result<DistributedSearchResult> run = index.Search(test, options);
  if (!run.ok()) return ReportAgreed(comm, run.status());
  Result<double> index_kb = IndexSizeKb(comm, index);
  if (!index_kb.ok()) return ReportAgreed(comm, index_kb.status());
  if (!comm.is_root()) return 0;

  const std::size_t queries = test.size() / dim;
  Result<AnnResult> result = AnnResultOf(o, manifest, comm.size(), *run, queries, k, ef, *index_kb);
  if (!result.ok()) return ReportError(result.status());
  Result<std::string> recall_text = RecallText(*reader, o, manifest.metric, run->lists, k);
  if (!recall_text.ok()) return ReportError(recall_text.status());

  if (Status written = WriteAnnResult(o.out, *result); !written.ok()) return ReportError(written);
  const PipelineTimes& t = run->times;
  fmt::print("searched {}: k {}, ef {}, {} x {}, {}, {:.0f} QPS{}; wrote {}\n", Plural(queries, "query", "queries"), k,
             ef, Plural(comm.size(), "rank", "ranks"), Plural(threads, "thread", "threads"),
             SearchModeText(o, manifest, search, *run), t.wall > 0 ? static_cast<double>(queries) / t.wall : 0.0,
             *recall_text, o.out);
  fmt::print(
      "time: {:.3f} s = scatter {:.3f} + rank 0 search {:.3f} + gather {:.3f} + merge {:.3f} (other ranks' "
      "search: busiest {:.3f} s)\n",
      t.wall, t.scatter, t.local_search, t.gather, t.merge, t.worker_search_max);
  return 0;
}

}  // namespace zyphyr::cli
