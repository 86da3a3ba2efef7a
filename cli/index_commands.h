// `zyphyr build` and `zyphyr search`: write an index directory from an
// ann-benchmarks dataset file, and search one; alone or on P MPI ranks.
//
//   [mpirun -np P] zyphyr build --data FILE --index DIR [--rows N] [--shards S] [--partition range|kmeans]
//                  [--M 16] [--ef-construction 200] [--threads T] [--seed S] [--metric l2|ip|cosine]
//                  [--encoding float32|int8|pq] [--element-type float32|uint8|int8]
//   [mpirun -np P] zyphyr search --index DIR --queries FILE --k K --ef EF [--nprobe N] [--batch B]
//                  [--threads T] --out RESULT.hdf5
//
// FILE is an ann-benchmarks HDF5 file (build: its `train` rows; search: its
// `test` rows) or a big-ann / TEXMEX row file (base.u8bin, query.fbin, ...;
// io/vector_file.h), which carries no metric: build then needs --metric.
// build indexes every row (or the first --rows N; ids are the row numbers
// 0..n-1) under the file's metric unless --metric is given, the rows stored
// as the file publishes them (uint8 for .u8bin/.bvecs, int8 for .i8bin,
// float32 otherwise and under cosine) unless --element-type says otherwise,
// as S shards (default P) built by
// P ranks (mpi/distributed_build.h); the directory appears complete or not
// at all, and an existing DIR is refused.
//
// search has rank 0 read the `test` rows of FILE.hdf5 and send them in
// batches of B to every rank, each searching its own shards on T threads
// (0: the node's hardware threads shared among its ranks); with --nprobe N
// (k-means indexes) each query goes only to the N shards with the nearest
// centroids (mpi/distributed_index.h). Rank 0 writes an ann-benchmarks
// result file and, when the file has ground truth, prints recall@k by
// ann-benchmarks' rule over the distances the ranks returned, the ones the
// result file holds (src/eval/recall.h, ReportedDistanceRecall: a hit is a
// distance within 1e-3 of the k-th true one, so ties count). It also prints
// where the time went: scatter, local search, gather, merge.
#ifndef ZYPHYR_CLI_INDEX_COMMANDS_H_
#define ZYPHYR_CLI_INDEX_COMMANDS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "mpi/communicator.h"
#include "src/index/hnsw_options.h"

namespace zyphyr::cli {

struct BuildOptions {
  std::string data;
  std::string index;
  std::size_t M = kDefaultM;
  std::size_t ef_construction = kDefaultEfConstruction;
  std::size_t threads = 0;  // 0: one per hardware thread.
  std::uint64_t seed = kDefaultSeed;
  std::string metric;      // Empty: the dataset file's.
  std::size_t shards = 0;  // 0: one per rank.
  std::string partition = "range";
  std::string encoding = "float32";  // float32, int8 or pq.
  std::size_t pq_m = 0;              // pq sub-spaces; 0: DefaultPqM(dim).
  std::size_t rows = 0;              // > 0: only the first rows of the file.
  std::string element_type;          // Empty: as the file publishes its rows.
};

struct SearchOptions {
  std::string index;
  std::string queries;
  std::size_t k = 0;
  std::size_t ef = 0;
  std::size_t threads = 0;  // 0: the node's hardware threads shared among its ranks.
  std::string out;
  std::size_t nprobe = 0;  // 0: broadcast mode.
  std::size_t batch = 256;
  std::size_t rerank = 0;  // Indexes with codes: candidates re-ranked (0: ef).
  std::string rerank_rows = "auto";  // Where codes re-rank rows from: auto, memory or file.
};

CLI::App* AddBuildCommand(CLI::App& app, BuildOptions* options);
CLI::App* AddSearchCommand(CLI::App& app, SearchOptions* options);

// Return 0; 2 on bad options or input (one line "error: ..."); 1 on failures.
// Collective over `comm` (one rank without mpirun): every rank returns the
// same exit status; only rank 0 prints.
int RunBuild(Communicator& comm, const BuildOptions& options);
int RunSearch(Communicator& comm, const SearchOptions& options);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_INDEX_COMMANDS_H_
