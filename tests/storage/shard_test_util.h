// Shared helpers for the shard file tests: a written shard's bytes and
// layout, and opening an edited (resealed) copy of them.
#ifndef ZYPHYR_TESTS_STORAGE_SHARD_TEST_UTIL_H_
#define ZYPHYR_TESTS_STORAGE_SHARD_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <string>

#include "storage/shard.h"
#include "storage/shard_format.h"
#include "tests/scratch_dir.h"
#include "tests/storage/storage_test_util.h"

namespace zyphyr::testing {

// A shard file's bytes and the header Shard::Open read from them.
struct ShardImage {
  std::string bytes;
  ShardHeader info;
};

// Opens the shard at `path` (a test failure when it does not open) and
// returns its bytes and header.
inline ShardImage ReadShardImage(const std::string& path) {
  auto shard = Shard::Open(path);
  EXPECT_TRUE(shard.ok()) << shard.status().ToString();
  return {ReadBytes(path), (*shard)->info()};
}

// Applies `edit` (called with the first byte) to a copy of `image`, reseals
// every checksum, writes the result to `path` and opens it. Returns
// "accepted" when Shard::Open accepts it, else the refusal's message.
template <typename Edit>
std::string OpenEdited(const ShardImage& image, const std::string& path, Edit edit) {
  std::string bytes = image.bytes;
  edit(reinterpret_cast<unsigned char*>(bytes.data()));
  Reseal(&bytes, image.info);
  WriteBytes(path, bytes);
  auto shard = Shard::Open(path);
  return shard.ok() ? std::string("accepted") : shard.status().message();
}

}  // namespace zyphyr::testing

#endif  // ZYPHYR_TESTS_STORAGE_SHARD_TEST_UTIL_H_
