// `zyphyr build` and `zyphyr search`: write an index directory from an
// ann-benchmarks dataset file (storage/stored_index.h), and search one.
//
//   zyphyr build --data FILE.hdf5 --index DIR [--M 16] [--ef-construction 200] [--threads T] [--seed S]
//                [--metric l2|ip|cosine]
//   zyphyr search --index DIR --queries FILE.hdf5 --k K --ef EF [--threads T] --out RESULT.hdf5
//
// build indexes every row of `train` (ids are the row numbers 0..n-1) under
// the file's metric unless --metric is given; the directory appears complete
// or not at all, and an existing DIR is refused.
//
// search runs every `test` row of FILE.hdf5 against the index on T threads
// (0: all), timing each query, and writes an ann-benchmarks result file. When
// the file has ground truth it prints recall@k as id overlap: the fraction of
// the first k true ids (train row numbers) among the ids returned, so vectors
// inserted or deleted since the build are not accounted for.
#ifndef ZYPHYR_CLI_INDEX_COMMANDS_H_
#define ZYPHYR_CLI_INDEX_COMMANDS_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace zyphyr::cli {

struct BuildOptions {
  std::string data;
  std::string index;
  std::size_t M = 16;
  std::size_t ef_construction = 200;
  std::size_t threads = 0;  // 0: one per hardware thread.
  std::uint64_t seed = 42;
  std::string metric;  // Empty: the dataset file's.
};

struct SearchOptions {
  std::string index;
  std::string queries;
  std::size_t k = 0;
  std::size_t ef = 0;
  std::size_t threads = 0;  // 0: one per hardware thread.
  std::string out;
};

CLI::App* AddBuildCommand(CLI::App& app, BuildOptions* options);
CLI::App* AddSearchCommand(CLI::App& app, SearchOptions* options);

// Return 0; 2 on bad options or input (one line "error: ..."); 1 on failures.
int RunBuild(const BuildOptions& options);
int RunSearch(const SearchOptions& options);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_INDEX_COMMANDS_H_
