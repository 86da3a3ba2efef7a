// `zyphyr dataset ...`: build ann-benchmarks dataset files, and the row files
// and ground-truth files of the billion-scale sets (docs/formats.md).
//
//   zyphyr dataset fashion-mnist --out FILE.hdf5
//   zyphyr dataset synthetic --n N --dim D --queries Q [--clusters C] [--intrinsic-dim I] [--metric l2|ip|cosine]
//   [--seed S] --out FILE.hdf5 zyphyr dataset synthetic --n N --dim D --queries Q [...] --out BASE.u8bin --queries-out
//   QUERY.u8bin [--force]
//     (also .i8bin, .fbin, .fvecs, .bvecs: written a block of rows at a time, no ground truth)
//   [mpirun -np P] zyphyr dataset groundtruth --data FILE.hdf5 [--k 100] [--force]
//   [mpirun -np P] zyphyr dataset groundtruth --data BASE.u8bin --queries QUERY.u8bin --metric l2 [--k 100]
//     [--rows N] --out GT.ibin|GT.bin|GT.ivecs|GT.hdf5 [--force]
//   zyphyr dataset subset --data FILE.hdf5 --rows N [--queries Q] --out SMALL.hdf5
//
// groundtruth runs on every rank under mpirun: rank r reads only its even
// share of the base rows, finds every query's k nearest among them, and rank
// 0 merges the lists by (exact distance, id) and writes the file; the file is
// the same, byte for byte, for any number of ranks.
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

#include "mpi/communicator.h"
#include "src/core/status.h"

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
  std::size_t rows = 0;      // subset: train rows kept; groundtruth: base rows used (0: all).
  std::string queries_out;   // synthetic: the queries' row file.
  std::string queries_file;  // groundtruth: the queries (a row file or an HDF5 file's test rows).
  std::string gt_metric;     // groundtruth: --metric (empty: not given).
};

struct DatasetCommands {
  CLI::App* fashion_mnist = nullptr;
  CLI::App* synthetic = nullptr;
  CLI::App* groundtruth = nullptr;
  CLI::App* subset = nullptr;
};

// Registers `dataset` and its subcommands on `app`.
DatasetCommands AddDatasetCommand(CLI::App& app, DatasetOptions* options);

// --distribution gaussian or uniform, --intrinsic-dim with gaussian only.
Status CheckDistribution(const DatasetOptions& options);

int RunFashionMnist(const DatasetOptions& options);
int RunSubset(const DatasetOptions& options);
int RunSynthetic(const DatasetOptions& options);
// `dataset synthetic` whose --out is a row file (cli/dataset_synthetic_rows.cpp).
int RunSyntheticRows(const DatasetOptions& options);
// On every rank (cli/dataset_groundtruth.cpp).
int RunGroundTruth(Communicator& comm, const DatasetOptions& options);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_DATASET_COMMAND_H_
