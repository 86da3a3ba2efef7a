// The zyphyr command: subcommands over the Zyphyr library. Every failure is
// one line "error: ..." on stderr and a non-zero exit status (2 for bad
// arguments, CLI11's parse errors included).
//
// Started by an MPI launcher (mpirun, srun --mpi=pmix), build, search, bench
// and dataset groundtruth run on every rank (mpi/); the other commands run on
// one rank only and refuse to start on more. Only rank 0 prints errors.
//
// SIGINT, SIGTERM and SIGHUP remove what the process was writing (temporary
// files, staging directories) before it ends by that signal.
#include <exception>
#include <memory>

#include <fmt/core.h>
#include <CLI/CLI.hpp>

#include "cli/bench_command.h"
#include "cli/cli_errors.h"
#include "cli/dataset_command.h"
#include "cli/demo_command.h"
#include "cli/index_commands.h"
#include "cli/inspect_commands.h"
#include "cli/mutation_commands.h"
#include "cli/version_command.h"
#include "mpi/communicator.h"
#include "mpi/mpi_runtime.h"
#include "storage/interrupt_cleanup.h"

namespace {

// Runs `command` with MPI started when launched by mpirun; one rank otherwise.
int Main(int argc, char** argv, zyphyr::Communicator& comm);

}  // namespace

int main(int argc, char** argv) {
  // Before MPI or anything else starts a thread (storage/interrupt_cleanup.h).
  zyphyr::InstallInterruptCleanup();
  zyphyr::Result<std::unique_ptr<zyphyr::MpiRuntime>> runtime = zyphyr::MpiRuntime::Start(&argc, &argv);
  if (!runtime.ok()) {
    fmt::print(stderr, "error: {}\n", runtime.status().message());
    return zyphyr::cli::kExitFailure;
  }
  return Main(argc, argv, (*runtime)->world());
}

namespace {

int Main(int argc, char** argv, zyphyr::Communicator& comm) {
  CLI::App app{"Zyphyr: approximate nearest-neighbour search", "zyphyr"};
  bool show_version = false;
  app.add_flag("--version", show_version, "Print the version, the kernel ISA and the CPU, then exit");
  app.require_subcommand(0, 1);

  zyphyr::cli::DemoOptions demo_options;
  CLI::App* demo = zyphyr::cli::AddDemoCommand(app, &demo_options);
  zyphyr::cli::DatasetOptions dataset_options;
  zyphyr::cli::DatasetCommands dataset = zyphyr::cli::AddDatasetCommand(app, &dataset_options);
  zyphyr::cli::BenchOptions bench_options;
  CLI::App* bench = zyphyr::cli::AddBenchCommand(app, &bench_options);
  zyphyr::cli::BuildOptions build_options;
  CLI::App* build = zyphyr::cli::AddBuildCommand(app, &build_options);
  zyphyr::cli::SearchOptions search_options;
  CLI::App* search = zyphyr::cli::AddSearchCommand(app, &search_options);
  zyphyr::cli::MutationOptions mutation_options;
  zyphyr::cli::MutationCommands mutation = zyphyr::cli::AddMutationCommands(app, &mutation_options);
  zyphyr::cli::InspectOptions inspect_options;
  zyphyr::cli::InspectCommands inspect = zyphyr::cli::AddInspectCommands(app, &inspect_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (!comm.is_root()) return zyphyr::cli::kExitBadInput;
    return zyphyr::cli::UsageError(fmt::format("{} (try 'zyphyr --help')", e.what()));
  }

  const bool distributed = build->parsed() || search->parsed() || bench->parsed() || dataset.groundtruth->parsed();
  if (comm.size() > 1 && !distributed) {
    if (!comm.is_root()) return zyphyr::cli::kExitBadInput;
    return zyphyr::cli::UsageError(fmt::format(
        "only build, search, bench and dataset groundtruth run on several ranks; run this command without mpirun "
        "(started on {} ranks)",
        comm.size()));
  }

  try {
    if (show_version) return zyphyr::cli::RunVersion();
    if (demo->parsed()) return zyphyr::cli::RunDemo(demo_options);
    if (dataset.fashion_mnist->parsed()) return zyphyr::cli::RunFashionMnist(dataset_options);
    if (dataset.synthetic->parsed()) return zyphyr::cli::RunSynthetic(dataset_options);
    if (dataset.groundtruth->parsed()) return zyphyr::cli::RunGroundTruth(comm, dataset_options);
    if (dataset.subset->parsed()) return zyphyr::cli::RunSubset(dataset_options);
    if (bench->parsed()) return zyphyr::cli::RunBench(comm, bench_options);
    if (build->parsed()) return zyphyr::cli::RunBuild(comm, build_options);
    if (search->parsed()) return zyphyr::cli::RunSearch(comm, search_options);
    if (mutation.insert->parsed()) return zyphyr::cli::RunInsert(mutation_options);
    if (mutation.remove->parsed()) return zyphyr::cli::RunDelete(mutation_options);
    if (mutation.compact->parsed()) return zyphyr::cli::RunCompact(mutation_options);
    if (inspect.info->parsed()) return zyphyr::cli::RunInfo(inspect_options);
    if (inspect.verify->parsed()) return zyphyr::cli::RunVerify(inspect_options);
  } catch (const std::exception& e) {  // E.g. std::bad_alloc from a huge --n.
    if (comm.size() > 1) {
      // The other ranks may be waiting in a collective: end them all.
      fmt::print(stderr, "error: rank {}: {}\n", comm.rank(), e.what());
      comm.Abort(zyphyr::cli::kExitFailure);
    } else {
      fmt::print(stderr, "error: {}\n", e.what());
    }
    return zyphyr::cli::kExitFailure;
  }
  return zyphyr::cli::UsageError("no command given (try 'zyphyr --help')");
}

}  // namespace
