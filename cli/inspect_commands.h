// `zyphyr info` and `zyphyr verify`: look inside a shard file or an index
// directory (storage/shard.h, storage/stored_index.h).
//
//   zyphyr info PATH
//   zyphyr verify PATH
//
// info prints a shard's header fields and section table; for an index
// directory, the manifest's summary, then each shard as above with its
// mutation log (records, torn bytes). Opening checks the header, the section
// table and the graph, not the vectors' checksum.
//
// verify checks everything, the vectors' checksums included, and prints a
// line per thing checked, then "ok: PATH"; on the first problem it prints the
// one-line error and exits 1 (2 when PATH is missing or not a shard or index).
#ifndef ZYPHYR_CLI_INSPECT_COMMANDS_H_
#define ZYPHYR_CLI_INSPECT_COMMANDS_H_

#include <string>

#include <CLI/CLI.hpp>

namespace zyphyr::cli {

struct InspectOptions {
  std::string path;
};

struct InspectCommands {
  CLI::App* info = nullptr;
  CLI::App* verify = nullptr;
};

// Registers `info` and `verify` on `app`.
InspectCommands AddInspectCommands(CLI::App& app, InspectOptions* options);

// Return 0; 2 on bad input (one line "error: ..."); 1 on corruption or I/O failures.
int RunInfo(const InspectOptions& options);
int RunVerify(const InspectOptions& options);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_INSPECT_COMMANDS_H_
