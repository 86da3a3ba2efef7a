#include "cli/options.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace zyphyr::cli {
namespace {

// Parses `value` into an unsigned option checked by `range`; returns CLI11's
// error message, or "" when accepted (then *out holds the value).
std::string ParseWith(const CLI::Validator& range, const std::string& value, std::size_t* out) {
  CLI::App app;
  app.add_option("--k", *out)->check(range);
  std::vector<std::string> args = {value, "--k"};  // CLI11 takes them last first.
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

TEST(OptionsTest, CountRangeRefusesNegativeValuesInsteadOfWrapping) {
  std::size_t k = 0;
  EXPECT_EQ(ParseWith(CountRange(1), "-1", &k), "--k: Value -1 not in range 1 to 1099511627776");
  EXPECT_EQ(ParseWith(CountRange(0), "-1", &k), "--k: Value -1 not in range 0 to 1099511627776");
  // Past 2^64 too: strtoull would take "-18446744073709551615" as 1.
  EXPECT_NE(ParseWith(CountRange(1), "-18446744073709551615", &k), "");
  EXPECT_EQ(ParseWith(CountRange(1), "0", &k), "--k: Value 0 not in range 1 to 1099511627776");
  EXPECT_EQ(ParseWith(CountRange(1), "18446744073709551615", &k),
            "--k: Value 18446744073709551615 not in range 1 to 1099511627776");
  EXPECT_EQ(ParseWith(CountRange(1), "1099511627776", &k), "");
  EXPECT_EQ(k, 1099511627776u);
  EXPECT_EQ(ParseWith(CountRange(0), "0", &k), "");
  EXPECT_EQ(k, 0u);
}

TEST(OptionsTest, ThreadsMAndSeedRanges) {
  std::size_t v = 0;
  EXPECT_EQ(ParseWith(ThreadsRange(), "-1", &v), "--k: Value -1 not in range 0 to 65536");
  EXPECT_EQ(ParseWith(ThreadsRange(), "10000", &v), "");
  EXPECT_EQ(ParseWith(MRange(), "1", &v), "--k: Value 1 not in range 2 to 256");
  EXPECT_EQ(ParseWith(MRange(), "256", &v), "");
  EXPECT_EQ(ParseWith(SeedRange(), "-1", &v), "--k: Value -1 not in range 0 to 9223372036854775807");
  EXPECT_EQ(ParseWith(SeedRange(), "18446744073709551615", &v), "");  // Every uint64 seed can be given.
  EXPECT_EQ(v, 18446744073709551615u);
}

TEST(OptionsTest, PositiveListRefusesNegativeZeroAndHugeEntries) {
  EXPECT_EQ(*ParsePositiveList("--ef", "16,32,64"), (std::vector<std::size_t>{16, 32, 64}));
  EXPECT_EQ(ParsePositiveList("--ef", "16,-1").status().message(),
            "--ef: '-1' is not a positive integer (expected a list such as 16,32,64)");
  EXPECT_EQ(ParsePositiveList("--ef", "0").status().message(),
            "--ef: '0' is not a positive integer (expected a list such as 16,32,64)");
  EXPECT_EQ(ParsePositiveList("--nprobe", "2000000000000").status().message(),
            "--nprobe: 2000000000000 is more than 1099511627776");
}

TEST(OptionsTest, ClampThreadsKeepsZeroAndLowersPastTheHardware) {
  EXPECT_EQ(ClampThreads("--threads", 0, 8).value, 0u);
  EXPECT_EQ(ClampThreads("--threads", 8, 8).value, 8u);
  EXPECT_EQ(ClampThreads("--threads", 8, 8).note, "");
  const Bounded many = ClampThreads("--build-threads", 10000, 8);
  EXPECT_EQ(many.value, 8u);
  EXPECT_EQ(many.note, "note: --build-threads 10000 is more than the 8 hardware threads: using 8");
}

TEST(OptionsTest, ThreadsPerRankSharesTheHardwareOnlyForZero) {
  EXPECT_EQ(ThreadsPerRank(3, 4), 3u);
  EXPECT_EQ(ThreadsPerRank(0, 1), HardwareThreads());
  EXPECT_EQ(ThreadsPerRank(0, 1 << 20), 1u);  // Never 0.
}

TEST(OptionsTest, ClampKLowersToTheRows) {
  const Bounded k = ClampK(1000000, 3000, "the index /x/idx");
  EXPECT_EQ(k.value, 3000u);
  EXPECT_EQ(k.note, "note: --k 1000000 is more than the 3000 rows of the index /x/idx: using k 3000");
  EXPECT_EQ(ClampK(3000, 3000, "x").value, 3000u);
  EXPECT_EQ(ClampK(3000, 3000, "x").note, "");
  EXPECT_EQ(ClampK(10, 0, "x").value, 10u);  // An empty index: nothing to bound by.
}

TEST(OptionsTest, ResultMemoryNamesKTheQueriesAndTheBytes) {
  EXPECT_TRUE(CheckResultMemory(10, 1000, 120000).ok());  // Exactly the memory.
  EXPECT_EQ(CheckResultMemory(10, 1000, 119999).message(),
            "--k 10 with 1000 queries: the results would need 120000 bytes, more than the 119999 bytes of memory");
  EXPECT_EQ(CheckResultMemory(std::size_t{1} << 40, std::size_t{1} << 40, 1000).message(),
            "--k 1099511627776 with 1099511627776 queries: the results would need more than 2^64 bytes, more than "
            "the 1000 bytes of memory");
  EXPECT_TRUE(CheckResultMemory(std::size_t{1} << 40, std::size_t{1} << 40, 0).ok());  // Memory unknown.
  EXPECT_GT(PhysicalMemoryBytes(), 0u);
}

}  // namespace
}  // namespace zyphyr::cli
