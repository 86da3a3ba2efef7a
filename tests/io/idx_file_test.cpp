#include "io/idx_file.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/io/hdf5_test_util.h"

namespace zyphyr {
namespace {

using testing::ScratchDir;

std::string BigEndian(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string IdxBytes(std::uint32_t magic, std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
                     std::size_t pixel_bytes) {
  std::string bytes = BigEndian(magic) + BigEndian(count) + BigEndian(rows) + BigEndian(cols);
  for (std::size_t i = 0; i < pixel_bytes; ++i) bytes.push_back(static_cast<char>((i * 37 + 11) % 256));
  return bytes;
}

void WriteGzip(const std::string& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
}

void ExpectRefused(const std::string& path, StatusCode code, const std::string& message) {
  Result<IdxImages> images = ReadIdxImages(path);
  ASSERT_FALSE(images.ok());
  EXPECT_EQ(images.status().code(), code) << images.status().ToString();
  EXPECT_EQ(images.status().message(), path + ": " + message);
}

TEST(IdxFileTest, ReadsPlainAndGzip) {
  ScratchDir dir;
  const std::string bytes = IdxBytes(0x803, 3, 4, 5, 60);
  const std::string plain = dir.File("images-idx3-ubyte");
  const std::string gz = dir.File("images-idx3-ubyte.gz");
  testing::WriteBytes(plain, bytes);
  ASSERT_NO_FATAL_FAILURE(WriteGzip(gz, bytes));
  EXPECT_NE(testing::ReadBytes(gz), bytes);  // Really compressed.
  for (const std::string& path : {plain, gz}) {
    Result<IdxImages> images = ReadIdxImages(path);
    ASSERT_TRUE(images.ok()) << images.status().ToString();
    EXPECT_EQ(images->count, 3u);
    EXPECT_EQ(images->rows, 4u);
    EXPECT_EQ(images->cols, 5u);
    ASSERT_EQ(images->pixels.size(), 60u);
    for (std::size_t i = 0; i < 60; ++i) EXPECT_EQ(images->pixels[i], static_cast<std::uint8_t>(bytes[16 + i])) << i;
  }
}

// More pixels than one read block, and an image set with no images.
TEST(IdxFileTest, LargeAndEmpty) {
  ScratchDir dir;
  const std::string path = dir.File("big.gz");
  const std::string bytes = IdxBytes(0x803, 3000, 28, 28, 3000 * 28 * 28);
  ASSERT_NO_FATAL_FAILURE(WriteGzip(path, bytes));
  Result<IdxImages> images = ReadIdxImages(path);
  ASSERT_TRUE(images.ok()) << images.status().ToString();
  ASSERT_EQ(images->pixels.size(), 3000u * 28 * 28);
  EXPECT_EQ(std::string(images->pixels.begin(), images->pixels.end()), bytes.substr(16));

  const std::string empty = dir.File("empty");
  testing::WriteBytes(empty, IdxBytes(0x803, 0, 28, 28, 0));
  images = ReadIdxImages(empty);
  ASSERT_TRUE(images.ok());
  EXPECT_EQ(images->count, 0u);
  EXPECT_TRUE(images->pixels.empty());
}

TEST(IdxFileTest, Refusals) {
  ScratchDir dir;
  ExpectRefused(dir.File("missing"), StatusCode::kNotFound, "no such file");

  const std::string labels = dir.File("labels");
  testing::WriteBytes(labels, BigEndian(0x801) + BigEndian(10) + std::string(10, '\1'));
  ExpectRefused(labels, StatusCode::kInvalidArgument, "not an idx image file (magic 0x00000801, expected 0x00000803)");

  const std::string short_pixels = dir.File("short");
  testing::WriteBytes(short_pixels, IdxBytes(0x803, 2, 3, 3, 17));
  ExpectRefused(short_pixels, StatusCode::kInvalidArgument, "truncated (expected 18 bytes of pixels, found 17)");
  const std::string short_gz = dir.File("short.gz");
  ASSERT_NO_FATAL_FAILURE(WriteGzip(short_gz, IdxBytes(0x803, 10, 28, 28, 5000)));
  ExpectRefused(short_gz, StatusCode::kInvalidArgument, "truncated (expected 7840 bytes of pixels, found 5000)");

  const std::string short_header = dir.File("header");
  testing::WriteBytes(short_header, BigEndian(0x803) + BigEndian(1) + std::string(1, '\0'));
  ExpectRefused(short_header, StatusCode::kInvalidArgument, "truncated (expected 16 bytes of header, found 9)");
  const std::string empty = dir.File("zero");
  testing::WriteBytes(empty, "");
  ExpectRefused(empty, StatusCode::kInvalidArgument, "truncated (expected 16 bytes of header, found 0)");

  // A header claiming 4G x 4G x 4G pixels is refused before any allocation.
  const std::string huge = dir.File("huge");
  testing::WriteBytes(huge, IdxBytes(0x803, 0xffffffff, 0xffffffff, 0xffffffff, 4));
  ExpectRefused(huge, StatusCode::kInvalidArgument,
                "header claims 4294967295 x 4294967295 x 4294967295 pixels, too many to address");
  // A claim that fits in size_t but not in the file costs only what the file holds.
  const std::string big_claim = dir.File("big_claim");
  testing::WriteBytes(big_claim, IdxBytes(0x803, 0xffffffff, 0xffff, 0xff, 4));
  ExpectRefused(big_claim, StatusCode::kInvalidArgument,
                "truncated (expected 71775023827845375 bytes of pixels, found 4)");
}

// A gzip stream cut short reads as truncated; a corrupted one is reported with zlib's message.
TEST(IdxFileTest, DamagedGzip) {
  ScratchDir dir;
  const std::string path = dir.File("damaged.gz");
  std::string random_pixels;  // Incompressible, so deflate stores it and a flipped byte is caught by the CRC only.
  std::uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) random_pixels.push_back(static_cast<char>((x = x * 1103515245 + 12345) >> 24));
  ASSERT_NO_FATAL_FAILURE(
      WriteGzip(path, BigEndian(0x803) + BigEndian(20) + BigEndian(1000) + BigEndian(1) + random_pixels));
  const std::string whole = testing::ReadBytes(path);

  testing::WriteBytes(path, whole.substr(0, whole.size() / 2));
  Result<IdxImages> images = ReadIdxImages(path);
  ASSERT_FALSE(images.ok());
  EXPECT_EQ(images.status().code(), StatusCode::kInvalidArgument) << images.status().ToString();
  const std::string prefix = path + ": truncated (expected 20000 bytes of pixels, found ";
  EXPECT_EQ(images.status().message().substr(0, prefix.size()), prefix);

  std::string flipped = whole;
  flipped[whole.size() / 2] = static_cast<char>(~flipped[whole.size() / 2]);
  testing::WriteBytes(path, flipped);
  images = ReadIdxImages(path);
  ASSERT_FALSE(images.ok());
  EXPECT_EQ(images.status().code(), StatusCode::kIOError) << images.status().ToString();
  EXPECT_EQ(images.status().message(), path + ": cannot read: incorrect data check");
}

}  // namespace
}  // namespace zyphyr
