// Manifests under "partition": "kmeans": centroids round trip bit-exact and
// bad ones are refused.
#include "storage/index_manifest.h"

#include <gtest/gtest.h>

#include <bit>
#include <limits>

#include <nlohmann/json.hpp>

#include "tests/storage/example_manifest.h"

namespace zyphyr {
namespace {

// Two shards of 4-dimensional rows, 30 rows with ids [0, 31), with centroids
// a decimal text round trip could get wrong in the last bit.
IndexManifest KmeansManifest() {
  IndexManifest m =
      testing::ExampleManifest(4, 2, {testing::ExampleShard(0, 2, 10, 0, 10), testing::ExampleShard(1, 2, 20, 10, 31)});
  m.partition = "kmeans";
  m.shards[0].centroid = {0.1f, -0.0f, 1.0f / 3.0f, std::numeric_limits<float>::denorm_min()};
  m.shards[1].centroid = {std::numeric_limits<float>::max(), -std::numeric_limits<float>::min(), 1e-7f, -123456.789f};
  return m;
}

std::vector<std::uint32_t> FloatBits(const std::vector<float>& v) {
  std::vector<std::uint32_t> bits;
  for (float x : v) bits.push_back(std::bit_cast<std::uint32_t>(x));
  return bits;
}

TEST(IndexManifest, KmeansCentroidsRoundTripBitExact) {
  const IndexManifest m = KmeansManifest();
  const std::string json = ManifestToJson(m);
  EXPECT_NE(json.find("\"partition\": \"kmeans\""), std::string::npos);
  EXPECT_NE(json.find("\"centroid\""), std::string::npos);
  auto back = ManifestFromJson(json, "m.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->partition, "kmeans");
  EXPECT_EQ(back->dim, 4u);
  ASSERT_EQ(back->shards.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(FloatBits(back->shards[i].centroid), FloatBits(m.shards[i].centroid)) << "shard " << i;
    EXPECT_EQ(back->shards[i].uid, m.shards[i].uid);
    EXPECT_EQ(back->shards[i].header_crc32c, m.shards[i].header_crc32c);
  }
  EXPECT_EQ(ManifestToJson(*back), json);

  // Range manifests carry no centroid.
  IndexManifest range = m;
  range.partition = "range";
  for (ManifestShard& s : range.shards) s.centroid.clear();
  const std::string range_json = ManifestToJson(range);
  EXPECT_EQ(range_json.find("\"centroid\""), std::string::npos);
  auto range_back = ManifestFromJson(range_json, "m.json");
  ASSERT_TRUE(range_back.ok()) << range_back.status().ToString();
  for (const ManifestShard& s : range_back->shards) EXPECT_TRUE(s.centroid.empty());
}

TEST(IndexManifest, KmeansRefusesBadCentroids) {
  const std::string json = ManifestToJson(KmeansManifest());
  const auto edited = [&](auto edit) {
    nlohmann::json j = nlohmann::json::parse(json);
    edit(j);
    return ManifestFromJson(j.dump(2), "m.json").status();
  };

  Status missing = edited([](nlohmann::json& j) { j["shards"][1].erase("centroid"); });
  EXPECT_EQ(missing.code(), StatusCode::kCorruption);
  EXPECT_EQ(missing.message(), "m.json: shards[1]: field 'centroid' is missing (k-means partition)");

  Status short_one = edited([](nlohmann::json& j) { j["shards"][0]["centroid"].erase(3); });
  EXPECT_EQ(short_one.code(), StatusCode::kCorruption);
  EXPECT_EQ(short_one.message(), "m.json: shards[0]: field 'centroid' must be an array of 4 numbers");
  Status long_one = edited([](nlohmann::json& j) { j["shards"][1]["centroid"].push_back(1.0); });
  EXPECT_EQ(long_one.message(), "m.json: shards[1]: field 'centroid' must be an array of 4 numbers");
  Status not_array = edited([](nlohmann::json& j) { j["shards"][0]["centroid"] = 1.0; });
  EXPECT_EQ(not_array.message(), "m.json: shards[0]: field 'centroid' must be an array of 4 numbers");

  Status text = edited([](nlohmann::json& j) { j["shards"][1]["centroid"][2] = "NaN"; });
  EXPECT_EQ(text.code(), StatusCode::kCorruption);
  EXPECT_EQ(text.message(), "m.json: shards[1]: field 'centroid' must hold finite float numbers");
  Status null = edited([](nlohmann::json& j) { j["shards"][0]["centroid"][0] = nullptr; });
  EXPECT_EQ(null.message(), "m.json: shards[0]: field 'centroid' must hold finite float numbers");

  // By hand: the text NaN as a string where a number belongs (JSON has no
  // NaN), and a number no double can hold (refused by the parser).
  const auto replace_first_component = [&](const std::string& with) {
    std::string text = json;
    const std::size_t at = text.find("\"centroid\": [");
    EXPECT_NE(at, std::string::npos);
    const std::size_t first = text.find_first_of("-0123456789", at + 13);
    const std::size_t end = text.find_first_of(",\n]", first);
    text.replace(first, end - first, with);
    return ManifestFromJson(text, "m.json").status();
  };
  Status nan = replace_first_component("\"NaN\"");
  EXPECT_EQ(nan.code(), StatusCode::kCorruption);
  EXPECT_EQ(nan.message(), "m.json: shards[0]: field 'centroid' must hold finite float numbers");
  Status overflow = replace_first_component("1e999");
  EXPECT_EQ(overflow.code(), StatusCode::kCorruption);
  EXPECT_EQ(overflow.message(), "m.json: not valid JSON");

  Status partition = edited([](nlohmann::json& j) { j["partition"] = "hash"; });
  EXPECT_EQ(partition.code(), StatusCode::kCorruption);
  EXPECT_EQ(partition.message(), "m.json: field 'partition' must be \"range\" or \"kmeans\", got 'hash'");
  Status partition_type = edited([](nlohmann::json& j) { j["partition"] = 3; });
  EXPECT_EQ(partition_type.message(), "m.json: field 'partition' must be a string");
}

// A component within double's range but past float's would become +inf.
TEST(IndexManifest, KmeansRefusesACentroidPastTheRangeOfFloat) {
  nlohmann::json j = nlohmann::json::parse(ManifestToJson(KmeansManifest()));
  j["shards"][0]["centroid"][0] = 1e300;
  auto parsed = ManifestFromJson(j.dump(2), "m.json");
  ASSERT_FALSE(parsed.ok()) << "centroid[0] read as " << parsed->shards[0].centroid[0];
  EXPECT_EQ(parsed.status().message(), "m.json: shards[0]: field 'centroid' must hold finite float numbers");
}

}  // namespace
}  // namespace zyphyr
