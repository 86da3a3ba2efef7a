#include "mpi/mpi_runtime.h"

#include <cstdlib>
#include <cstring>
#include <string>

namespace zyphyr {

bool LaunchedByMpiLauncher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  const char* forced = std::getenv("ZYPHYR_MPI");
  return forced != nullptr && std::strcmp(forced, "1") == 0;
}

bool DirectLaunchWithoutYield() {
  const char* overcommit = std::getenv("SLURM_OVERCOMMIT");
  return std::getenv("SLURM_STEP_ID") != nullptr && std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr &&
         (overcommit == nullptr || std::strcmp(overcommit, "1") != 0) &&
         std::getenv("OMPI_MCA_mpi_yield_when_idle") == nullptr;
}

Result<std::unique_ptr<MpiRuntime>> MpiRuntime::Start(int* argc, char*** argv) {
  std::unique_ptr<MpiRuntime> runtime(new MpiRuntime());
  if (!LaunchedByMpiLauncher()) return runtime;
  if (DirectLaunchWithoutYield()) setenv("OMPI_MCA_mpi_yield_when_idle", "0", 0);
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    return Status::Internal("MPI_Init_thread failed");
  }
  runtime->initialised_ = true;
  if (provided < MPI_THREAD_FUNNELED) return Status::Internal("this MPI does not provide MPI_THREAD_FUNNELED");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int local_size = 1;
  MPI_Comm node = MPI_COMM_NULL;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
    MPI_Comm_size(node, &local_size);
    MPI_Comm_free(&node);
  }
  runtime->world_ = Communicator(MPI_COMM_WORLD, rank, size, local_size);
  return runtime;
}

MpiRuntime::~MpiRuntime() {
  if (initialised_) MPI_Finalize();
}

}  // namespace zyphyr
