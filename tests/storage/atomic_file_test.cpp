#include "storage/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>
#include <string>
#include <vector>

#include "tests/io/hdf5_test_util.h"

namespace zyphyr {
namespace {

using testing::ScratchDir;

mode_t PermissionBits(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(AtomicFileTest, TempPathsAreUniqueSiblings) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string tmp = TempPathFor("some/dir/data.hdf5");
    EXPECT_EQ(tmp.rfind("some/dir/.data.hdf5.tmp-", 0), 0u) << tmp;
    EXPECT_TRUE(seen.insert(tmp).second) << tmp;
  }
  EXPECT_EQ(TempPathFor("plain.hdf5").rfind(".plain.hdf5.tmp-", 0), 0u);
  EXPECT_EQ(TempPathFor("/top.hdf5").rfind("/.top.hdf5.tmp-", 0), 0u);
}

TEST(AtomicFileTest, CreateTempFileFor) {
  ScratchDir dir;
  const std::string final_path = dir.File("x.bin");
  Result<std::string> tmp = CreateTempFileFor(final_path);
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString();
  EXPECT_EQ(testing::ReadBytes(*tmp), "");
  EXPECT_EQ(dir.List().size(), 1u);

  const std::string nested = dir.File("missing/x.bin");
  Result<std::string> failed = CreateTempFileFor(nested);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kIOError);
  EXPECT_EQ(failed.status().message(), nested + ": cannot create: No such file or directory");
}

TEST(AtomicFileTest, RenameReplacesAndFsyncReportsErrno) {
  ScratchDir dir;
  const std::string final_path = dir.File("x.bin");
  const std::string tmp = dir.File(".x.bin.tmp");
  testing::WriteBytes(final_path, "old");
  testing::WriteBytes(tmp, "new");
  ASSERT_TRUE(FsyncFile(tmp).ok());
  ASSERT_TRUE(RenameAtomically(tmp, final_path).ok());
  EXPECT_EQ(testing::ReadBytes(final_path), "new");
  EXPECT_EQ(dir.List(), std::vector<std::string>{"x.bin"});

  Status st = RenameAtomically(tmp, final_path);  // The temporary is gone now.
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_EQ(st.message(), final_path + ": cannot rename " + tmp + " into place: No such file or directory");
  st = FsyncFile(tmp);
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_EQ(st.message(), tmp + ": cannot open: No such file or directory");
  EXPECT_TRUE(FsyncParentDirectory(final_path).ok());
}

TEST(AtomicFileTest, RemoveQuietlyIgnoresMissingFiles) {
  ScratchDir dir;
  const std::string path = dir.File("x");
  testing::WriteBytes(path, "x");
  RemoveQuietly(path);
  EXPECT_TRUE(dir.List().empty());
  RemoveQuietly(path);
  RemoveQuietly("");
}

TEST(AtomicFileTest, CopyFileContentsKeepsBytesAndMode) {
  ScratchDir dir;
  const std::string from = dir.File("from");
  const std::string to = dir.File("to");
  std::string bytes;
  for (int i = 0; i < 3 * (1 << 20) + 17; ++i) bytes.push_back(static_cast<char>(i * 31));
  testing::WriteBytes(from, bytes);
  ASSERT_EQ(::chmod(from.c_str(), 0640), 0);
  testing::WriteBytes(to, std::string(5 << 20, 'z'));  // Longer: must be truncated.
  ASSERT_TRUE(CopyFileContents(from, to).ok());
  EXPECT_EQ(testing::ReadBytes(to), bytes);
  EXPECT_EQ(PermissionBits(to), 0640u);

  Status st = CopyFileContents(dir.File("none"), to);
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_EQ(st.message(), dir.File("none") + ": cannot open: No such file or directory");
}

TEST(AtomicFileTest, PendingFileCommitsOrCleansUp) {
  ScratchDir dir;
  const std::string final_path = dir.File("x.bin");
  {
    Result<PendingFile> pending = PendingFile::Create(final_path);
    ASSERT_TRUE(pending.ok());
    testing::WriteBytes(pending->temp_path(), "draft");
    EXPECT_EQ(dir.List().size(), 1u);
  }
  EXPECT_TRUE(dir.List().empty());  // Dropped uncommitted: removed.

  Result<PendingFile> pending = PendingFile::Create(final_path);
  ASSERT_TRUE(pending.ok());
  testing::WriteBytes(pending->temp_path(), "done");
  PendingFile moved = std::move(pending).value();
  ASSERT_TRUE(moved.Commit().ok());
  EXPECT_EQ(dir.List(), std::vector<std::string>{"x.bin"});
  EXPECT_EQ(testing::ReadBytes(final_path), "done");
  Status again = moved.Commit();
  EXPECT_EQ(again.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(again.message(), final_path + ": nothing to commit (already committed)");
}

}  // namespace
}  // namespace zyphyr
