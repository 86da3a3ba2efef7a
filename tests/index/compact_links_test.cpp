// CompactLinks: field widths at their edges, every block of real graphs
// decoding to exactly the uint32 links (level 0 and upper levels through the
// local numbers), the sizes the format document gives, mismatches found where
// they are, and searches over the compact links equal to searches over the
// uint32 ones.
#include "src/index/compact_links.h"

#include <gtest/gtest.h>

#include <memory>
#include <span>
#include <tuple>
#include <vector>

#include "src/distance/dispatch.h"
#include "src/index/hnsw_searcher.h"
#include "tests/index/index_test_util.h"

namespace zyphyr {
namespace {

using testing::BuildIndex;

TEST(CompactLinks, BitsForCoversEveryNumberBelowTheCount) {
  EXPECT_EQ(BitsFor(0), 1u);
  EXPECT_EQ(BitsFor(1), 1u);
  EXPECT_EQ(BitsFor(2), 1u);
  EXPECT_EQ(BitsFor(3), 2u);
  EXPECT_EQ(BitsFor(4), 2u);
  EXPECT_EQ(BitsFor(5), 3u);
  EXPECT_EQ(BitsFor(1'000'000), 20u);
  EXPECT_EQ(BitsFor(std::uint64_t{1} << 20), 20u);
  EXPECT_EQ(BitsFor((std::uint64_t{1} << 20) + 1), 21u);
  EXPECT_EQ(BitsFor(std::uint64_t{1} << 32), 32u);
  // A block: the count in BitsFor(degree + 1) bits, then the fields.
  EXPECT_EQ(CompactBlockBytes(16, 20), (5u + 320u + 7u) / 8u);  // 41: M 8 over a million nodes.
  EXPECT_EQ(CompactBlockBytes(2 * 256, 32), (10u + 512u * 32u + 7u) / 8u);
}

TEST(CompactLinks, FieldsReadBackAtEveryWidthAndOffset) {
  // One field of every width at every bit offset mod 8, surrounded by ones.
  for (std::uint32_t bits = 1; bits <= 32; ++bits) {
    for (std::size_t shift = 0; shift < 8; ++shift) {
      std::vector<std::uint8_t> block(16, 0xFF);
      const std::uint32_t value = static_cast<std::uint32_t>(0x9E3779B9u >> (32 - bits));
      for (std::uint32_t b = 0; b < bits; ++b) {
        const std::size_t at = shift + b;
        block[at / 8] =
            static_cast<std::uint8_t>((block[at / 8] & ~(1u << (at % 8))) | (((value >> b) & 1u) << (at % 8)));
      }
      EXPECT_EQ(CompactLinksView::ReadBits(block.data(), shift, bits), value) << bits << " bits at " << shift;
    }
  }
}

class CompactLinksGraphs : public ::testing::TestWithParam<std::tuple<std::size_t, std::size_t>> {};

TEST_P(CompactLinksGraphs, EveryBlockDecodesToTheLinksAndSearchesAgree) {
  const auto [n, M] = GetParam();
  Result<Dataset> data = ClusteredGaussian(n, 12, 4, 3 + n);
  Result<Dataset> queries = ClusteredGaussian(20, 12, 4, 3 + n, SampleStream::kQueries);
  ASSERT_TRUE(data.ok() && queries.ok());
  HnswBuildOptions options;
  options.M = M;
  options.ef_construction = 40;
  std::unique_ptr<HnswIndex> index = BuildIndex(*data, Metric::kL2, options);
  const HnswGraphView graph = index->graph().view();

  const CompactLinksBytes bytes = EncodeCompactLinks(graph);
  std::size_t upper_count = 0;
  std::uint64_t upper_blocks = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    upper_count += graph.level(i) > 0 ? 1 : 0;
    upper_blocks += static_cast<std::uint64_t>(graph.level(i));
  }
  const CompactLinksSizes sizes = CompactLinksSizesFor(n, M, upper_count, upper_blocks);
  ASSERT_EQ(bytes.level0.size(), sizes.level0);
  ASSERT_EQ(bytes.upper_nodes.size(), sizes.upper_nodes);
  ASSERT_EQ(bytes.upper.size(), sizes.upper);
  EXPECT_EQ(sizes.level0, n * CompactBlockBytes(2 * M, BitsFor(n)) + kCompactTailBytes);

  const CompactLinksView v =
      MakeCompactLinksView(graph, bytes.level0.data(), bytes.upper_nodes.data(), upper_count, bytes.upper.data());
  CompactLinksMismatch mismatch;
  EXPECT_FALSE(FindCompactLinksMismatch(graph, v, &mismatch)) << mismatch.what;

  std::vector<std::uint32_t> scratch(2 * M);
  std::size_t local = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    std::span<const std::uint32_t> want = graph.Neighbors(i, 0);
    ASSERT_EQ(v.Level0(i, scratch.data()), want.size());
    for (std::size_t j = 0; j < want.size(); ++j) ASSERT_EQ(scratch[j], want[j]) << "node " << i;
    if (graph.level(i) == 0) continue;
    ASSERT_EQ(v.LocalOf(i), local);
    ASSERT_EQ(v.upper_nodes[local], i);
    for (int level = 1; level <= graph.level(i); ++level) {
      std::span<const std::uint32_t> up = graph.Neighbors(i, level);
      ASSERT_EQ(v.Upper(static_cast<std::uint32_t>(local), level, scratch.data()), up.size());
      for (std::size_t j = 0; j < up.size(); ++j) ASSERT_EQ(v.upper_nodes[scratch[j]], up[j]);
    }
    ++local;
  }

  // The same search over either copy of the links.
  HnswGraphView compact_graph = graph;
  compact_graph.compact = v;
  HnswSearcher plain(index->store().rows(), graph, index->kernels());
  HnswSearcher compact(index->store().rows(), compact_graph, index->kernels());
  for (std::size_t q = 0; q < queries->n; ++q) {
    AlignedBuffer<float> query(index->store().stride());
    ASSERT_TRUE(PrepareVector(queries->row(q), 12, Metric::kL2, "query", query.data()).ok());
    std::vector<ScoredNode> a, b;
    plain.Search(query.data(), 16, &a);
    compact.Search(query.data(), 16, &b);
    ASSERT_NO_FATAL_FAILURE(testing::ExpectSameNodes(a, b));
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, CompactLinksGraphs,
                         ::testing::Values(std::tuple{1, 2}, std::tuple{2, 2}, std::tuple{3, 4}, std::tuple{64, 4},
                                           std::tuple{65, 8}, std::tuple{1025, 8}, std::tuple{3000, 16},
                                           std::tuple{500, 64}));

TEST(CompactLinks, MismatchesAreFoundWhereTheyAre) {
  Result<Dataset> data = ClusteredGaussian(800, 8, 4, 1);
  ASSERT_TRUE(data.ok());
  HnswBuildOptions options;
  options.M = 6;
  std::unique_ptr<HnswIndex> index = BuildIndex(*data, Metric::kL2, options);
  const HnswGraphView graph = index->graph().view();
  const CompactLinksBytes clean = EncodeCompactLinks(graph);
  const std::size_t upper_count = (clean.upper_nodes.size() / 4 - 1) / 2;
  ASSERT_GT(upper_count, 0u);
  const auto find = [&](CompactLinksBytes bytes) {
    const CompactLinksView v =
        MakeCompactLinksView(graph, bytes.level0.data(), bytes.upper_nodes.data(), upper_count, bytes.upper.data());
    CompactLinksMismatch m;
    EXPECT_TRUE(FindCompactLinksMismatch(graph, v, &m));
    return m;
  };
  const std::size_t stride = CompactBlockBytes(12, BitsFor(800));

  CompactLinksBytes b = clean;
  b.level0[5 * stride + 2] ^= 0x10;
  CompactLinksMismatch m = find(b);
  EXPECT_EQ(m.array, 0);
  EXPECT_EQ(m.offset, 5 * stride);
  EXPECT_EQ(m.what, "node 5's links differ from its level-0 links");

  b = clean;
  b.level0[800 * stride + 3] = 1;
  m = find(b);
  EXPECT_EQ(m.array, 0);
  EXPECT_EQ(m.offset, 800 * stride + 3);
  EXPECT_EQ(m.what, "non-zero byte in the tail");

  b = clean;
  b.upper_nodes[upper_count * 4 + 4] ^= 0x01;  // Upper node 1's first block.
  m = find(b);
  EXPECT_EQ(m.array, 1);
  EXPECT_EQ(m.offset, (upper_count + 1) * 4);

  b = clean;
  b.upper.back() = 7;
  m = find(b);
  EXPECT_EQ(m.array, 2);
  EXPECT_EQ(m.what, "non-zero byte in the tail");
}

}  // namespace
}  // namespace zyphyr
