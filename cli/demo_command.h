// `zyphyr demo`: builds an HNSW index over synthetic clustered data and
// prints recall@k, QPS and latency percentiles for a list of ef values.
//
// Steps: generate clustered Gaussian rows and queries (src/data/synthetic.h),
// build an HnswIndex (timed), compute the exact neighbours by brute force on
// all hardware threads, then for each ef run the queries one at a time on one
// thread, timing each. Recall is ann-benchmarks' recall@k (src/eval/recall.h).
#ifndef ZYPHYR_CLI_DEMO_COMMAND_H_
#define ZYPHYR_CLI_DEMO_COMMAND_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "src/index/hnsw_options.h"

namespace zyphyr::cli {

struct DemoOptions {
  std::size_t n = 20000;
  std::size_t dim = 64;
  std::size_t queries = 1000;
  std::size_t clusters = 32;
  std::string metric = "l2";
  std::size_t M = kDefaultM;
  std::size_t ef_construction = kDefaultEfConstruction;
  std::string ef_list = "16,32,64,128";
  std::size_t k = kDefaultK;
  std::size_t threads = 1;  // Build threads; 0 means one per hardware thread.
  std::uint64_t seed = kDefaultSeed;
};

// Registers the `demo` subcommand on `app`, writing its options to
// `options` (which must outlive parsing). Returns the subcommand.
CLI::App* AddDemoCommand(CLI::App& app, DemoOptions* options);

// Runs the demo, printing to stdout. Returns 0; on bad options (unknown
// metric, k above n, a malformed ef list, result buffers larger than the
// memory; the numeric ranges are CLI11's) prints one line "error: ..." to
// stderr and returns 2; on any other failure 1.
int RunDemo(const DemoOptions& options);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_DEMO_COMMAND_H_
