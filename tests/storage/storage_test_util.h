// Shared helpers for the storage tests: small built indexes and shard files.
#ifndef ZYPHYR_TESTS_STORAGE_STORAGE_TEST_UTIL_H_
#define ZYPHYR_TESTS_STORAGE_STORAGE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>

#include "src/data/synthetic.h"
#include "src/index/hnsw_index.h"
#include "storage/file_ops.h"
#include "storage/shard.h"
#include "tests/index/index_test_util.h"

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

// FileOps that write the first `budget` bytes and then fail with `error`
// (a short write first, as a full disk does), or fail every fsync.
class FailingFileOps final : public FileOps {
 public:
  FailingFileOps(std::size_t budget, int error, bool fail_sync = false)
      : budget_(budget), error_(error), fail_sync_(fail_sync) {}
  ssize_t Write(int fd, const void* data, std::size_t size) const override {
    if (budget_ == 0) {
      errno = error_;
      return -1;
    }
    const std::size_t n = size < budget_ ? size : budget_;
    budget_ -= n;
    return SystemFileOps().Write(fd, data, n);
  }
  int Sync(int fd) const override {
    if (fail_sync_) {
      errno = EIO;
      return -1;
    }
    return SystemFileOps().Sync(fd);
  }

 private:
  mutable std::size_t budget_;
  int error_;
  bool fail_sync_;
};

}  // namespace zyphyr::testing

#endif  // ZYPHYR_TESTS_STORAGE_STORAGE_TEST_UTIL_H_
