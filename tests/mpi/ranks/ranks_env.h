// Shared state of the multi-rank tests: the world communicator and a scratch
// directory every rank sees (rank 0 makes it; its path is broadcast).
#ifndef ZYPHYR_TESTS_MPI_RANKS_RANKS_ENV_H_
#define ZYPHYR_TESTS_MPI_RANKS_RANKS_ENV_H_

#include <cstdlib>
#include <filesystem>
#include <string>

#include "mpi/communicator.h"

namespace zyphyr::testing_ranks {

extern Communicator* world;

// A fresh directory under $TMPDIR (or /tmp) shared by all ranks; removed by
// rank 0 when destroyed (after a barrier-like Agree).
class SharedScratch {
 public:
  SharedScratch() {
    if (world->is_root()) {
      const char* base = std::getenv("TMPDIR");
      std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/zyphyr-ranks-XXXXXX";
      if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
    }
    (void)world->Broadcast(&path_);
  }
  ~SharedScratch() {
    (void)world->Agree(Status::Ok());
    if (world->is_root() && !path_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(path_, ignored);
    }
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace zyphyr::testing_ranks

#endif  // ZYPHYR_TESTS_MPI_RANKS_RANKS_ENV_H_
