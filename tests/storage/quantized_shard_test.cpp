// Shards with codes (format 1.2): byte-exact round trips of the quantizer,
// the codes and the biases; search in place (codes from the mapping, rows
// re-read with pread) equal to the same search over memory; refusal of every
// single-byte corruption of the new sections and of crafted files whose
// checksums are valid.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "src/index/quantized_searcher.h"
#include "src/quant/quantizer.h"
#include "storage/byte_order.h"
#include "storage/crc32c.h"
#include "storage/shard.h"
#include "storage/shard_format.h"
#include "tests/index/index_test_util.h"
#include "tests/quant/metric_encoding_params.h"
#include "tests/scratch_dir.h"
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

struct Quantized {
  Quantizer quantizer;
  EncodedRows codes;
};

Quantized Quantize(const HnswIndex& index, Encoding encoding) {
  Result<Quantizer> q = Quantizer::Train(index.store().rows(), {.encoding = encoding, .pq_m = 4, .seed = 5});
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  EncodedRows codes = q->Encode(index.store().rows(), 1);
  return {std::move(*q), std::move(codes)};
}

WrittenShard WriteQuantizedShard(const HnswIndex& index, const Quantized& q, const std::string& path) {
  ShardParams params{32, 3, 0x1234};
  params.quantizer = &q.quantizer;
  params.codes = &q.codes;
  auto written = WriteShard(path, index.store().rows(), index.store().ids(), index.graph().view(), params);
  EXPECT_TRUE(written.ok()) << written.status().ToString();
  return written.ok() ? *written : WrittenShard{};
}

class QuantizedShardRoundTrip : public testing::MetricEncodingTest {};

TEST_P(QuantizedShardRoundTrip, CodesAndQuantizerRoundTripAndSearchInPlaceEqualsMemory) {
  ScratchDir dir;
  auto index = SmallIndex(600, 16, metric(), 8);
  const Quantized q = Quantize(*index, encoding());
  WriteQuantizedShard(*index, q, dir.File("a.zys"));
  auto opened = Shard::Open(dir.File("a.zys"), ShardOpenOptions{true, RerankRows::kFile});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const Shard& s = **opened;
  EXPECT_FALSE(s.rerank_from_memory());
  EXPECT_EQ(s.info().major, 1);
  EXPECT_EQ(s.info().minor, 2);
  EXPECT_EQ(s.encoding(), encoding());
  EXPECT_EQ(s.info().code_stride, q.quantizer.code_stride());
  EXPECT_EQ(s.info().code_error_bound, q.codes.max_error);
  EXPECT_GT(q.codes.max_error, 0.0f);
  EXPECT_EQ(s.codes().error_bound, q.codes.max_error);
  ASSERT_NE(s.quantizer(), nullptr);
  EXPECT_EQ(s.quantizer()->Serialize(), q.quantizer.Serialize());
  EXPECT_EQ(std::memcmp(s.codes().codes, q.codes.codes.data(), q.codes.codes.size()), 0);
  EXPECT_EQ(s.codes().biases != nullptr, q.quantizer.HasBiases());
  if (q.quantizer.HasBiases()) {
    EXPECT_EQ(std::memcmp(s.codes().biases, q.codes.biases.data(), q.codes.biases.size() * 4), 0);
  }
  EXPECT_TRUE(s.Verify().ok());
  // The links are stored compactly as well, and searches read that copy.
  const HnswGraphView& g = s.graph();
  ASSERT_TRUE(g.compact.present());
  EXPECT_EQ(g.compact.level0_bits, 10u);  // 600 nodes.
  const HnswGraphView built = index->graph().view();
  std::uint32_t unpacked[64];
  std::size_t upper_nodes = 0;
  for (std::uint32_t node = 0; node < 600; ++node) {
    std::uint32_t count = 0;
    const std::uint32_t* ids = g.Level0Neighbors(node, unpacked, &count);
    const std::uint32_t* block = built.Block(node, 0);
    ASSERT_EQ(count, block[0]);
    ASSERT_TRUE(std::equal(ids, ids + count, block + 1)) << "node " << node;
    if (built.level(node) == 0) continue;
    const std::uint32_t local = g.compact.LocalOf(node);
    ASSERT_EQ(local, upper_nodes++);
    ASSERT_EQ(g.compact.upper_nodes[local], node);
    for (int level = 1; level <= built.level(node); ++level) {
      std::span<const std::uint32_t> want = built.Neighbors(node, level);
      const std::uint32_t got = g.compact.Upper(local, level, unpacked);
      ASSERT_EQ(got, want.size());
      for (std::uint32_t j = 0; j < got; ++j) ASSERT_EQ(g.compact.upper_nodes[unpacked[j]], want[j]);
    }
  }
  EXPECT_EQ(g.compact.upper_count, upper_nodes);
  EXPECT_GT(upper_nodes, 0u);
  // What searches keep resident: the model, codes, biases and compact links.
  std::size_t search_bytes = 0;
  for (const ShardSection& section : s.info().sections) {
    if (section.kind >= static_cast<std::uint32_t>(SectionKind::kQuantizer)) search_bytes += section.length;
  }
  EXPECT_EQ(s.SearchBytes(), search_bytes);
  EXPECT_LT(s.SearchBytes(), s.info().file_size / 3);

  // The mapped shard's searcher (rows read back with pread) finds exactly
  // what the same search over memory finds.
  MemoryRowSource rows(index->store().rows());
  QuantizedSearcher memory(index->graph().view(),
                           {q.codes.codes.data(), 600, q.quantizer.code_stride(),
                            q.codes.biases.empty() ? nullptr : q.codes.biases.data(), q.codes.max_error},
                           q.quantizer, rows, index->store().stride(), index->kernels());
  ASSERT_NE(s.quantized_searcher(), nullptr);
  EXPECT_EQ(s.searcher(), nullptr);  // The rows are searched only to re-rank.
  auto queries = ClusteredGaussian(30, 16, 4, 3, SampleStream::kQueries);
  ASSERT_TRUE(queries.ok());
  AlignedBuffer<float> query(PaddedDim(16));
  std::vector<ScoredNode> from_shard, from_memory;
  for (std::size_t i = 0; i < queries->n; ++i) {
    ASSERT_TRUE(PrepareVector(queries->row(i), 16, metric(), "query", query.data()).ok());
    ASSERT_TRUE(s.quantized_searcher()->Search(query.data(), 32, 10, 16, &from_shard).ok());
    ASSERT_TRUE(memory.Search(query.data(), 32, 10, 16, &from_memory).ok());
    ASSERT_NO_FATAL_FAILURE(testing::ExpectSameNodes(from_shard, from_memory));
  }
  // The same contents give the same bytes.
  WriteQuantizedShard(*index, q, dir.File("b.zys"));
  EXPECT_EQ(ReadBytes(dir.File("a.zys")), ReadBytes(dir.File("b.zys")));
}

// Re-ranking from the mapping and with pread read the same rows: the same
// nodes and distances, the same rows read per query; searches then keep the
// rows resident too (SearchBytes counts the vectors section).
TEST_P(QuantizedShardRoundTrip, RerankFromMemoryEqualsRerankFromTheFile) {
  ScratchDir dir;
  auto index = SmallIndex(600, 16, metric(), 8);
  const Quantized q = Quantize(*index, encoding());
  WriteQuantizedShard(*index, q, dir.File("a.zys"));
  auto from_file = Shard::Open(dir.File("a.zys"), ShardOpenOptions{false, RerankRows::kFile});
  auto from_memory = Shard::Open(dir.File("a.zys"), ShardOpenOptions{false, RerankRows::kMemory});
  auto automatic = Shard::Open(dir.File("a.zys"));  // 600 rows: far under a quarter of RAM.
  ASSERT_TRUE(from_file.ok() && from_memory.ok() && automatic.ok());
  EXPECT_FALSE((*from_file)->rerank_from_memory());
  EXPECT_TRUE((*from_memory)->rerank_from_memory());
  EXPECT_TRUE((*automatic)->rerank_from_memory());
  const std::uint64_t vectors = (*from_memory)->info().Find(SectionKind::kVectors)->length;
  EXPECT_EQ((*from_memory)->SearchBytes(), (*from_file)->SearchBytes() + vectors);
  auto queries = ClusteredGaussian(30, 16, 4, 3, SampleStream::kQueries);
  ASSERT_TRUE(queries.ok());
  AlignedBuffer<float> query(PaddedDim(16));
  std::vector<ScoredNode> a, b;
  for (std::size_t i = 0; i < queries->n; ++i) {
    ASSERT_TRUE(PrepareVector(queries->row(i), 16, metric(), "query", query.data()).ok());
    const std::uint64_t reads_before = QuantizedSearcher::ThreadRowReads();
    ASSERT_TRUE((*from_file)->quantized_searcher()->Search(query.data(), 32, 10, 16, &a).ok());
    const std::uint64_t file_reads = QuantizedSearcher::ThreadRowReads() - reads_before;
    ASSERT_TRUE((*from_memory)->quantized_searcher()->Search(query.data(), 32, 10, 16, &b).ok());
    const std::uint64_t memory_reads = QuantizedSearcher::ThreadRowReads() - reads_before - file_reads;
    ASSERT_NO_FATAL_FAILURE(testing::ExpectSameNodes(a, b));
    EXPECT_EQ(file_reads, memory_reads) << "query " << i;
    EXPECT_GT(file_reads, 0u) << "query " << i;
  }
  EXPECT_EQ(ParseRerankRows("file").status().ok(), true);
  EXPECT_EQ(ParseRerankRows("disk").status().message(),
            "--rerank-rows: 'disk' is not known (expected auto, memory or file)");
}

INSTANTIATE_TEST_SUITE_P(MetricsAndEncodings, QuantizedShardRoundTrip, testing::EveryMetricAndCodedEncoding(),
                         testing::MetricEncodingName);

TEST(QuantizedShard, ShardsWithoutCodesStayVersion10) {
  ScratchDir dir;
  auto index = SmallIndex(300, 8);
  testing::WriteIndexShard(*index, dir.File("f.zys"));
  auto s = Shard::Open(dir.File("f.zys"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->info().minor, 0);
  EXPECT_EQ((*s)->encoding(), Encoding::kFloat32);
  EXPECT_EQ((*s)->quantized_searcher(), nullptr);
  EXPECT_NE((*s)->searcher(), nullptr);
  EXPECT_EQ((*s)->info().sections.size(), 6u);
}

TEST(QuantizedShard, WriterRefusesCodesThatDoNotFit) {
  ScratchDir dir;
  auto index = SmallIndex(300, 8);
  Quantized q = Quantize(*index, Encoding::kInt8);
  q.codes.codes.pop_back();
  ShardParams params{32, 3, 1};
  params.quantizer = &q.quantizer;
  params.codes = &q.codes;
  auto written =
      WriteShard(dir.File("x.zys"), index->store().rows(), index->store().ids(), index->graph().view(), params);
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.status().message(),
            dir.File("x.zys") +
                ": the codes do not fit the rows (4799 code bytes 16 apart and 0 biases for 300 rows of "
                "dimension 8)");
  EXPECT_TRUE(dir.List().empty());
}

// Shards written before int8 codes took whole cache lines hold them 16 bytes
// apart (100-byte codes 112 apart, not 128): such a shard opens, and every
// search of it finds what the same shard with the current stride finds.
TEST(QuantizedShard, Int8CodesAtTheEarlierStrideSearchTheSame) {
  for (Metric metric : {Metric::kL2, Metric::kCosine}) {
    ScratchDir dir;
    auto index = SmallIndex(400, 100, metric, 8);
    const Quantized q = Quantize(*index, Encoding::kInt8);
    ASSERT_EQ(q.codes.stride, 128u);
    Quantized legacy{q.quantizer, q.codes};
    legacy.codes.stride = 112;
    legacy.codes.codes.assign(400 * 112, 0);
    for (std::size_t i = 0; i < 400; ++i) {
      std::copy_n(q.codes.codes.begin() + static_cast<std::ptrdiff_t>(i * 128), 100,
                  legacy.codes.codes.begin() + static_cast<std::ptrdiff_t>(i * 112));
    }
    WriteQuantizedShard(*index, q, dir.File("current.zys"));
    WriteQuantizedShard(*index, legacy, dir.File("legacy.zys"));
    auto current = Shard::Open(dir.File("current.zys"));
    auto earlier = Shard::Open(dir.File("legacy.zys"));
    ASSERT_TRUE(current.ok()) << current.status().ToString();
    ASSERT_TRUE(earlier.ok()) << earlier.status().ToString();
    EXPECT_EQ((*current)->info().code_stride, 128u);
    EXPECT_EQ((*earlier)->info().code_stride, 112u);
    EXPECT_TRUE((*earlier)->Verify().ok());
    auto queries = ClusteredGaussian(20, 100, 4, 3, SampleStream::kQueries);
    ASSERT_TRUE(queries.ok());
    AlignedBuffer<float> query(PaddedDim(100));
    std::vector<ScoredNode> a, b;
    for (std::size_t i = 0; i < queries->n; ++i) {
      ASSERT_TRUE(PrepareVector(queries->row(i), 100, metric, "query", query.data()).ok());
      ASSERT_TRUE((*current)->quantized_searcher()->Search(query.data(), 24, 10, 20, &a).ok());
      ASSERT_TRUE((*earlier)->quantized_searcher()->Search(query.data(), 24, 10, 20, &b).ok());
      ASSERT_GE(a.size(), 10u);
      ASSERT_NO_FATAL_FAILURE(testing::ExpectSameNodes(a, b));
    }
  }
}

// Searches with codes from several threads at once (thread-local scratch,
// concurrent pread of the rows) give what one thread gives. Run under TSan.
TEST(QuantizedShard, ConcurrentSearchesMatchSequentialOnes) {
  ScratchDir dir;
  auto index = SmallIndex(1500, 16, Metric::kL2, 8);
  const Quantized q = Quantize(*index, Encoding::kInt8);
  WriteQuantizedShard(*index, q, dir.File("c.zys"));
  auto opened = Shard::Open(dir.File("c.zys"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const QuantizedSearcher& searcher = *(*opened)->quantized_searcher();
  auto queries = ClusteredGaussian(64, 16, 4, 9, SampleStream::kQueries);
  ASSERT_TRUE(queries.ok());
  std::vector<AlignedBuffer<float>> prepared;
  for (std::size_t i = 0; i < queries->n; ++i) {
    prepared.emplace_back(PaddedDim(16));
    ASSERT_TRUE(PrepareVector(queries->row(i), 16, Metric::kL2, "query", prepared.back().data()).ok());
  }
  std::vector<std::vector<ScoredNode>> expected(queries->n);
  for (std::size_t i = 0; i < queries->n; ++i) {
    ASSERT_TRUE(searcher.Search(prepared[i].data(), 32, 10, 20, &expected[i]).ok());
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<ScoredNode> out;
      for (int round = 0; round < 3; ++round) {
        for (std::size_t i = 0; i < prepared.size(); ++i) {
          if (!searcher.Search(prepared[i].data(), 32, 10, 20, &out).ok()) ++mismatches[t];
          if (out.size() != expected[i].size()) {
            ++mismatches[t];
            continue;
          }
          for (std::size_t j = 0; j < out.size(); ++j) {
            if (out[j].node != expected[i][j].node || out[j].distance != expected[i][j].distance) ++mismatches[t];
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

// A small quantized shard's bytes and layout.
ShardImage MakeBytes(const ScratchDir& dir, Metric metric, Encoding encoding) {
  auto index = SmallIndex(300, 8, metric, 4);
  const Quantized q = Quantize(*index, encoding);
  WriteQuantizedShard(*index, q, dir.File("s.zys"));
  return ReadShardImage(dir.File("s.zys"));
}

const ShardSection& SectionOf(const ShardHeader& info, SectionKind kind) {
  for (const ShardSection& s : info.sections) {
    if (s.kind == static_cast<std::uint32_t>(kind)) return s;
  }
  ADD_FAILURE() << "no section of kind " << static_cast<int>(kind);
  return info.sections.front();
}

// Every byte of the header, the table, the quantizer, the codes and the
// biases, flipped two ways, is refused naming the file.
TEST(QuantizedShardCorruption, EverySingleByteFlipOfTheNewSectionsIsRefused) {
  ScratchDir dir;
  for (auto [metric, encoding] : {std::pair{Metric::kInnerProduct, Encoding::kInt8}, {Metric::kL2, Encoding::kPq}}) {
    const ShardImage clean = MakeBytes(dir, metric, encoding);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges = {
        {0, kShardHeaderBytes + clean.info.sections.size() * kSectionEntryBytes}};
    for (const ShardSection& s : clean.info.sections) {
      if (s.kind >= static_cast<std::uint32_t>(SectionKind::kQuantizer))
        ranges.push_back({s.offset, s.offset + s.length});
    }
    ASSERT_EQ(ranges.size(), encoding == Encoding::kInt8 ? 7u : 6u);
    // The pq model is 8 KiB of floats: every 7th byte of it is enough.
    const std::size_t flips = testing::ExpectEveryFlipRefused(clean.bytes, ranges, dir.File("flipped.zys"), 7);
    EXPECT_GT(flips, 2000u);
  }
}

TEST(QuantizedShardCorruption, CraftedFilesWithValidChecksumsAreRefusedWithTheReason) {
  ScratchDir dir;
  const ShardImage clean = MakeBytes(dir, Metric::kInnerProduct, Encoding::kInt8);
  const std::string path = dir.File("crafted.zys");
  auto open_edited = [&](auto edit) { return OpenEdited(clean, path, edit); };
  const ShardSection& model = SectionOf(clean.info, SectionKind::kQuantizer);
  const ShardSection& biases = SectionOf(clean.info, SectionKind::kCodeBiases);
  EXPECT_EQ(open_edited([](unsigned char* p) { StoreLe<std::uint32_t>(p + shard_header::kEncoding, 5); }),
            path + ": unknown encoding 5 (this build knows 0-2)");
  EXPECT_EQ(open_edited([](unsigned char* p) { StoreLe<std::uint32_t>(p + shard_header::kEncoding, 0); }),
            path + ": code stride 16 does not fit encoding float32 in version 1.2");
  EXPECT_EQ(open_edited([](unsigned char* p) { StoreLe<std::uint32_t>(p + shard_header::kEncoding, 2); }),
            path +
                ": section table entry 8 (code biases section): does not belong in a shard of encoding pq under "
                "metric ip");
  EXPECT_EQ(open_edited([](unsigned char* p) { StoreLe<std::uint32_t>(p + shard_header::kCodeStride, 32); }),
            path + ": section table entry 7 (codes section): length 4800, expected 9600");
  EXPECT_EQ(open_edited([&](unsigned char* p) { StoreLe<std::uint32_t>(p + model.offset, 0x51505a); }),
            path + ": quantizer section at offset " + std::to_string(model.offset) +
                ": scalar quantizer: bad magic (expected \"ZSQ8\")");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(open_edited([&](unsigned char* p) { std::memcpy(p + biases.offset + 3 * 4, &nan, 4); }),
            path + ": code biases section at offset " + std::to_string(biases.offset + 12) +
                ": node 3 has a non-finite bias");
  EXPECT_EQ(open_edited([&](unsigned char* p) { std::memcpy(p + shard_header::kCodeErrorBound, &nan, 4); }),
            path + ": code error bound nan is not a finite non-negative number");
  EXPECT_EQ(open_edited([](unsigned char* p) { StoreLe<float>(p + shard_header::kCodeErrorBound, -1.0f); }),
            path + ": code error bound -1.000000 is not a finite non-negative number");
  // Compact links that say something else than the links.
  const ShardSection& level0c = SectionOf(clean.info, SectionKind::kCompactLevel0);
  EXPECT_EQ(open_edited([&](unsigned char* p) { p[level0c.offset + 1] ^= 0x02; }),
            path + ": compact level-0 links section at offset " + std::to_string(level0c.offset) +
                ": node 0's links differ from its level-0 links");
  EXPECT_EQ(open_edited([&](unsigned char* p) { p[level0c.offset + level0c.length - 1] = 1; }),
            path + ": compact level-0 links section at offset " + std::to_string(level0c.offset + level0c.length - 1) +
                ": non-zero byte in the tail");
  const ShardSection& nodes = SectionOf(clean.info, SectionKind::kCompactUpperNodes);
  const std::uint32_t first_upper =
      LoadLe<std::uint32_t>(reinterpret_cast<const unsigned char*>(clean.bytes.data()) + nodes.offset);
  EXPECT_EQ(open_edited([&](unsigned char* p) { StoreLe<std::uint32_t>(p + nodes.offset, first_upper + 1); }),
            path + ": compact upper nodes section at offset " + std::to_string(nodes.offset) +
                ": upper node 0 should be node " + std::to_string(first_upper));
  const ShardSection& upperc = SectionOf(clean.info, SectionKind::kCompactUpperLinks);
  EXPECT_EQ(open_edited([&](unsigned char* p) { p[upperc.offset] ^= 0x01; }),
            path + ": compact upper links section at offset " + std::to_string(upperc.offset) + ": node " +
                std::to_string(first_upper) + "'s links differ from its level-1 links");
  // A version 1.0 or 1.1 header cannot carry codes.
  EXPECT_EQ(open_edited([](unsigned char* p) { StoreLe<std::uint16_t>(p + shard_header::kMinor, 1); }),
            path + ": code stride 16 does not fit encoding int8 in version 1.1");
  EXPECT_EQ(open_edited([](unsigned char* p) { StoreLe<std::uint16_t>(p + shard_header::kMinor, 0); }),
            path + ": code stride 16 does not fit encoding int8 in version 1.0");
  // Without its codes section.
  EXPECT_EQ(open_edited([&](unsigned char* p) {
              StoreLe<std::uint32_t>(p + kShardHeaderBytes + 7 * kSectionEntryBytes + section_entry::kKind, 40);
            }),
            path + ": no codes section");
}

}  // namespace
}  // namespace zyphyr
