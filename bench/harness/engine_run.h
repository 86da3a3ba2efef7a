// RunEngine: build one engine over a BenchData and sweep ef, measuring what
// the bench report holds, and writing one ann-benchmarks result file per ef.
#ifndef ZYPHYR_BENCH_HARNESS_ENGINE_RUN_H_
#define ZYPHYR_BENCH_HARNESS_ENGINE_RUN_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "bench/engines/engine.h"
#include "bench/harness/bench_data.h"
#include "bench/harness/bench_report.h"
#include "src/core/status.h"

namespace zyphyr {

struct BenchSettings {
  std::size_t k = 10;
  std::vector<std::size_t> efs = {10, 16, 32, 64, 128};
  std::size_t threads = 1;  // Threads of the multi-threaded QPS run (resolved, >= 1).
  EngineBuildParams build;
  // Result files go to <results_dir>/<data name>/<k>/<engine>/M<M>_efC<efC>_ef<ef>.hdf5,
  // the layout of ann-benchmarks' results directory.
  std::string results_dir;
};

struct RunProgress {
  // (rows inserted, total) while building; (ef settings done, total) after
  // each ef, outside the timed loops so that it never shows in latencies.
  std::function<void(std::size_t, std::size_t)> build;
  std::function<void(std::size_t, std::size_t)> sweep;
};

// The ann-benchmarks run name, e.g. "zyphyr(M=16,efC=200,ef=64)".
std::string RunName(const std::string& engine, const EngineBuildParams& build, std::size_t ef);

// Builds `engine` (timed) and, for each ef, runs every query once on one
// thread (recall, latency, single-thread QPS), then again on
// settings.threads threads (QPS), and writes the result file. Peak memory is
// the process high-water mark from just before the build to the end.
// Errors: the engine's; those of WriteAnnResult; InvalidArgument for an empty
// ef list or k == 0.
Result<EngineReport> RunEngine(Engine& engine, const BenchData& data, const BenchSettings& settings,
                               const RunProgress& progress);

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_HARNESS_ENGINE_RUN_H_
