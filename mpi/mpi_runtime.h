// MpiRuntime: starts MPI when the process was launched by an MPI launcher
// (mpirun, mpiexec, srun --mpi=pmix) and finalises it on destruction.
// Started any other way, the zyphyr command is one rank without MPI at all:
// no MPI_Init (which would cost a singleton start-up), the same code paths
// with a one-rank Communicator.
//
// MPI is initialised with MPI_THREAD_FUNNELED (only the main thread calls
// MPI) and MPI_COMM_WORLD gets MPI_ERRORS_RETURN, so failures come back as
// statuses (mpi/communicator.h) rather than aborting the job.
//
// Started by srun (direct launch, see DirectLaunchWithoutYield), Open MPI 4.1
// cannot tell whether the node is oversubscribed and yields the CPU whenever
// it waits, which was measured to cost about 8 ms per query (p50 latency
// 8.0 ms under srun against 0.013 ms under mpirun, same job and node). Slurm
// gives every task its own CPUs, so Start() then sets
// OMPI_MCA_mpi_yield_when_idle=0 before MPI_Init, as mpirun does when not
// oversubscribed; a value the user set, or srun --overcommit, is left alone.
#ifndef ZYPHYR_MPI_MPI_RUNTIME_H_
#define ZYPHYR_MPI_MPI_RUNTIME_H_

#include <memory>

#include "mpi/communicator.h"
#include "src/core/status.h"

namespace zyphyr {

// Whether the environment says an MPI launcher started this process
// (OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_RANK, PMI_SIZE), or ZYPHYR_MPI=1
// asks for MPI anyway (a singleton MPI_Init).
bool LaunchedByMpiLauncher();

// Whether this process is a task that srun started directly (SLURM_STEP_ID
// set, no OMPI_COMM_WORLD_SIZE from mpirun), without --overcommit
// (SLURM_OVERCOMMIT), and OMPI_MCA_mpi_yield_when_idle is unset.
bool DirectLaunchWithoutYield();

class MpiRuntime {
 public:
  // Initialises MPI when LaunchedByMpiLauncher(); otherwise a one-rank
  // runtime. Internal when MPI_Init_thread fails or MPI lacks
  // MPI_THREAD_FUNNELED.
  static Result<std::unique_ptr<MpiRuntime>> Start(int* argc, char*** argv);
  ~MpiRuntime();
  MpiRuntime(const MpiRuntime&) = delete;
  MpiRuntime& operator=(const MpiRuntime&) = delete;

  Communicator& world() { return world_; }

 private:
  MpiRuntime() = default;
  Communicator world_;
  bool initialised_ = false;
};

}  // namespace zyphyr

#endif  // ZYPHYR_MPI_MPI_RUNTIME_H_
