// Shard files: byte-exact round trips, search in place equal to the heap
// index, and refusal of every single-byte corruption of the header, the
// section table and the graph, and of every truncation at a section boundary.
#include "storage/shard.h"

#include <gtest/gtest.h>

#include <cstring>

#include "storage/byte_order.h"
#include "storage/crc32c.h"
#include "storage/shard_format.h"
#include "tests/index/index_test_util.h"
#include "tests/scratch_dir.h"
#include "tests/storage/failing_file_ops.h"
#include "tests/storage/shard_test_util.h"
#include "tests/storage/storage_test_util.h"

namespace zyphyr {
namespace {

using testing::OpenEdited;
using testing::ReadBytes;
using testing::ReadShardImage;
using testing::ScratchDir;
using testing::ShardImage;
using testing::SmallIndex;
using testing::WriteBytes;
using testing::WriteIndexShard;

class ShardRoundTrip : public ::testing::TestWithParam<Metric> {};

TEST_P(ShardRoundTrip, MappedShardHoldsTheSameBytesAndSearchesIdentically) {
  ScratchDir dir;
  auto index = SmallIndex(500, 20, GetParam(), 8);
  const WrittenShard written = WriteIndexShard(*index, dir.File("a.zys"));
  auto shard = Shard::Open(dir.File("a.zys"), ShardOpenOptions{true, RerankRows::kAuto});
  ASSERT_TRUE(shard.ok()) << shard.status().ToString();
  const Shard& s = **shard;
  EXPECT_EQ(s.info().file_size, written.bytes);
  EXPECT_EQ(s.info().header_crc32c, written.header_crc32c);
  EXPECT_EQ(s.size(), 500u);
  EXPECT_EQ(s.dim(), 20u);
  EXPECT_EQ(s.metric(), GetParam());
  EXPECT_EQ(s.info().uid, 0x1234u);
  // Rows start on a 64-byte boundary and equal the heap's bit for bit.
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(s.rows().data) % 64, 0u);
  EXPECT_EQ(std::memcmp(s.rows().data, index->store().row(0), 500 * s.rows().stride * sizeof(float)), 0);
  EXPECT_TRUE(std::equal(s.ids().begin(), s.ids().end(), index->store().ids().begin()));
  const HnswGraphView a = s.graph(), b = index->graph().view();
  EXPECT_EQ(a.entry_point, b.entry_point);
  EXPECT_EQ(a.max_level, b.max_level);
  EXPECT_EQ(std::memcmp(a.level0, b.level0, 500 * b.level0_stride() * 4), 0);
  EXPECT_EQ(std::memcmp(a.levels, b.levels, 500), 0);
  EXPECT_FALSE(a.compact.present());
  ASSERT_NE(s.searcher(), nullptr);
  EXPECT_EQ(s.quantized_searcher(), nullptr);
  // Searches read rows, level-0 links, upper offsets and upper links; the ids
  // (contiguous here) and levels stay in the file.
  std::size_t search_bytes = 0;
  for (const ShardSection& section : s.info().sections) {
    const auto kind = static_cast<SectionKind>(section.kind);
    if (kind != SectionKind::kIds && kind != SectionKind::kLevels) search_bytes += section.length;
  }
  EXPECT_EQ(s.SearchBytes(), search_bytes);

  // Searching the mapping gives exactly what the heap index gives.
  HnswSearcher heap(index->store().rows(), index->graph().view(), index->kernels());
  auto queries = ClusteredGaussian(40, 20, 4, 3, SampleStream::kQueries);
  ASSERT_TRUE(queries.ok());
  AlignedBuffer<float> q(PaddedDim(20));
  std::vector<ScoredNode> from_shard, from_heap;
  for (std::size_t i = 0; i < queries->n; ++i) {
    ASSERT_TRUE(PrepareVector(queries->row(i), 20, GetParam(), "query", q.data()).ok());
    for (std::size_t ef : {10u, 64u}) {
      s.searcher()->Search(q.data(), ef, &from_shard);
      heap.Search(q.data(), ef, &from_heap);
      ASSERT_NO_FATAL_FAILURE(testing::ExpectSameNodes(from_shard, from_heap));
    }
  }
  // The same contents give the same bytes.
  WriteIndexShard(*index, dir.File("b.zys"));
  EXPECT_EQ(ReadBytes(dir.File("a.zys")), ReadBytes(dir.File("b.zys")));
  EXPECT_TRUE(s.Verify().ok());
}

INSTANTIATE_TEST_SUITE_P(AllMetrics, ShardRoundTrip,
                         ::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                         [](const auto& info) { return std::string(MetricName(info.param)); });

TEST(Shard, EmptyShardRoundTrips) {
  ScratchDir dir;
  auto index = HnswIndex::Build(VectorStore(5, Metric::kL2), {});
  ASSERT_TRUE(index.ok());
  WriteIndexShard(**index, dir.File("e.zys"));
  auto shard = Shard::Open(dir.File("e.zys"));
  ASSERT_TRUE(shard.ok()) << shard.status().ToString();
  EXPECT_EQ((*shard)->size(), 0u);
  std::vector<ScoredNode> out;
  AlignedBuffer<float> q(16);
  ASSERT_NE((*shard)->searcher(), nullptr);
  (*shard)->searcher()->Search(q.data(), 10, &out);
  EXPECT_TRUE(out.empty());
}

TEST(Shard, WriterRefusesIdsThatDoNotIncrease) {
  ScratchDir dir;
  VectorStore store(2, Metric::kL2);
  ASSERT_TRUE(store.Add(5, std::vector<float>{1, 2}).ok());
  ASSERT_TRUE(store.Add(4, std::vector<float>{3, 4}).ok());
  auto index = HnswIndex::Build(std::move(store), {});
  ASSERT_TRUE(index.ok());
  auto written = WriteShard(dir.File("x.zys"), (*index)->store().rows(), (*index)->store().ids(),
                            (*index)->graph().view(), ShardParams{});
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.status().message(), dir.File("x.zys") + ": ids must increase, but row 1 has id 4 after 5");
  EXPECT_TRUE(dir.List().empty());
}

// A small shard and where its parts are.
ShardImage MakeShardBytes(const ScratchDir& dir) {
  auto index = SmallIndex(60, 8, Metric::kL2, 4);
  WriteIndexShard(*index, dir.File("s.zys"));
  return ReadShardImage(dir.File("s.zys"));
}

TEST(ShardCorruption, EverySingleByteFlipInHeaderTableAndGraphIsRefused) {
  ScratchDir dir;
  const ShardImage clean = MakeShardBytes(dir);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges = {
      {0, kShardHeaderBytes + clean.info.sections.size() * kSectionEntryBytes}};
  for (const ShardSection& s : clean.info.sections) {
    if (s.kind != static_cast<std::uint32_t>(SectionKind::kVectors)) ranges.push_back({s.offset, s.offset + s.length});
  }
  const std::size_t flips = testing::ExpectEveryFlipRefused(clean.bytes, ranges, dir.File("flipped.zys"));
  EXPECT_GT(flips, 4000u);
}

TEST(ShardCorruption, FlippedVectorByteIsCaughtByVerifyNotByOpen) {
  ScratchDir dir;
  const ShardImage clean = MakeShardBytes(dir);
  const ShardSection& vectors = clean.info.sections[0];
  ASSERT_EQ(vectors.kind, static_cast<std::uint32_t>(SectionKind::kVectors));
  std::string bytes = clean.bytes;
  bytes[vectors.offset + 100] ^= 0x10;
  const std::string path = dir.File("v.zys");
  WriteBytes(path, bytes);
  auto shard = Shard::Open(path);
  ASSERT_TRUE(shard.ok());
  Status verified = (*shard)->Verify();
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.code(), StatusCode::kCorruption);
  EXPECT_EQ(verified.message().rfind(path + ": vectors section at offset 4096: checksum mismatch (stored 0x", 0), 0u)
      << verified.message();
  auto strict = Shard::Open(path, ShardOpenOptions{true, RerankRows::kAuto});
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().message(), verified.message());
}

TEST(ShardCorruption, TruncationAtEverySectionBoundaryIsRefused) {
  ScratchDir dir;
  const ShardImage clean = MakeShardBytes(dir);
  std::vector<std::uint64_t> cuts = {
      0, 1, 7, 8, 127, 128, kShardHeaderBytes + 6 * kSectionEntryBytes - 1, clean.bytes.size() - 1};
  for (const ShardSection& s : clean.info.sections) {
    cuts.push_back(s.offset);
    cuts.push_back(s.offset + s.length / 2);
    if (s.offset + s.length < clean.bytes.size()) cuts.push_back(s.offset + s.length);
  }
  const std::string path = dir.File("cut.zys");
  for (std::uint64_t cut : cuts) {
    WriteBytes(path, clean.bytes.substr(0, cut));
    auto shard = Shard::Open(path);
    ASSERT_FALSE(shard.ok()) << "cut at " << cut;
    EXPECT_EQ(shard.status().code(), StatusCode::kCorruption) << cut;
    if (cut >= kShardHeaderBytes + 6 * kSectionEntryBytes) {
      EXPECT_EQ(shard.status().message(), path + ": truncated: " + std::to_string(cut) + " bytes, the header says " +
                                              std::to_string(clean.bytes.size()));
    }
  }
  // And bytes appended are refused too.
  WriteBytes(path, clean.bytes + "x");
  auto longer = Shard::Open(path);
  ASSERT_FALSE(longer.ok());
  EXPECT_EQ(longer.status().message(), path + ": has trailing bytes: " + std::to_string(clean.bytes.size() + 1) +
                                           " bytes, the header says " + std::to_string(clean.bytes.size()));
}

TEST(ShardCorruption, CraftedFilesWithValidChecksumsAreRefusedByStructure) {
  ScratchDir dir;
  const ShardImage clean = MakeShardBytes(dir);
  const std::string path = dir.File("crafted.zys");
  const ShardSection& level0 = clean.info.sections[3];
  ASSERT_EQ(level0.kind, static_cast<std::uint32_t>(SectionKind::kLevel0Links));
  auto open_edited = [&](auto edit) { return OpenEdited(clean, path, edit); };
  // A neighbour id past the rows (node 2's first link, level 0; stride 1 + 2M = 9).
  const std::uint64_t link = level0.offset + (2 * 9 + 1) * 4;
  EXPECT_EQ(open_edited([&](unsigned char* p) { StoreLe<std::uint32_t>(p + link, 900); }),
            path + ": level-0 links section at offset " + std::to_string(link) +
                ": node 2 links to node 900 on level 0, past the 60 rows");
  // A degree above 2M.
  const std::uint64_t count = level0.offset + 5 * 9 * 4;
  EXPECT_EQ(open_edited([&](unsigned char* p) { StoreLe<std::uint32_t>(p + count, 9); }),
            path + ": level-0 links section at offset " + std::to_string(count) +
                ": node 5 has 9 links on level 0, at most 8");
  // Rows beyond what the sections hold: a huge count whose byte sizes overflow.
  EXPECT_NE(open_edited([&](unsigned char* p) { StoreLe<std::uint64_t>(p + shard_header::kRows, 1ull << 62); }),
            "accepted");
  // A section pointing past the end of the file.
  EXPECT_EQ(open_edited([&](unsigned char* p) {
              StoreLe<std::uint64_t>(p + kShardHeaderBytes + 3 * kSectionEntryBytes + section_entry::kOffset,
                                     ~std::uint64_t{0} - 4095);
            }),
            path + ": section table entry 3 (level-0 links section): offset 18446744073709547520 + length " +
                std::to_string(level0.length) + " runs past the end of the file (" +
                std::to_string(clean.bytes.size()) + " bytes)");
  // Entry point off the top level.
  EXPECT_NE(open_edited([&](unsigned char* p) { StoreLe<std::int32_t>(p + shard_header::kMaxLevel, 9); }), "accepted");
}

TEST(ShardCorruption, IdentityErrorsNameTheProblem) {
  ScratchDir dir;
  const ShardImage clean = MakeShardBytes(dir);
  const std::string path = dir.File("id.zys");
  std::string bytes = clean.bytes;
  bytes[0] = 'X';
  WriteBytes(path, bytes);
  EXPECT_EQ(Shard::Open(path).status().message(), path + ": not a Zyphyr shard file (bad magic)");
  bytes = clean.bytes;
  bytes[shard_header::kMajor] = 3;
  WriteBytes(path, bytes);
  auto v3 = Shard::Open(path);
  EXPECT_EQ(v3.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(v3.status().message(), path + ": unsupported shard version 3.0 (this build reads 1.x and 2.x)");
  bytes = clean.bytes;
  StoreLe<std::uint32_t>(reinterpret_cast<unsigned char*>(bytes.data()) + shard_header::kEndian, 0x04030201u);
  WriteBytes(path, bytes);
  EXPECT_EQ(Shard::Open(path).status().message(),
            path + ": written with another byte order (endianness marker 0x04030201, expected 0x01020304)");
  bytes = clean.bytes;
  bytes[shard_header::kDim] ^= 1;
  WriteBytes(path, bytes);
  EXPECT_EQ(Shard::Open(path).status().message().rfind(path + ": header checksum mismatch (stored 0x", 0), 0u);
  EXPECT_EQ(Shard::Open(dir.File("none.zys")).status().message(), dir.File("none.zys") + ": no such file");
}

TEST(ShardFaults, FailedWriteReportsTheErrorAndKeepsThePreviousShard) {
  ScratchDir dir;
  auto old_index = SmallIndex(60, 8, Metric::kL2, 4, 1);
  auto new_index = SmallIndex(80, 8, Metric::kL2, 4, 2);
  const std::string path = dir.File("s.zys");
  WriteIndexShard(*old_index, path);
  const std::string before = ReadBytes(path);
  for (std::size_t budget : {0u, 100u, 4096u, 5000u, 20000u}) {
    testing::FailingFileOps full(budget, ENOSPC);
    auto written = WriteShard(path, new_index->store().rows(), new_index->store().ids(), new_index->graph().view(),
                              ShardParams{}, full);
    ASSERT_FALSE(written.ok()) << budget;
    EXPECT_EQ(written.status().code(), StatusCode::kIOError);
    EXPECT_EQ(written.status().message(), path + ": cannot write: No space left on device");
    EXPECT_EQ(ReadBytes(path), before);
    EXPECT_EQ(dir.List(), std::vector<std::string>{"s.zys"});  // No temporary left behind.
  }
  testing::FailingFileOps bad_sync(~std::size_t{0}, 0, true);
  auto written = WriteShard(path, new_index->store().rows(), new_index->store().ids(), new_index->graph().view(),
                            ShardParams{}, bad_sync);
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.status().message(), path + ": cannot fsync: Input/output error");
  EXPECT_EQ(ReadBytes(path), before);
  auto shard = Shard::Open(path);
  ASSERT_TRUE(shard.ok());
  EXPECT_EQ((*shard)->size(), 60u);
}

}  // namespace
}  // namespace zyphyr
