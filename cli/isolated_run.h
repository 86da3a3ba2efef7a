// `zyphyr bench --isolate`: one engine measured in a process of its own, this
// binary run again with the same options and --engine-only, its report read
// back into the parent's.
#ifndef ZYPHYR_CLI_ISOLATED_RUN_H_
#define ZYPHYR_CLI_ISOLATED_RUN_H_

#include <filesystem>
#include <string>
#include <vector>

#include "bench/harness/bench_report.h"
#include "cli/bench_command.h"
#include "src/core/status.h"

namespace zyphyr::cli {

// Measures `engine` in a child process reporting into `dir` (emptied first;
// the child's output goes to dir/log.txt); the engines of its report.
// Errors name the engine: Internal "<engine> (own process): exit status 1:
// <the child's last line>; log: <dir>/log.txt".
Result<std::vector<EngineReport>> RunIsolated(const BenchOptions& o, const std::string& engine,
                                              const std::filesystem::path& dir);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_ISOLATED_RUN_H_
