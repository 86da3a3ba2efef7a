// What an interrupted process removes (storage/interrupt_cleanup.h) and what
// the next writer removes after a kill (storage/stale_temporaries.h).
#include "storage/interrupt_cleanup.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "storage/atomic_file.h"
#include "storage/index_directory.h"
#include "storage/stale_temporaries.h"
#include "tests/child_pipe.h"
#include "tests/scratch_dir.h"

namespace zyphyr {
namespace {

using testing::ScratchDir;

// The pid of a process that has ended (a child forked and reaped).
pid_t GonePid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

void MakeStagingLike(const std::string& dir, const std::string& owner_line) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/shard-0000-g1.zys") << "half a shard";
  if (!owner_line.empty()) std::ofstream(dir + "/" + kStagingOwnerName) << owner_line;
}

TEST(InterruptCleanup, APendingFileIsRegisteredUntilCommittedOrDropped) {
  ScratchDir dir;
  const std::size_t before = RegisteredForInterruptCleanup();
  {
    Result<PendingFile> dropped = PendingFile::Create(dir.File("a.hdf5"));
    ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
    EXPECT_EQ(RegisteredForInterruptCleanup(), before + 1);
    Result<PendingFile> committed = PendingFile::Create(dir.File("b.hdf5"));
    ASSERT_TRUE(committed.ok());
    EXPECT_EQ(RegisteredForInterruptCleanup(), before + 2);
    PendingFile moved = std::move(*committed);  // Moving keeps the one registration.
    EXPECT_EQ(RegisteredForInterruptCleanup(), before + 2);
    ASSERT_TRUE(moved.Commit().ok());
    EXPECT_EQ(RegisteredForInterruptCleanup(), before + 1);
  }
  EXPECT_EQ(RegisteredForInterruptCleanup(), before);
  EXPECT_EQ(dir.List(), std::vector<std::string>{"b.hdf5"});
}

TEST(InterruptCleanup, AStagingDirectoryIsRegisteredUntilPublishedAndLeavesNoOwnerFile) {
  ScratchDir dir;
  const std::size_t before = RegisteredForInterruptCleanup();
  Result<std::string> staging = CreateStagingDirectory(dir.File("idx"));
  ASSERT_TRUE(staging.ok()) << staging.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(*staging + "/" + kStagingOwnerName));
  EXPECT_EQ(RegisteredForInterruptCleanup(), before + 1);
  IndexManifest manifest;  // One empty shard: what the manifest checks accept.
  manifest.dim = 4;
  manifest.shards.push_back(ManifestShard{ShardFileName(0, 1), ShardLogName(0, 1), 1, 0, 0, 0, 0, 0, {}});
  ASSERT_TRUE(PublishIndexDirectory(*staging, dir.File("idx"), manifest).ok());
  EXPECT_EQ(RegisteredForInterruptCleanup(), before);
  EXPECT_FALSE(std::filesystem::exists(dir.File("idx") + "/" + kStagingOwnerName));
  EXPECT_EQ(dir.List(), std::vector<std::string>{"idx"});

  Result<std::string> dropped = CreateStagingDirectory(dir.File("other"));
  ASSERT_TRUE(dropped.ok());
  RemoveStagingDirectory(*dropped);
  EXPECT_EQ(RegisteredForInterruptCleanup(), before);
  EXPECT_EQ(dir.List(), std::vector<std::string>{"idx"});
}

// A child installs the handler, starts writing a file and assembling an index,
// then waits; SIGTERM must remove both and end it by SIGTERM.
TEST(InterruptCleanup, SigtermRemovesWhatTheProcessWasWritingAndEndsItBySigterm) {
  for (int signal : {SIGTERM, SIGINT}) {
    ScratchDir dir;
    pid_t child = 0;
    int ready = -1;
    ASSERT_NO_FATAL_FAILURE(testing::ForkWithPipe(&child, &ready));
    if (child == 0) {
      InstallInterruptCleanup();
      Result<PendingFile> pending = PendingFile::Create(dir.File("out.hdf5"));
      Result<std::string> staging = CreateStagingDirectory(dir.File("idx"));
      if (!pending.ok() || !staging.ok()) ::_exit(3);
      std::ofstream(*staging + "/shard-0000-g1.zys") << "half a shard";
      if (::write(ready, "r", 1) != 1) ::_exit(4);
      for (;;) ::pause();
    }
    char byte = 0;
    ASSERT_EQ(::read(ready, &byte, 1), 1) << "the child did not get ready";
    ::close(ready);
    ASSERT_EQ(dir.List().size(), 2u);  // The temporary and the staging directory.
    ASSERT_EQ(::kill(child, signal), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == signal) << "status " << status;
    EXPECT_EQ(dir.List(), std::vector<std::string>{}) << "signal " << signal;
  }
}

TEST(StaleTemporaries, RemovesThoseOfGoneProcessesOnly) {
  ScratchDir dir;
  const std::string gone = std::to_string(GonePid());
  const std::string alive = std::to_string(::getpid());
  const std::string host = ThisHostName();
  // Staging directories of "idx": owner file, or only the pid in the name.
  MakeStagingLike(dir.File(".idx.tmp-" + gone + "-0-00000001"), host + " " + gone + "\n");
  MakeStagingLike(dir.File(".idx.tmp-" + gone + "-1-00000002"), "");
  MakeStagingLike(dir.File(".idx.tmp-" + alive + "-2-00000003"), "");
  // The pid in the name is gone but the owner file names a live one, or another host.
  MakeStagingLike(dir.File(".idx.tmp-" + gone + "-3-00000004"), host + " " + alive + "\n");
  MakeStagingLike(dir.File(".idx.tmp-" + gone + "-4-00000005"), "not-" + host + " " + gone + "\n");
  // A temporary file of "idx", another target's, and names of another shape.
  std::ofstream(dir.File(".idx.tmp-" + gone + "-5-00000006")) << "x";
  std::ofstream(dir.File(".other.tmp-" + gone + "-6-00000007")) << "x";
  std::ofstream(dir.File(".idx.tmp-x-7")) << "x";
  std::ofstream(dir.File("idx.tmp-" + gone + "-8-00000009")) << "x";

  std::vector<std::string> removed = RemoveStaleTemporaries(dir.File("idx/"));
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<std::string>{dir.File(".idx.tmp-" + gone + "-0-00000001"),
                                               dir.File(".idx.tmp-" + gone + "-1-00000002"),
                                               dir.File(".idx.tmp-" + gone + "-5-00000006")}));
  std::vector<std::string> kept = {".idx.tmp-" + alive + "-2-00000003", ".idx.tmp-" + gone + "-3-00000004",
                                   ".idx.tmp-" + gone + "-4-00000005", ".idx.tmp-x-7",
                                   ".other.tmp-" + gone + "-6-00000007", "idx.tmp-" + gone + "-8-00000009"};
  std::sort(kept.begin(), kept.end());  // As List() is: the pids' digits decide the order.
  EXPECT_EQ(dir.List(), kept);
}

TEST(StaleTemporaries, TheNextBuildAndTheNextWriteOfATargetRemoveThem) {
  ScratchDir dir;
  const std::string gone = std::to_string(GonePid());
  MakeStagingLike(dir.File(".idx.tmp-" + gone + "-0-00000001"), ThisHostName() + " " + gone + "\n");
  std::ofstream(dir.File(".out.hdf5.tmp-" + gone + "-1-00000002")) << "half a result file";

  Result<std::string> staging = CreateStagingDirectory(dir.File("idx"));
  ASSERT_TRUE(staging.ok());
  RemoveStagingDirectory(*staging);
  Result<PendingFile> pending = PendingFile::Create(dir.File("out.hdf5"));
  ASSERT_TRUE(pending.ok());
  ASSERT_TRUE(pending->Commit().ok());
  EXPECT_EQ(dir.List(), std::vector<std::string>{"out.hdf5"});
}

}  // namespace
}  // namespace zyphyr
