// Running another program to its end: gnuplot for the bench's plot, this
// binary again for `zyphyr bench --isolate`.
#ifndef ZYPHYR_SRC_CORE_CHILD_PROCESS_H_
#define ZYPHYR_SRC_CORE_CHILD_PROCESS_H_

#include <string>
#include <vector>

#include "src/core/status.h"

namespace zyphyr {

// Runs `program` (looked up on PATH when it holds no '/') with `args`
// (args[0] is the name it sees), its stdout and stderr written to `log`, with
// no signal blocked whatever this process blocks (storage/interrupt_cleanup.h
// blocks SIGINT, SIGTERM and SIGHUP), and waits for it. Returns its exit
// status, or 128 + the signal that ended it. Errors: NotFound "<program>: no
// such program" when it does not exist; IOError when it cannot be started or
// waited for.
Result<int> RunAndWait(const std::string& program, const std::vector<std::string>& args, const std::string& log);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_CORE_CHILD_PROCESS_H_
