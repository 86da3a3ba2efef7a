// A default-constructed Communicator: one rank without MPI, whose collectives
// are local copies. No MPI function is called here (MPI is not initialised in
// the unit-test binary).
#include "mpi/communicator.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace zyphyr {
namespace {

TEST(Communicator, DefaultIsOneRankWithoutMpi) {
  Communicator comm;
  EXPECT_EQ(comm.rank(), 0);
  EXPECT_EQ(comm.size(), 1);
  EXPECT_TRUE(comm.is_root());
  EXPECT_EQ(comm.local_size(), 1);
  EXPECT_FALSE(comm.uses_mpi());
}

TEST(Communicator, AgreeReturnsTheLocalStatusUnchanged) {
  Communicator comm;
  EXPECT_TRUE(comm.Agree(Status::Ok()).ok());
  for (const Status& local : {Status::InvalidArgument("--k must be positive"), Status::NotFound("/idx: no such directory"),
                              Status::Corruption("x.zys: bad checksum"), Status::IOError("disk full"),
                              Status::Unsupported("too big"), Status::OutOfRange("k"), Status::Internal("oops")}) {
    const Status agreed = comm.Agree(local);
    EXPECT_EQ(agreed.code(), local.code());
    // One rank: no "rank 0: " prefix, no count of other failures.
    EXPECT_EQ(agreed.message(), local.message());
  }
}

TEST(Communicator, BroadcastLeavesValues) {
  Communicator comm;
  std::string bytes("payload\0with a NUL", 18);
  ASSERT_TRUE(comm.Broadcast(&bytes).ok());
  EXPECT_EQ(bytes, std::string("payload\0with a NUL", 18));
  std::string empty;
  ASSERT_TRUE(comm.Broadcast(&empty).ok());
  EXPECT_TRUE(empty.empty());

  std::vector<float> values = {1.5f, -2.0f, 0.0f, 3e38f};
  ASSERT_TRUE(comm.Broadcast(&values).ok());
  EXPECT_EQ(values, (std::vector<float>{1.5f, -2.0f, 0.0f, 3e38f}));
  std::vector<float> none;
  ASSERT_TRUE(comm.Broadcast(&none).ok());
  EXPECT_TRUE(none.empty());
}

TEST(Communicator, GatherReturnsMine) {
  Communicator comm;
  Result<std::vector<std::string>> all = comm.Gather("rank zero's part");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, std::vector<std::string>{"rank zero's part"});
  Result<std::vector<std::string>> empty = comm.Gather("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, std::vector<std::string>{""});
}

TEST(Communicator, AllToAllReturnsWhatRankZeroSendsItself) {
  Communicator comm;
  std::vector<std::byte> records;
  for (int i = 0; i < 24; ++i) records.push_back(static_cast<std::byte>(i * 7));
  Result<std::vector<std::byte>> got = comm.AllToAll({records}, 8);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, records);
  Result<std::vector<std::byte>> nothing = comm.AllToAll(std::vector<std::vector<std::byte>>(1), 4);
  ASSERT_TRUE(nothing.ok());
  EXPECT_TRUE(nothing->empty());
}

TEST(Communicator, AbortWithoutMpiReturns) {
  Communicator comm;
  comm.Abort(3);
  SUCCEED();
}

TEST(Communicator, AsBytesViewsTheSameMemory) {
  const std::vector<std::uint32_t> ids = {1, 2, 3};
  const std::span<const std::byte> bytes = AsBytes(ids);
  EXPECT_EQ(bytes.size(), 12u);
  EXPECT_EQ(static_cast<const void*>(bytes.data()), static_cast<const void*>(ids.data()));
  const std::string text = "abc";
  EXPECT_EQ(AsBytes(text).size(), 3u);
  EXPECT_EQ(static_cast<const void*>(AsBytes(text).data()), static_cast<const void*>(text.data()));
}

}  // namespace
}  // namespace zyphyr
