// `zyphyr insert`, `zyphyr delete` and `zyphyr compact`: change an index
// directory in place (builder/index_insert.h, storage/index_mutations.h, builder/compaction.h). Each is durable when it
// returns; concurrent ones, from any processes, serialize on the index lock.
//
//   zyphyr insert --index DIR --data FILE.hdf5 [--dataset NAME]
//   zyphyr delete --index DIR --ids 5,17,...
//   zyphyr compact --index DIR [--threads T]
//
// insert appends every row of the 2-D dataset NAME (default "train") of any
// HDF5 file; the vectors get the ids next_id, next_id + 1, ... (printed).
// delete removes live ids; nothing is written unless every id is live.
// compact folds the mutation logs into freshly built shards (a new generation).
#ifndef ZYPHYR_CLI_MUTATION_COMMANDS_H_
#define ZYPHYR_CLI_MUTATION_COMMANDS_H_

#include <cstddef>
#include <string>

#include <CLI/CLI.hpp>

namespace zyphyr::cli {

struct MutationOptions {
  std::string index;
  std::string data;
  std::string dataset = "train";
  std::string ids;
  std::size_t threads = 0;  // 0: one per hardware thread.
};

struct MutationCommands {
  CLI::App* insert = nullptr;
  CLI::App* remove = nullptr;  // `delete`
  CLI::App* compact = nullptr;
};

// Registers `insert`, `delete` and `compact` on `app`.
MutationCommands AddMutationCommands(CLI::App& app, MutationOptions* options);

// Return 0; 2 on bad options or input (one line "error: ..."); 1 on failures.
int RunInsert(const MutationOptions& options);
int RunDelete(const MutationOptions& options);
int RunCompact(const MutationOptions& options);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_MUTATION_COMMANDS_H_
