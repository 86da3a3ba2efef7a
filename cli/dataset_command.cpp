#include "cli/dataset_command.h"

#include <span>
#include <vector>

#include <fmt/core.h>

#include "cli/cli_errors.h"
#include "cli/options.h"
#include "cli/progress_bar.h"
#include "cli/stopwatch.h"
#include "io/ann_dataset_reader.h"
#include "io/ann_dataset_writer.h"
#include "io/fashion_mnist.h"
#include "io/vector_file.h"
#include "src/core/metric.h"
#include "src/core/parallel_for.h"
#include "src/data/synthetic.h"
#include "src/eval/ground_truth.h"

namespace zyphyr::cli {
namespace {

// --k as used for a file of `train_rows` (printing the note when lowered).
std::size_t GroundTruthK(std::size_t k, std::size_t train_rows, const std::string& path) {
  const Bounded bounded = ClampK(k, train_rows, "'train' in " + path);
  if (!bounded.note.empty()) fmt::print(stderr, "{}\n", bounded.note);
  return bounded.value;
}

// Computes exact ground truth and writes train, test and it to `path`.
int WriteWithGroundTruth(const std::string& path, Metric metric, std::size_t dim, std::span<const float> train,
                         std::span<const float> test, const DatasetOptions& o) {
  const std::size_t train_rows = train.size() / dim;
  const std::size_t test_rows = test.size() / dim;
  const Stopwatch clock;
  GroundTruthOptions gt_options;
  gt_options.k = GroundTruthK(o.k, train_rows, path);
  if (Status st = CheckResultMemory(gt_options.k, test_rows, PhysicalMemoryBytes()); !st.ok()) return ReportError(st);
  gt_options.threads = UsableThreads("--threads", o.threads);
  ProgressBar bar("exact ground truth");
  gt_options.progress = bar.Callback();
  Result<GroundTruth> truth = ComputeGroundTruth(train, test, dim, metric, gt_options);
  bar.Finish();
  if (!truth.ok()) return ReportError(truth.status());
  const double truth_s = clock.Seconds();

  Result<AnnDatasetWriter> writer =
      AnnDatasetWriter::Create(path, AnnDatasetLayout{metric, dim, train_rows, test_rows});
  if (!writer.ok()) return ReportError(writer.status());
  if (Status st = writer->WriteTrainRows(0, train); !st.ok()) return ReportError(st);
  if (Status st = writer->WriteTestRows(0, test); !st.ok()) return ReportError(st);
  if (Status st = writer->WriteGroundTruth(truth->k, truth->ids, truth->distances); !st.ok()) return ReportError(st);
  if (Status st = writer->Commit(); !st.ok()) return ReportError(st);
  fmt::print(
      "wrote {}: train {} x {}, test {} x {}, metric {}, ground truth k={} ({:.1f} s on {} threads), {:.1f} s in all\n",
      path, train_rows, dim, test_rows, dim, MetricName(metric), truth->k, truth_s, ResolveThreads(gt_options.threads),
      clock.Seconds());
  return 0;
}

// --k and --threads, on every command that computes ground truth.
void AddGroundTruthOptions(CLI::App* cmd, DatasetOptions* o) {
  cmd->add_option("--k", o->k, "Ground-truth neighbours per query (at most the train rows)")
      ->capture_default_str()
      ->check(CountRange(1));
  cmd->add_option("--threads", o->threads, "Threads for ground truth (0: all; at most the hardware threads)")
      ->capture_default_str()
      ->check(ThreadsRange());
}

}  // namespace

DatasetCommands AddDatasetCommand(CLI::App& app, DatasetOptions* o) {
  CLI::App* dataset = app.add_subcommand("dataset", "Build ann-benchmarks HDF5 dataset files with exact ground truth");
  dataset->require_subcommand(1);
  DatasetCommands cmds;

  cmds.fashion_mnist = dataset->add_subcommand(
      "fashion-mnist",
      "Fashion-MNIST (60,000 x 784 train, 10,000 test, euclidean) from Debian's dataset-fashion-mnist");
  cmds.fashion_mnist->add_option("--out", o->out, "Output file")->required();
  cmds.fashion_mnist->add_option("--source", o->source, "Directory of the idx files")->default_val(kFashionMnistDir);
  AddGroundTruthOptions(cmds.fashion_mnist, o);

  cmds.synthetic = dataset->add_subcommand("synthetic", "Generated Gaussian-mixture or uniform data");
  cmds.synthetic->add_option("--n", o->n, "Train rows")->required()->check(CountRange(1));
  cmds.synthetic->add_option("--dim", o->dim, "Dimension")->required()->check(CountRange(1));
  cmds.synthetic->add_option("--queries", o->queries, "Test rows (queries)")->required()->check(CountRange(1));
  cmds.synthetic->add_option("--clusters", o->clusters, "Gaussian clusters")
      ->capture_default_str()
      ->check(CountRange(1));
  cmds.synthetic
      ->add_option("--intrinsic-dim", o->intrinsic_dim,
                   "Gaussian: each cluster spans a random subspace of this dimension plus small noise, as real "
                   "embeddings do (0: isotropic clusters, the hardest case)")
      ->capture_default_str()
      ->check(CountRange(0));
  cmds.synthetic->add_option("--distribution", o->distribution, "gaussian (mixture) or uniform")->capture_default_str();
  cmds.synthetic->add_option("--metric", o->metric, "l2, ip or cosine")->capture_default_str();
  cmds.synthetic->add_option("--seed", o->seed, "Seed (same seed, same file)")
      ->capture_default_str()
      ->check(SeedRange());
  AddGroundTruthOptions(cmds.synthetic, o);
  cmds.synthetic
      ->add_option("--out", o->out,
                   "Output file: .hdf5 (with ground truth), or a row file .fbin, .u8bin, "
                   ".i8bin, .fvecs or .bvecs (base rows only, no ground truth)")
      ->required();
  cmds.synthetic->add_option("--queries-out", o->queries_out, "The queries' row file, when --out is a row file");
  cmds.synthetic->add_flag("--force", o->force, "Replace existing row files");

  cmds.groundtruth = dataset->add_subcommand(
      "groundtruth",
      "Exact neighbors/distances: added to an HDF5 dataset file, or written to a ground-truth file "
      "(--out) for a row file (also under mpirun, each rank reading its share of the rows)");
  cmds.groundtruth
      ->add_option("--data", o->data,
                   "Dataset file (.hdf5) or base row file (.fbin, .u8bin, .i8bin, "
                   ".fvecs, .bvecs)")
      ->required();
  cmds.groundtruth->add_option("--queries", o->queries_file,
                               "Queries: a row file, or an HDF5 file's test rows (default: --data's test rows)");
  cmds.groundtruth->add_option("--metric", o->gt_metric, "l2, ip or cosine (required for row files)");
  cmds.groundtruth->add_option("--out", o->out,
                               "Ground-truth file: .ibin, .bin, .ivecs or .hdf5 (required for row "
                               "files; default for HDF5: added to --data)");
  cmds.groundtruth->add_option("--rows", o->rows, "Base rows used, the first ones (0: all)")
      ->capture_default_str()
      ->check(CountRange(0));
  AddGroundTruthOptions(cmds.groundtruth, o);
  cmds.groundtruth->add_flag("--force", o->force, "Recompute when the file already has ground truth; replace --out");

  cmds.subset = dataset->add_subcommand("subset", "The first rows of a dataset file, with ground truth recomputed");
  cmds.subset->add_option("--data", o->data, "Dataset file")->required();
  cmds.subset->add_option("--rows", o->rows, "Train rows to keep (the first ones)")->required()->check(CountRange(1));
  cmds.subset->add_option("--queries", o->queries, "Test rows to keep (0: all)")
      ->capture_default_str()
      ->check(CountRange(0));
  AddGroundTruthOptions(cmds.subset, o);
  cmds.subset->add_option("--out", o->out, "Output file")->required();
  return cmds;
}

Status CheckDistribution(const DatasetOptions& o) {
  const bool uniform = o.distribution == "uniform";
  if (uniform && o.intrinsic_dim != 0) {
    return Status::InvalidArgument("--intrinsic-dim applies to --distribution gaussian only");
  }
  if (!uniform && o.distribution != "gaussian") {
    return Status::InvalidArgument("--distribution: '" + o.distribution + "' is not known (expected gaussian or uniform)");
  }
  return Status::Ok();
}

int RunFashionMnist(const DatasetOptions& o) {
  const Stopwatch clock;
  Result<FashionMnist> data = LoadFashionMnist(o.source);
  if (!data.ok()) return ReportError(data.status());
  fmt::print("read Fashion-MNIST from {}: {} train, {} test, {}-d ({:.1f} s)\n", o.source, data->train_rows,
             data->test_rows, data->dim, clock.Seconds());
  return WriteWithGroundTruth(o.out, Metric::kL2, data->dim, data->train, data->test, o);
}

int RunSynthetic(const DatasetOptions& o) {
  if (IsVectorFilePath(o.out)) return RunSyntheticRows(o);
  if (!o.queries_out.empty()) {
    return ReportError(
        Status::InvalidArgument("--queries-out applies to a row-file --out (.fbin, .u8bin, .i8bin, "
                                ".fvecs, .bvecs); " +
                                o.out + " holds its own queries"));
  }
  // Before generating anything: the ground truth's buffers must fit.
  if (Status st = CheckResultMemory(std::min(o.k, o.n), o.queries, PhysicalMemoryBytes()); !st.ok()) {
    return ReportError(st);
  }
  Result<Metric> metric = ParseMetric(o.metric);
  if (!metric.ok()) return ReportError(metric.status());
  if (Status st = CheckDistribution(o); !st.ok()) return ReportError(st);
  const bool uniform = o.distribution == "uniform";
  // Train and test are two streams of one distribution (same seed, same centres).
  auto generate = [&](std::size_t rows, SampleStream stream) {
    return uniform ? Uniform(rows, o.dim, o.seed, stream)
                   : ClusteredSubspaces(rows, o.dim, o.clusters, o.intrinsic_dim, o.seed, stream);
  };
  Result<Dataset> train = generate(o.n, SampleStream::kBase);
  Result<Dataset> test = generate(o.queries, SampleStream::kQueries);
  if (!train.ok()) return ReportError(train.status());
  if (!test.ok()) return ReportError(test.status());
  return WriteWithGroundTruth(o.out, *metric, o.dim, train->rows, test->rows, o);
}

int RunSubset(const DatasetOptions& o) {
  Result<AnnDatasetReader> file = AnnDatasetReader::Open(o.data);
  if (!file.ok()) return ReportError(file.status());
  const std::size_t dim = file->dim();
  const std::size_t train_rows = file->train_shape().rows;
  const std::size_t test_rows = o.queries == 0 ? file->test_shape().rows : o.queries;
  if (o.rows > train_rows) {
    return ReportError(
        Status::InvalidArgument(fmt::format("--rows {} exceeds the {} train rows of {}", o.rows, train_rows, o.data)));
  }
  if (test_rows > file->test_shape().rows) {
    return ReportError(Status::InvalidArgument(
        fmt::format("--queries {} exceeds the {} test rows of {}", test_rows, file->test_shape().rows, o.data)));
  }
  std::vector<float> train(o.rows * dim);
  std::vector<float> test(test_rows * dim);
  if (Status st = file->ReadTrainRows(0, o.rows, train); !st.ok()) return ReportError(st);
  if (Status st = file->ReadTestRows(0, test_rows, test); !st.ok()) return ReportError(st);
  const Metric metric = file->metric();
  return WriteWithGroundTruth(o.out, metric, dim, train, test, o);
}

}  // namespace zyphyr::cli
