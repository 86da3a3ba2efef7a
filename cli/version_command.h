// `zyphyr --version`: the version, the ISA the distance kernels run on and
// the CPU, e.g. "zyphyr 0.1.0 (isa: avx512, cpu: AMD EPYC 9654)".
#ifndef ZYPHYR_CLI_VERSION_COMMAND_H_
#define ZYPHYR_CLI_VERSION_COMMAND_H_

namespace zyphyr::cli {

// Prints the version line to stdout and returns 0. When no kernels can be
// chosen (e.g. ZYPHYR_ISA names an unknown or unsupported ISA) prints
// "error: <message>" to stderr and returns 2.
int RunVersion();

}  // namespace zyphyr::cli

#endif  // ZYPHYR_CLI_VERSION_COMMAND_H_
