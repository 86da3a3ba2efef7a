// How the zyphyr command reports a failure: one line "error: <message>" on
// stderr, and an exit status (2 for bad input or configuration, 1 for a
// failure while running).
#ifndef ZYPHYR_CLI_CLI_ERRORS_H_
#define ZYPHYR_CLI_CLI_ERRORS_H_

#include <cstdio>
#include <string_view>

#include <fmt/core.h>

#include "src/core/status.h"

namespace zyphyr::cli {

inline constexpr int kExitBadInput = 2;
inline constexpr int kExitFailure = 1;

// Prints the one-line error and returns kExitBadInput.
inline int UsageError(std::string_view message) {
  fmt::print(stderr, "error: {}\n", message);
  return kExitBadInput;
}

// 2 for InvalidArgument, NotFound and Unsupported (the caller's input or
// environment), 1 otherwise.
inline int ExitCodeOf(const Status& status) {
  bool bad_input = status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kNotFound ||
                   status.code() == StatusCode::kUnsupported;
  return bad_input ? kExitBadInput : kExitFailure;
}

// Prints `status` as the one-line error; returns ExitCodeOf(status).
inline int ReportError(const Status& status) {
  fmt::print(stderr, "error: {}\n", status.message());
  return ExitCodeOf(status);
}

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_CLI_ERRORS_H_
