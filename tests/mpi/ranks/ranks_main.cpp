// Entry point of zyphyr_mpi_tests, the tests that run on several MPI ranks
// (CTest starts them with mpirun -np 1..4, and once without mpirun). Every
// rank runs every test; collective calls are never skipped by a failed
// assertion (tests use EXPECT around them), so a failure cannot hang the
// other ranks. Only rank 0 prints gtest's progress; every rank's failures
// make its exit status, and so mpirun's, non-zero.
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "mpi/mpi_runtime.h"
#include "tests/mpi/ranks/ranks_env.h"

namespace zyphyr::testing_ranks {

Communicator* world = nullptr;

namespace {

// What ranks other than 0 print: only their failed assertions, named.
class FailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  void OnTestStart(const ::testing::TestInfo& test) override {
    test_ = std::string(test.test_suite_name()) + "." + test.name();
  }
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "rank %d: %s failed at %s:%d\n%s\n", world->rank(), test_.c_str(),
                 result.file_name() != nullptr ? result.file_name() : "?", result.line_number(), result.summary());
  }

 private:
  std::string test_;
};

}  // namespace
}  // namespace zyphyr::testing_ranks

int main(int argc, char** argv) {
  auto runtime = zyphyr::MpiRuntime::Start(&argc, &argv);
  if (!runtime.ok()) {
    std::fprintf(stderr, "%s\n", runtime.status().ToString().c_str());
    return 1;
  }
  zyphyr::testing_ranks::world = &(*runtime)->world();
  ::testing::InitGoogleTest(&argc, argv);
  if (!zyphyr::testing_ranks::world->is_root()) {
    ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new zyphyr::testing_ranks::FailurePrinter());
  }
  const int failed = RUN_ALL_TESTS();
  if (failed != 0) std::fprintf(stderr, "rank %d: tests failed\n", zyphyr::testing_ranks::world->rank());
  return failed;
}
