// Index directories whose shards store their rows as bytes (uint8, int8:
// shard version 2.0), through the one build path: searches equal those of
// the same rows stored as float32, exact mode equals brute force, codes
// re-rank from byte rows, and inserts, compaction and verification keep the
// element type.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "builder/compaction.h"
#include "builder/index_insert.h"
#include "builder/open_index.h"
#include "src/core/element_type.h"
#include "src/data/synthetic.h"
#include "storage/index_verify.h"
#include "storage/shard_format.h"
#include "storage/stored_index.h"
#include "tests/builder/one_rank_build.h"
#include "tests/scratch_dir.h"

namespace zyphyr::testing {
namespace {

constexpr std::size_t kRows = 1500;
constexpr std::size_t kQueries = 40;
constexpr std::size_t kK = 10;

// Integer rows as byte datasets publish them: a clustered float set scaled
// and rounded into the type's range (SIFT-like for uint8, centred for int8),
// with many exact ties between distances.
std::vector<float> IntegerRows(std::size_t n, std::size_t dim, ElementType type, SampleStream stream) {
  const Dataset d = *ClusteredGaussian(n, dim, 6, 23, stream);
  const float centre = type == ElementType::kUint8 ? 128.0f : 0.0f;
  std::vector<float> out(d.rows.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = std::clamp(std::round(centre + 40.0f * d.rows[i]), ElementMin(type), ElementMax(type));
  }
  return out;
}

struct Case {
  ElementType type;
  Metric metric;
  std::size_t dim;
};

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  return std::string(ElementTypeName(info.param.type)) + "_" + std::string(MetricName(info.param.metric)) + "_d" +
         std::to_string(info.param.dim);
}

class ByteRowsTest : public ::testing::TestWithParam<Case> {
 protected:
  ByteRowsTest()
      : base_(IntegerRows(kRows, GetParam().dim, GetParam().type, SampleStream::kBase)),
        queries_(IntegerRows(kQueries, GetParam().dim, GetParam().type, SampleStream::kQueries)) {}

  // The index of the base rows at dir/name, stored as `type`.
  std::unique_ptr<StoredIndex> Build(const std::string& name, ElementType type, Encoding encoding) {
    DistributedBuildParams params;
    params.data = "integer rows";
    params.hnsw.M = 8;
    params.hnsw.ef_construction = 64;
    params.hnsw.threads = 1;
    params.hnsw.seed = 5;
    params.element_type = type;
    params.quantization.encoding = encoding;
    const std::string path = dir_.File(name);
    Status built = BuildOnOneRank(path, base_, GetParam().dim, GetParam().metric, params);
    EXPECT_TRUE(built.ok()) << built.ToString();
    Result<std::unique_ptr<StoredIndex>> opened = OpenSearchableIndex(path);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  std::span<const float> Query(std::size_t q) const { return {queries_.data() + q * GetParam().dim, GetParam().dim}; }

  // The k nearest base rows to query q by exact integer distance (squared
  // L2, or minus the dot product), ties by id.
  std::vector<std::uint64_t> BruteForce(std::size_t q) const {
    const std::size_t dim = GetParam().dim;
    std::vector<std::pair<std::int64_t, std::uint64_t>> all;
    for (std::size_t i = 0; i < kRows; ++i) {
      std::int64_t d = 0;
      for (std::size_t j = 0; j < dim; ++j) {
        const auto a = static_cast<std::int64_t>(queries_[q * dim + j]);
        const auto b = static_cast<std::int64_t>(base_[i * dim + j]);
        d += GetParam().metric == Metric::kL2 ? (a - b) * (a - b) : -a * b;
      }
      all.emplace_back(d, i);
    }
    std::sort(all.begin(), all.end());
    std::vector<std::uint64_t> ids;
    for (std::size_t j = 0; j < kK; ++j) ids.push_back(all[j].second);
    return ids;
  }

  ScratchDir dir_;
  std::vector<float> base_;
  std::vector<float> queries_;
};

TEST_P(ByteRowsTest, SearchesEqualTheFloat32IndexOfTheSameRowsAtEveryEf) {
  std::unique_ptr<StoredIndex> floats = Build("f32", ElementType::kFloat32, Encoding::kFloat32);
  std::unique_ptr<StoredIndex> bytes = Build("bytes", GetParam().type, Encoding::kFloat32);
  ASSERT_TRUE(floats && bytes);
  EXPECT_EQ(bytes->manifest().element_type, GetParam().type);
  const Shard& shard = bytes->shard(0);
  EXPECT_EQ(shard.info().major, kShardMajorVersionByteRows);
  EXPECT_EQ(shard.element_type(), GetParam().type);
  // A quarter of the float shard's vector bytes.
  EXPECT_EQ(shard.info().Find(SectionKind::kVectors)->length, kRows * shard.info().stride);
  EXPECT_EQ(floats->shard(0).info().Find(SectionKind::kVectors)->length, 4 * kRows * shard.info().stride);
  for (std::size_t ef : {10, 16, 32, 64, 128}) {
    for (std::size_t q = 0; q < kQueries; ++q) {
      Result<std::vector<Neighbor>> a = floats->Search(Query(q), HnswSearchOptions{kK, ef});
      Result<std::vector<Neighbor>> b = bytes->Search(Query(q), HnswSearchOptions{kK, ef});
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_EQ(a->size(), b->size());
      for (std::size_t j = 0; j < a->size(); ++j) {
        EXPECT_EQ((*a)[j].id, (*b)[j].id) << "ef " << ef << " query " << q << " rank " << j;
        EXPECT_EQ((*a)[j].distance, (*b)[j].distance) << "ef " << ef << " query " << q << " rank " << j;
      }
    }
  }
}

TEST_P(ByteRowsTest, ExactModeReturnsTheBruteForceNeighbours) {
  for (Encoding encoding : {Encoding::kFloat32, Encoding::kInt8}) {
    std::unique_ptr<StoredIndex> bytes = Build(std::string("exact-") + std::string(EncodingName(encoding)),
                                               GetParam().type, encoding);
    ASSERT_TRUE(bytes);
    for (std::size_t q = 0; q < kQueries; ++q) {
      Result<std::vector<Neighbor>> found = bytes->Search(Query(q), HnswSearchOptions{kK, kRows});
      ASSERT_TRUE(found.ok()) << found.status().ToString();
      std::vector<std::uint64_t> ids;
      for (const Neighbor& n : *found) ids.push_back(n.id);
      EXPECT_EQ(ids, BruteForce(q)) << EncodingName(encoding) << " query " << q;
    }
  }
  // Codes re-ranked with byte rows read by pread (widened as the mapping's are).
  StoredIndexOptions from_file;
  from_file.rerank_rows = RerankRows::kFile;
  Result<std::unique_ptr<StoredIndex>> opened = OpenSearchableIndex(dir_.File("exact-int8"), from_file);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  ASSERT_FALSE((*opened)->shard(0).rerank_from_memory());
  for (std::size_t q = 0; q < kQueries; ++q) {
    Result<std::vector<Neighbor>> found = (*opened)->Search(Query(q), HnswSearchOptions{kK, kRows});
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    std::vector<std::uint64_t> ids;
    for (const Neighbor& n : *found) ids.push_back(n.id);
    EXPECT_EQ(ids, BruteForce(q)) << "pread query " << q;
  }
}

TEST_P(ByteRowsTest, Int8CodesOverByteRowsReachTheRecallOfTheRows) {
  std::unique_ptr<StoredIndex> codes = Build("codes", GetParam().type, Encoding::kInt8);
  ASSERT_TRUE(codes);
  EXPECT_EQ(codes->shard(0).element_type(), GetParam().type);
  std::size_t hits = 0;
  for (std::size_t q = 0; q < kQueries; ++q) {
    Result<std::vector<Neighbor>> found = codes->Search(Query(q), HnswSearchOptions{kK, 64});
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    const std::vector<std::uint64_t> truth = BruteForce(q);
    for (const Neighbor& n : *found) hits += std::count(truth.begin(), truth.end(), n.id);
  }
  EXPECT_GE(static_cast<double>(hits) / (kQueries * kK), 0.95);
}

INSTANTIATE_TEST_SUITE_P(Types, ByteRowsTest,
                         ::testing::Values(Case{ElementType::kUint8, Metric::kL2, 32},
                                           Case{ElementType::kUint8, Metric::kInnerProduct, 20},
                                           Case{ElementType::kInt8, Metric::kL2, 24},
                                           Case{ElementType::kInt8, Metric::kInnerProduct, 17}),
                         CaseName);

TEST(ByteRows, InsertsCompactionAndVerifyKeepTheElementType) {
  ScratchDir dir;
  const std::string idx = dir.File("idx");
  constexpr std::size_t kDimension = 16;
  const std::vector<float> base = IntegerRows(600, kDimension, ElementType::kUint8, SampleStream::kBase);
  DistributedBuildParams params;
  params.data = "integer rows";
  params.hnsw.M = 8;
  params.hnsw.ef_construction = 40;
  params.hnsw.threads = 1;
  params.element_type = ElementType::kUint8;
  ASSERT_TRUE(BuildOnOneRank(idx, base, kDimension, Metric::kL2, params).ok());

  std::vector<float> fractional(kDimension, 3.0f);
  fractional[5] = 0.5f;
  Result<std::uint64_t> refused = InsertIntoIndex(idx, fractional, 1);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(), "vector 0 column 5 holds 0.5, not a uint8 (0..255): the index stores uint8 rows");
  std::vector<float> too_big(kDimension, 256.0f);
  EXPECT_EQ(InsertIntoIndex(idx, too_big, 1).status().message(),
            "vector 0 column 0 holds 256, not a uint8 (0..255): the index stores uint8 rows");

  const std::vector<float> extra = IntegerRows(1, kDimension, ElementType::kUint8, SampleStream::kQueries);
  Result<std::uint64_t> inserted = InsertIntoIndex(idx, extra, 1);
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  ASSERT_EQ(*inserted, 600u);
  ASSERT_TRUE(CompactIndex(idx, 1).ok());

  Result<std::unique_ptr<StoredIndex>> opened = OpenSearchableIndex(idx);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const StoredIndex& index = **opened;
  EXPECT_EQ(index.manifest().element_type, ElementType::kUint8);
  EXPECT_EQ(index.manifest().generation, 2u);
  const Shard& shard = index.shard(0);
  EXPECT_EQ(shard.element_type(), ElementType::kUint8);
  ASSERT_EQ(shard.size(), 601u);
  // Every row back byte-exactly, the inserted one last.
  std::vector<float> rows;
  for (std::uint32_t node = 0; node < shard.size(); ++node) shard.AppendRow(node, &rows);
  std::vector<float> expected = base;
  expected.insert(expected.end(), extra.begin(), extra.end());
  EXPECT_EQ(rows, expected);
  Result<std::vector<Neighbor>> found = index.Search(extra, HnswSearchOptions{1, 32});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id, 600u);
  EXPECT_EQ((*found)[0].distance, 0.0f);
  Result<std::vector<std::string>> verified = VerifyPath(idx);
  EXPECT_TRUE(verified.ok()) << verified.status().ToString();
}

TEST(ByteRows, QueriesAndRowsThatDoNotFitTheTypeAreRefused) {
  ScratchDir dir;
  constexpr std::size_t kDimension = 8;
  const std::vector<float> base = IntegerRows(200, kDimension, ElementType::kInt8, SampleStream::kBase);
  DistributedBuildParams params;
  params.data = "integer rows";
  params.hnsw.threads = 1;
  params.element_type = ElementType::kInt8;
  const std::string idx = dir.File("idx");
  ASSERT_TRUE(BuildOnOneRank(idx, base, kDimension, Metric::kL2, params).ok());
  Result<std::unique_ptr<StoredIndex>> opened = OpenSearchableIndex(idx);
  ASSERT_TRUE(opened.ok());
  std::vector<float> query(kDimension, -3.0f);
  query[2] = 127.5f;
  EXPECT_EQ((*opened)->Search(query, HnswSearchOptions{5, 16}).status().message(),
            "query column 2 holds 127.5, not an int8 (-128..127): the index stores int8 rows");

  // Rows that are not integers cannot be stored as bytes; nothing is published.
  std::vector<float> fractional = base;
  fractional[3 * kDimension + 4] = 1.25f;
  const std::string bad = dir.File("bad");
  Status st = BuildOnOneRank(bad, fractional, kDimension, Metric::kL2, params);
  EXPECT_EQ(st.message(), "integer rows: row 3 column 4 holds 1.25, not an int8 (-128..127)");
  EXPECT_FALSE(std::filesystem::exists(bad));
  // Nor can cosine's normalised rows.
  params.element_type = ElementType::kUint8;
  st = BuildOnOneRank(dir.File("cos"), base, kDimension, Metric::kCosine, params);
  EXPECT_EQ(st.message(), "--element-type uint8 cannot hold the normalised rows of metric cosine");
  // Without a type asked for, cosine stores float32 rows whatever the data publishes.
  params.element_type.reset();
  params.rows = InMemoryRows{base, kDimension, Metric::kCosine, ElementType::kInt8};
  params.index = dir.File("cos-default");
  Communicator alone;
  Result<DistributedBuildReport> built = DistributedBuild(alone, params);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->manifest.element_type, ElementType::kFloat32);
}

}  // namespace
}  // namespace zyphyr::testing
