// The words of the commands' one-line summaries: sizes, counts, names.
#ifndef ZYPHYR_CLI_FORMATTING_H_
#define ZYPHYR_CLI_FORMATTING_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace zyphyr::cli {

// "340.0 KiB", "1.2 MiB", "2.5 GiB" (one decimal; KiB below one MiB).
std::string FormatBytes(std::uint64_t bytes);

// "1 rank", "2 ranks": `n` and `one` or `many`.
std::string Plural(std::size_t n, const char* one, const char* many);

// The file's base name without ".hdf5" ("data/glove-25-angular.hdf5" ->
// "glove-25-angular"): ann-benchmarks' dataset name.
std::string DatasetName(const std::string& path);

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_FORMATTING_H_
