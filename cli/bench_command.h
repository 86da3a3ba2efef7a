// `zyphyr bench`: build Zyphyr and its peers over an ann-benchmarks dataset
// file, sweep ef, and report recall@k, QPS (one thread and T threads),
// latency percentiles, build time, index size and peak memory.
//
//   zyphyr bench --data FILE.hdf5 [--k 10] [--ef 10,16,32,64,128] [--threads T]
//   zyphyr bench --data base.u8bin --queries query.u8bin [--groundtruth gt.ibin] --metric l2 [--rows N] ...
//                [--peers hnswlib,hnswlib-0.8,usearch,faiss] [--M 16] [--ef-construction 200]
//                [--build-threads T] [--index DIR] [--isolate] [--repeat N] --report DIR
//
// Under mpirun (any number of ranks, -np 1 too) or with --nprobe, the
// distributed bench runs instead: see cli/distributed_bench.h.
//
// With --index DIR, Zyphyr searches that stored index (built from the same
// --data file by 'zyphyr build') in place instead of building one; the peers
// are built with the index's M and efConstruction.
//
// Writes to DIR: report.json, report.txt (the table also printed on stdout),
// recall_qps.png (with its gnuplot data and script), and one ann-benchmarks
// result file per engine and ef under DIR/results/.
//
// --isolate runs each engine in its own process (the same binary, the same
// dataset, query loop and untimed warm-up pass), each child reporting into
// DIR/engine-<name>/ (its log in log.txt); the parent merges their engines
// into the one report. --repeat N runs the engines in rotation N times (in
// process or isolated), round r into DIR/round-r/, and prints and writes
// DIR/rounds.txt: QPS at recall 0.90/0.95 per engine and round, with the
// median and best over the rounds.
#ifndef ZYPHYR_CLI_BENCH_COMMAND_H_
#define ZYPHYR_CLI_BENCH_COMMAND_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "mpi/communicator.h"
#include "src/index/hnsw_options.h"

namespace zyphyr::cli {

struct BenchOptions {
  std::string data;
  // Row-file sets (base.u8bin, ...): the queries, the ground truth, the
  // metric (required: such files carry none) and the first base rows kept.
  std::string queries;
  std::string groundtruth;
  std::string metric;
  std::size_t rows = 0;
  std::size_t k = kDefaultK;
  std::string ef_list = "10,16,32,64,128";
  std::size_t threads = 0;        // 0: one per hardware thread.
  std::string peers = "default";  // "default": every peer built into this binary.
  std::size_t M = kDefaultM;
  std::size_t ef_construction = kDefaultEfConstruction;
  std::size_t build_threads = 0;  // 0: one per hardware thread.
  std::uint64_t seed = kDefaultSeed;
  std::string report;
  std::string index;   // Empty: build Zyphyr's index in memory.
  std::string nprobe;  // Comma-separated; empty: broadcast mode only.
  std::size_t batch = 256;
  std::size_t latency_queries = 1000;  // Distributed bench: queries timed one at a time.
  std::string encodings = "float32";   // Comma-separated: one Zyphyr engine each (float32, int8, pq).
  std::size_t pq_m = 0;                // pq sub-spaces; 0: DefaultPqM(dim).
  std::size_t rerank = 0;              // Codes: candidates re-ranked (0: ef).
  std::string rerank_rows = "auto";    // Codes: where re-ranking reads rows (auto, memory, file).
  bool M_given = false;
  bool ef_construction_given = false;
  // Standalone mode: each engine (Zyphyr with its encodings, each peer) runs
  // in a process of its own: this binary re-executed with --engine-only.
  bool isolate = false;
  // Rounds: the engines run in rotation this many times; with more than one,
  // round r reports into DIR/round-r/ and DIR/rounds.txt compares them.
  std::size_t repeat = 1;
  // Internal (--engine-only, hidden): run only this engine; what --isolate
  // starts each child with.
  std::string engine_only;
};

CLI::App* AddBenchCommand(CLI::App& app, BenchOptions* options);

// Returns 0; 2 on bad options or input (one line "error: ..."); 1 on failures.
// Under mpirun (even on one rank), or with --nprobe, the distributed bench
// runs instead (cli/distributed_bench.h). Collective: every rank returns the same
// status; only rank 0 prints.
int RunBench(Communicator& comm, const BenchOptions& options);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_BENCH_COMMAND_H_
