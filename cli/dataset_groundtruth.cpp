// `[mpirun -np P] zyphyr dataset groundtruth`: exact ground truth of an HDF5
// dataset file or of a base row file, on every rank. Rank r reads only base
// rows EvenPart(N, P, r) (through a RowReader) and finds every query's k
// nearest among them; rank 0 gathers the lists and merges them by (exact
// key, id) (src/eval/ground_truth_merge.h), so the result is the same for
// any P. Every phase ends with an agreed status: a failure on one rank is
// reported once, by rank 0, and no rank waits for another.
#include <unistd.h>

#include <exception>
#include <optional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "cli/cli_errors.h"
#include "cli/dataset_command.h"
#include "cli/options.h"
#include "cli/progress_bar.h"
#include "cli/rank_prologue.h"
#include "cli/stopwatch.h"
#include "io/ann_dataset_reader.h"
#include "io/ann_dataset_writer.h"
#include "io/ground_truth_file.h"
#include "io/vector_file.h"
#include "mpi/shard_assignment.h"
#include "src/core/metric.h"
#include "src/eval/ground_truth.h"
#include "src/eval/ground_truth_merge.h"

namespace zyphyr::cli {
namespace {

// What every rank opens alike before computing.
struct GroundTruthInputs {
  std::optional<VectorFile> rows_file;        // --data is a row file,
  std::optional<AnnDatasetReader> hdf5_file;  // or an HDF5 dataset file.
  std::size_t base_rows = 0;                  // Rows used (--rows, or all).
  std::size_t dim = 0;
  Metric metric = Metric::kL2;
  std::vector<float> queries;
  std::size_t query_count = 0;
  std::size_t k = 0;
  bool in_place = false;  // Added to the HDF5 --data (no --out).

  Status ReadBase(std::size_t begin, std::size_t count, std::span<float> out) const {
    return rows_file ? rows_file->ReadRows(begin, count, out) : hdf5_file->ReadTrainRows(begin, count, out);
  }
};

std::string ExtensionOfPath(const std::string& path) {
  const std::size_t dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot);
}

Result<std::vector<float>> ReadQueries(const std::string& path, std::size_t* rows, std::size_t* dim) {
  if (IsVectorFilePath(path)) {
    Result<VectorFile> file = VectorFile::Open(path);
    if (!file.ok()) return file.status();
    std::vector<float> values(file->rows() * file->dim());
    ZYPHYR_RETURN_IF_ERROR(file->ReadRows(0, file->rows(), values));
    *rows = file->rows();
    *dim = file->dim();
    return values;
  }
  Result<AnnDatasetReader> file = AnnDatasetReader::Open(path);
  if (!file.ok()) return file.status();
  *rows = file->test_shape().rows;
  *dim = file->dim();
  return file->ReadTest();
}

// Opens and checks everything; the same on every rank (only rank 0 prints notes).
Status OpenInputs(const DatasetOptions& o, bool root, GroundTruthInputs* in) {
  std::string queries_path = o.queries_file;
  if (IsVectorFilePath(o.data)) {
    if (o.gt_metric.empty()) {
      return Status::InvalidArgument("--metric is required for " + o.data + ": " + ExtensionOfPath(o.data) +
                                     " files carry no metric");
    }
    if (o.queries_file.empty()) {
      return Status::InvalidArgument("--queries is required for " + o.data + ": a row file holds no queries");
    }
    if (o.out.empty()) {
      return Status::InvalidArgument("--out is required for " + o.data +
                                     ": the ground truth of a row file goes to a file of its own (.ibin, .bin, "
                                     ".ivecs or .hdf5)");
    }
    Result<Metric> metric = ParseMetric(o.gt_metric);
    if (!metric.ok()) return metric.status();
    in->metric = *metric;
    Result<VectorFile> file = VectorFile::Open(o.data, o.rows);
    if (!file.ok()) return file.status();
    in->base_rows = file->rows();
    in->dim = file->dim();
    in->rows_file.emplace(std::move(file).value());
  } else {
    Result<AnnDatasetReader> file = AnnDatasetReader::Open(o.data);
    if (!file.ok()) return file.status();
    if (!o.gt_metric.empty()) {
      Result<Metric> metric = ParseMetric(o.gt_metric);
      if (!metric.ok()) return metric.status();
      if (*metric != file->metric()) {
        return Status::InvalidArgument("--metric " + o.gt_metric + ", but " + o.data + " holds " +
                                       file->distance_name() + " distances");
      }
    }
    const std::size_t train_rows = file->train_shape().rows;
    if (o.rows > train_rows) {
      return Status::InvalidArgument("--rows " + std::to_string(o.rows) + " exceeds the " + std::to_string(train_rows) +
                                     " train rows of " + o.data);
    }
    in->in_place = o.out.empty();
    if (in->in_place && (o.rows != 0 || !o.queries_file.empty())) {
      return Status::InvalidArgument("--rows and --queries need --out: the ground truth added to " + o.data +
                                     " is that of its own train and test rows");
    }
    if (in->in_place && file->has_ground_truth() && !o.force) {
      return Status::InvalidArgument(
          o.data + ": already has ground truth (datasets 'neighbors' and 'distances'); pass --force to recompute");
    }
    in->metric = file->metric();
    in->base_rows = o.rows == 0 ? train_rows : o.rows;
    in->dim = file->dim();
    if (queries_path.empty()) queries_path = o.data;
    in->hdf5_file.emplace(std::move(file).value());
  }
  if (!o.out.empty()) {
    if (!IsGroundTruthPath(o.out)) {
      return Status::InvalidArgument(o.out +
                                     ": unknown ground-truth extension (expected .ibin, .bin, .ivecs or .hdf5)");
    }
    if (!o.force && ::access(o.out.c_str(), F_OK) == 0) {
      return Status::InvalidArgument(o.out + ": already exists (pass --force to replace it)");
    }
  }
  std::size_t query_dim = 0;
  Result<std::vector<float>> queries = ReadQueries(queries_path, &in->query_count, &query_dim);
  if (!queries.ok()) return queries.status();
  if (query_dim != in->dim) {
    return Status::InvalidArgument(queries_path + ": queries have dimension " + std::to_string(query_dim) + ", " +
                                   o.data + " has " + std::to_string(in->dim));
  }
  in->queries = std::move(queries).value();
  const Bounded k = ClampK(o.k, in->base_rows, o.data);
  if (root && !k.note.empty()) fmt::print(stderr, "{}\n", k.note);
  in->k = k.value;
  return CheckResultMemory(in->k, in->query_count, PhysicalMemoryBytes());
}

// This rank's lists over its share of the base rows, ids global; k == 0 for a rank without rows.
Result<GroundTruth> ComputeShare(const Communicator& comm, const GroundTruthInputs& in, std::size_t threads) {
  const IndexRange share =
      EvenPart(in.base_rows, static_cast<std::size_t>(comm.size()), static_cast<std::size_t>(comm.rank()));
  if (share.size() == 0) {
    GroundTruth none;
    none.queries = in.query_count;
    return none;
  }
  GroundTruthOptions options;
  options.k = in.k;
  options.threads = threads;
  std::optional<ProgressBar> bar;
  if (comm.is_root()) {
    bar.emplace(comm.size() > 1 ? "exact ground truth (rank 0's rows)" : "exact ground truth");
    options.progress = bar->Callback();
  }
  const RowReader reader = [&in, share](std::size_t begin, std::size_t count, std::span<float> out) {
    return in.ReadBase(share.begin + begin, count, out);
  };
  Result<GroundTruth> truth = ComputeGroundTruth(reader, share.size(), in.queries, in.dim, in.metric, options);
  if (bar) bar->Finish();
  if (!truth.ok()) return truth.status();
  OffsetGroundTruthIds(&*truth, static_cast<std::int64_t>(share.begin));
  return truth;
}

// Rank 0: merges the gathered lists and writes them.
Status MergeAndWrite(const DatasetOptions& o, GroundTruthInputs* in, const std::vector<std::string>& messages,
                     std::size_t* k) {
  std::vector<GroundTruth> parts;
  parts.reserve(messages.size());
  for (const std::string& message : messages) {
    Result<GroundTruth> part = ParseGroundTruth(message);
    if (!part.ok()) return part.status();
    parts.push_back(std::move(part).value());
  }
  Result<GroundTruth> merged = MergeGroundTruth(parts, in->k);
  if (!merged.ok()) return merged.status();
  *k = merged->k;
  if (!in->in_place) {
    return WriteGroundTruthFile(o.out, in->metric, merged->queries, merged->k, merged->ids, merged->distances, o.force,
                                merged->keys);
  }
  return AddGroundTruth(o.data, merged->k, merged->ids, merged->distances, o.force);
}

}  // namespace

int RunGroundTruth(Communicator& comm, const DatasetOptions& o) {
  const Stopwatch clock;
  GroundTruthInputs in;
  Status st;
  try {
    st = OpenInputs(o, comm.is_root(), &in);
  } catch (const std::exception& e) {
    st = Status::Internal(e.what());
  }
  if (Status agreed = comm.Agree(st, Communicator::Blame::kInput); !agreed.ok()) return ReportAgreed(comm, agreed);

  const std::size_t threads = RankThreads(comm, o.threads);
  std::string mine;
  try {
    Result<GroundTruth> share = ComputeShare(comm, in, threads);
    st = share.status();
    if (share.ok()) mine = SerializeGroundTruth(*share);
  } catch (const std::exception& e) {  // E.g. std::bad_alloc: agreed, never thrown across MPI.
    st = Status::Internal(e.what());
  }
  in.rows_file.reset();  // Closed on every rank before rank 0 may replace an HDF5 --data.
  in.hdf5_file.reset();
  if (Status agreed = comm.Agree(st); !agreed.ok()) return ReportAgreed(comm, agreed);

  Result<std::vector<std::string>> gathered = comm.Gather(mine);
  if (Status agreed = comm.Agree(gathered.status()); !agreed.ok()) return ReportAgreed(comm, agreed);
  std::size_t k = 0;
  if (comm.is_root()) {
    try {
      st = MergeAndWrite(o, &in, *gathered, &k);
    } catch (const std::exception& e) {
      st = Status::Internal(e.what());
    }
  }
  if (Status agreed = comm.Agree(st, Communicator::Blame::kInput); !agreed.ok()) return ReportAgreed(comm, agreed);
  if (!comm.is_root()) return 0;
  const std::string ranks = comm.size() > 1 ? fmt::format(" on {} ranks", comm.size()) : "";
  if (in.in_place) {
    fmt::print("added ground truth to {}: {} queries x k={}, metric {}, {:.1f} s{}\n", o.data, in.query_count, k,
               MetricName(in.metric), clock.Seconds(), ranks);
  } else {
    fmt::print("wrote {}: ground truth of {} queries x k={} over {} rows of {}, metric {}, {:.1f} s{}\n", o.out,
               in.query_count, k, in.base_rows, o.data, MetricName(in.metric), clock.Seconds(), ranks);
  }
  return 0;
}

}  // namespace zyphyr::cli
