// Shared helpers for the storage tests: small built indexes and shard files.
#ifndef ZYPHYR_TESTS_STORAGE_STORAGE_TEST_UTIL_H_
#define ZYPHYR_TESTS_STORAGE_STORAGE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/data/synthetic.h"
#include "src/index/hnsw_index.h"
#include "storage/byte_order.h"
#include "storage/crc32c.h"
#include "storage/file_ops.h"
#include "storage/shard.h"
#include "storage/shard_format.h"
#include "tests/index/index_test_util.h"
#include "tests/scratch_dir.h"

namespace zyphyr::testing {

// An index over n clustered points of `dim` dimensions, built on one thread
// (so deterministic).
inline std::unique_ptr<HnswIndex> SmallIndex(std::size_t n, std::size_t dim, Metric metric = Metric::kL2,
                                             std::size_t M = 4, std::uint64_t seed = 3) {
  auto data = ClusteredGaussian(n, dim, 4, seed);
  EXPECT_TRUE(data.ok());
  HnswBuildOptions options;
  options.M = M;
  options.ef_construction = 32;
  return BuildIndex(*data, metric, options);
}

// Writes `index` as a shard at `path` with a fixed uid.
inline WrittenShard WriteIndexShard(const HnswIndex& index, const std::string& path, std::uint64_t uid = 0x1234,
                                    const FileOps& ops = SystemFileOps()) {
  auto written =
      WriteShard(path, index.store().rows(), index.store().ids(), index.graph().view(), ShardParams{32, 3, uid}, ops);
  EXPECT_TRUE(written.ok()) << written.status().ToString();
  return written.ok() ? *written : WrittenShard{};
}

// Rewrites every checksum of a shard image after an edit, as a crafted
// (malicious) file would, so that the edit reaches the structural checks.
inline void Reseal(std::string* bytes, const ShardHeader& info) {
  auto* p = reinterpret_cast<unsigned char*>(bytes->data());
  for (std::size_t i = 0; i < info.sections.size(); ++i) {
    const ShardSection& s = info.sections[i];
    StoreLe<std::uint32_t>(p + kShardHeaderBytes + i * kSectionEntryBytes + section_entry::kCrc,
                           Crc32c(p + s.offset, s.length));
  }
  StoreLe<std::uint32_t>(p + shard_header::kHeaderCrc, 0);
  StoreLe<std::uint32_t>(p + shard_header::kHeaderCrc,
                         Crc32c(p, kShardHeaderBytes + info.sections.size() * kSectionEntryBytes));
}

// Flips every byte of `image` in [begin, end) of each range (every `step`-th
// byte of ranges longer than 4096 bytes), two ways (^0x01, ^0xFF), writes the
// result to `path` and expects Shard::Open to refuse it as Corruption or
// Unsupported naming `path`. Returns the flips tried (stops at the first
// accepted one, with a test failure).
inline std::size_t ExpectEveryFlipRefused(const std::string& image,
                                          const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges,
                                          const std::string& path, std::uint64_t step = 1) {
  std::size_t flips = 0;
  for (const auto& [begin, end] : ranges) {
    const std::uint64_t stride = end - begin > 4096 ? step : 1;
    for (std::uint64_t at = begin; at < end; at += stride) {
      for (unsigned char mask : {0x01, 0xFF}) {
        std::string bytes = image;
        bytes[at] = static_cast<char>(bytes[at] ^ mask);
        WriteBytes(path, bytes);
        auto shard = Shard::Open(path);
        if (shard.ok()) {
          ADD_FAILURE() << "byte " << at << " ^ " << int{mask} << " was accepted";
          return flips;
        }
        const bool refused =
            shard.status().code() == StatusCode::kCorruption || shard.status().code() == StatusCode::kUnsupported;
        if (!refused || shard.status().message().rfind(path + ": ", 0) != 0) {
          ADD_FAILURE() << "byte " << at << " ^ " << int{mask} << ": " << shard.status().ToString();
          return flips;
        }
        ++flips;
      }
    }
  }
  return flips;
}

}  // namespace zyphyr::testing

#endif  // ZYPHYR_TESTS_STORAGE_STORAGE_TEST_UTIL_H_
