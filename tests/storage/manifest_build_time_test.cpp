// IndexManifest::build_seconds: its JSON round trip, manifests written before
// it existed (unknown), its refusals, and what build and compaction record.
#include "storage/index_manifest.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "builder/compaction.h"
#include "src/data/synthetic.h"
#include "storage/stored_index.h"
#include "tests/builder/one_rank_build.h"
#include "tests/index/index_test_util.h"
#include "tests/scratch_dir.h"
#include "tests/storage/example_manifest.h"

namespace zyphyr {
namespace {

IndexManifest OneShardManifest() { return testing::ExampleManifest(16, 1, {testing::ExampleShard(0, 1, 10, 0, 10)}); }

TEST(IndexManifestBuildSeconds, RoundTripsBitExact) {
  IndexManifest m = OneShardManifest();
  m.build_seconds = 0.1 + 0.2;  // Not a short decimal: the text must keep every bit.
  const std::string json = ManifestToJson(m);
  EXPECT_NE(json.find("\"build_seconds\": 0.30000000000000004"), std::string::npos) << json;
  Result<IndexManifest> back = ManifestFromJson(json, "m.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_TRUE(back->build_seconds.has_value());
  EXPECT_EQ(*back->build_seconds, 0.1 + 0.2);
  EXPECT_EQ(ManifestToJson(*back), json);

  m.build_seconds = 0.0;  // A build faster than the clock's resolution is still known.
  back = ManifestFromJson(ManifestToJson(m), "m.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->build_seconds, std::optional<double>(0.0));
}

TEST(IndexManifestBuildSeconds, AbsentInAnOldManifestMeansUnknown) {
  IndexManifest m = OneShardManifest();
  const std::string json = ManifestToJson(m);  // build_seconds unset: not written.
  EXPECT_EQ(json.find("build_seconds"), std::string::npos) << json;
  Result<IndexManifest> back = ManifestFromJson(json, "m.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_FALSE(back->build_seconds.has_value());
  EXPECT_EQ(ManifestToJson(*back), json);
}

TEST(IndexManifestBuildSeconds, RefusesWhatIsNotANonNegativeNumber) {
  IndexManifest m = OneShardManifest();
  m.build_seconds = 1.5;
  const std::string json = ManifestToJson(m);
  for (const char* bad : {"-1.5", "\"1.5\"", "null", "[1.5]"}) {
    std::string text = json;
    text.replace(text.find("1.5"), 3, bad);
    EXPECT_EQ(ManifestFromJson(text, "m.json").status().message(),
              "m.json: field 'build_seconds' must be a non-negative number of seconds")
        << bad;
  }
}

TEST(IndexManifestBuildSeconds, BuildRecordsItAndCompactionRecordsItsOwnTime) {
  testing::ScratchDir dir;
  const std::string idx = dir.File("idx");
  Dataset base = *ClusteredGaussian(300, 8, 4, 3);
  DistributedBuildParams params;
  params.hnsw.M = 6;
  params.hnsw.ef_construction = 40;
  params.hnsw.threads = 1;
  ASSERT_TRUE(testing::BuildOnOneRank(idx, base, Metric::kL2, params).ok());
  Result<IndexManifest> built = ReadManifest(idx);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  ASSERT_TRUE(built->build_seconds.has_value());
  EXPECT_GT(*built->build_seconds, 0.0);
  EXPECT_LT(*built->build_seconds, 600.0);

  // A build time no compaction of 300 rows comes near: compaction must not keep it.
  built->build_seconds = 1e6;
  ASSERT_TRUE(WriteManifest(idx, *built).ok());
  ASSERT_TRUE(CompactIndex(idx, 1).ok());
  Result<IndexManifest> compacted = ReadManifest(idx);
  ASSERT_TRUE(compacted.ok()) << compacted.status().ToString();
  EXPECT_EQ(compacted->generation, 2u);
  ASSERT_TRUE(compacted->build_seconds.has_value());
  EXPECT_GT(*compacted->build_seconds, 0.0);
  EXPECT_LT(*compacted->build_seconds, 600.0);
}

}  // namespace
}  // namespace zyphyr
