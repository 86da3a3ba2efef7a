#include "src/core/child_process.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/scratch_dir.h"

namespace zyphyr {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ChildProcess, ReturnsTheExitStatusAndWritesBothStreamsToTheLog) {
  testing::ScratchDir dir;
  const std::string log = dir.path() + "/log.txt";
  Result<int> code = RunAndWait("sh", {"sh", "-c", "echo out; echo err >&2; exit 3"}, log);
  ASSERT_TRUE(code.ok()) << code.status().ToString();
  EXPECT_EQ(*code, 3);
  EXPECT_EQ(ReadAll(log), "out\nerr\n");
}

TEST(ChildProcess, ASignalThatEndsTheChildIs128PlusTheSignal) {
  testing::ScratchDir dir;
  Result<int> code = RunAndWait("sh", {"sh", "-c", "kill -KILL $$"}, dir.path() + "/log.txt");
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 128 + SIGKILL);
}

TEST(ChildProcess, AMissingProgramIsNotFound) {
  testing::ScratchDir dir;
  Result<int> code = RunAndWait("zyphyr-no-such-program", {"x"}, dir.path() + "/log.txt");
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(code.status().message(), "zyphyr-no-such-program: no such program");
}

TEST(ChildProcess, TheChildStartsWithNoSignalBlocked) {
  sigset_t interrupts, saved;
  sigemptyset(&interrupts);
  sigaddset(&interrupts, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &interrupts, &saved);
  testing::ScratchDir dir;
  const std::string log = dir.path() + "/log.txt";
  Result<int> code = RunAndWait("sh", {"sh", "-c", "grep SigBlk /proc/self/status"}, log);
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0);
  EXPECT_EQ(ReadAll(log), "SigBlk:\t0000000000000000\n");
}

}  // namespace
}  // namespace zyphyr
