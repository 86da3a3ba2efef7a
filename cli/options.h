// Option values the subcommands share: comma-separated lists ("--ef 10,16,32",
// "--peers hnswlib,faiss", "--ids 5,17") and range checks.
#ifndef ZYPHYR_CLI_OPTIONS_H_
#define ZYPHYR_CLI_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "src/core/status.h"

namespace zyphyr::cli {

// "16,32,64" -> {16, 32, 64}; every entry a positive integer. Errors
// (InvalidArgument): "<option>: 'x' is not a positive integer (expected a
// list such as 16,32,64)".
Result<std::vector<std::size_t>> ParsePositiveList(std::string_view option, std::string_view text);

// "5,17,42" -> {5, 17, 42}; every entry a non-negative integer (ids of an
// index). Errors (InvalidArgument): "<option>: 'x' is not an id (expected a
// list such as 5,17,42)".
Result<std::vector<std::uint64_t>> ParseIdList(std::string_view option, std::string_view text);

// "hnswlib,faiss" -> {"hnswlib", "faiss"}; "" and "none" -> {}. Errors
// (InvalidArgument): an empty entry, or one named twice.
Result<std::vector<std::string>> ParseNameList(std::string_view option, std::string_view text);

// InvalidArgument "<option> must be at least 1" when value == 0.
Status CheckPositive(std::size_t value, std::string_view option);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_OPTIONS_H_
