// When MpiRuntime turns Open MPI's yield-when-idle off: srun's direct launch
// without --overcommit, unless the user chose a value. Only the environment
// is read; MPI is not initialised in the unit-test binary.
#include "mpi/mpi_runtime.h"

#include <stdlib.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace zyphyr {
namespace {

// Sets (or, with nullopt, unsets) environment variables for one scope and
// restores their previous values.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::vector<std::pair<std::string, std::optional<std::string>>> values) {
    for (auto& [name, value] : values) {
      const char* old = getenv(name.c_str());
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      Set(name, value);
    }
  }
  ~ScopedEnv() {
    for (auto& [name, value] : saved_) Set(name, value);
  }

 private:
  static void Set(const std::string& name, const std::optional<std::string>& value) {
    if (value) {
      setenv(name.c_str(), value->c_str(), 1);
    } else {
      unsetenv(name.c_str());
    }
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

TEST(MpiRuntime, YieldTurnedOffOnlyForSrunDirectLaunch) {
  const std::optional<std::string> unset;
  {
    ScopedEnv env({{"SLURM_STEP_ID", "0"},
                   {"OMPI_COMM_WORLD_SIZE", unset},
                   {"SLURM_OVERCOMMIT", unset},
                   {"OMPI_MCA_mpi_yield_when_idle", unset}});
    EXPECT_TRUE(DirectLaunchWithoutYield());
  }
  {  // Not in a job step: a plain run or mpirun outside Slurm.
    ScopedEnv env({{"SLURM_STEP_ID", unset},
                   {"OMPI_COMM_WORLD_SIZE", unset},
                   {"SLURM_OVERCOMMIT", unset},
                   {"OMPI_MCA_mpi_yield_when_idle", unset}});
    EXPECT_FALSE(DirectLaunchWithoutYield());
  }
  {  // mpirun inside an allocation: it decides yielding itself.
    ScopedEnv env({{"SLURM_STEP_ID", "0"},
                   {"OMPI_COMM_WORLD_SIZE", "2"},
                   {"SLURM_OVERCOMMIT", unset},
                   {"OMPI_MCA_mpi_yield_when_idle", unset}});
    EXPECT_FALSE(DirectLaunchWithoutYield());
  }
  {  // srun --overcommit: tasks may share CPUs, so yielding stays.
    ScopedEnv env({{"SLURM_STEP_ID", "0"},
                   {"OMPI_COMM_WORLD_SIZE", unset},
                   {"SLURM_OVERCOMMIT", "1"},
                   {"OMPI_MCA_mpi_yield_when_idle", unset}});
    EXPECT_FALSE(DirectLaunchWithoutYield());
  }
  {  // The user's own choice wins.
    ScopedEnv env({{"SLURM_STEP_ID", "0"},
                   {"OMPI_COMM_WORLD_SIZE", unset},
                   {"SLURM_OVERCOMMIT", unset},
                   {"OMPI_MCA_mpi_yield_when_idle", "1"}});
    EXPECT_FALSE(DirectLaunchWithoutYield());
  }
}

}  // namespace
}  // namespace zyphyr
