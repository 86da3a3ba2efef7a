// `zyphyr dataset ...`: build ann-benchmarks dataset files.
//
//   zyphyr dataset fashion-mnist --out FILE.hdf5
//   zyphyr dataset synthetic --n N --dim D --queries Q [--clusters C] [--intrinsic-dim I] [--metric l2|ip|cosine] [--seed S] --out
//   FILE.hdf5
//   zyphyr dataset groundtruth --data FILE.hdf5 [--k 100]
//   zyphyr dataset subset --data FILE.hdf5 --rows N [--queries Q] --out SMALL.hdf5
//
// subset keeps the first N train rows (and the first Q test rows, all by
// default) of a file, under its metric, with ground truth recomputed over
// those rows: the same data at several sizes, e.g. for weak scaling.
// Files hold train, test, and exact ground truth (neighbors, distances) for k
// neighbours, computed with blocked matrix products on all threads. They are
// written under a temporary name and renamed into place, so an interrupted
// run never leaves a broken file (nor damages an existing one).
#ifndef ZYPHYR_CLI_DATASET_COMMAND_H_
#define ZYPHYR_CLI_DATASET_COMMAND_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace zyphyr::cli {

struct DatasetOptions {
  std::string out;
  std::string data;
  std::string source;  // Fashion-MNIST idx directory.
  std::size_t n = 0;
  std::size_t dim = 0;
  std::size_t queries = 0;
  std::size_t clusters = 16;
  std::size_t intrinsic_dim = 0;  // 0: isotropic clusters.
  std::string distribution = "gaussian";
  std::string metric = "l2";
  std::uint64_t seed = 42;
  std::size_t k = 100;
  std::size_t threads = 0;
  bool force = false;
  std::size_t rows = 0;  // subset: train rows kept.
};

struct DatasetCommands {
  CLI::App* fashion_mnist = nullptr;
  CLI::App* synthetic = nullptr;
  CLI::App* groundtruth = nullptr;
  CLI::App* subset = nullptr;
};

// Registers `dataset` and its subcommands on `app`.
DatasetCommands AddDatasetCommand(CLI::App& app, DatasetOptions* options);

int RunFashionMnist(const DatasetOptions& options);
int RunSubset(const DatasetOptions& options);
int RunSynthetic(const DatasetOptions& options);
int RunGroundTruth(const DatasetOptions& options);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_DATASET_COMMAND_H_
