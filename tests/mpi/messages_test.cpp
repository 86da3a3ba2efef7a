// The messages ranks exchange: Encode/Decode round trips field by field,
// malformed bytes refused as Internal without throwing, and StatusFromCode.
#include "mpi/messages.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace zyphyr {
namespace {

constexpr char kMalformedBatch[] = "malformed batch message: ";

std::vector<std::uint32_t> Bits(const std::vector<float>& v) {
  std::vector<std::uint32_t> bits;
  for (float x : v) bits.push_back(std::bit_cast<std::uint32_t>(x));
  return bits;
}

BatchHeader SampleBatch() {
  BatchHeader h;
  h.batch = 0x0123456789abcdefull;
  h.stop = false;
  h.code = 0;
  h.error = "";
  h.k = 10;
  h.ef = 4096;
  h.queries = {0, 7, 4294967295u, 12};
  h.routes = {{0, 3}, {}, {2}, {1, 2, 3, 4, 5}};
  return h;
}

ManifestShard SampleShard(std::uint64_t salt) {
  ManifestShard s;
  s.file = "shard-000" + std::to_string(salt) + "-g2.zys";
  s.log = "shard-000" + std::to_string(salt) + "-g2.log";
  s.uid = 0xfedcba9876543210ull ^ salt;
  s.rows = 60000 + salt;
  s.id_begin = 100 * salt;
  s.id_end = 100 * salt + 99;
  s.bytes = (std::uint64_t{1} << 33) + salt;
  s.header_crc32c = 0xdeadbeefu - static_cast<std::uint32_t>(salt);
  s.centroid = {0.1f,
                -0.0f,
                1.0f / 3.0f,
                std::numeric_limits<float>::denorm_min(),
                std::numeric_limits<float>::max(),
                -std::numeric_limits<float>::infinity(),
                std::bit_cast<float>(std::uint32_t{0x7fc01234u}),  // A NaN with a payload.
                static_cast<float>(salt)};
  return s;
}

void ExpectSameShard(const ManifestShard& a, const ManifestShard& b) {
  EXPECT_EQ(a.file, b.file);
  EXPECT_EQ(a.log, b.log);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.id_begin, b.id_begin);
  EXPECT_EQ(a.id_end, b.id_end);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(a.header_crc32c, b.header_crc32c);
  EXPECT_EQ(Bits(a.centroid), Bits(b.centroid));
}

TEST(Messages, BatchHeaderRoundTrips) {
  const BatchHeader sent = SampleBatch();
  Result<BatchHeader> got = Decode<BatchHeader>(Encode(sent), "batch");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->batch, sent.batch);
  EXPECT_EQ(got->stop, sent.stop);
  EXPECT_EQ(got->code, sent.code);
  EXPECT_EQ(got->error, sent.error);
  EXPECT_EQ(got->k, sent.k);
  EXPECT_EQ(got->ef, sent.ef);
  EXPECT_EQ(got->queries, sent.queries);
  EXPECT_EQ(got->routes, sent.routes);
}

TEST(Messages, StopBatchHeaderRoundTrips) {
  BatchHeader sent;
  sent.batch = 3;
  sent.stop = true;
  sent.code = static_cast<int>(StatusCode::kIOError);
  sent.error = std::string("disk on fire \0 with a NUL and \xff", 31);
  Result<BatchHeader> got = Decode<BatchHeader>(Encode(sent), "batch");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->batch, 3u);
  EXPECT_TRUE(got->stop);
  EXPECT_EQ(got->code, static_cast<int>(StatusCode::kIOError));
  EXPECT_EQ(got->error, sent.error);
  EXPECT_EQ(got->error.size(), 31u);
  EXPECT_EQ(got->k, 0u);
  EXPECT_EQ(got->ef, 0u);
  EXPECT_TRUE(got->queries.empty());
  EXPECT_TRUE(got->routes.empty());
}

TEST(Messages, ResultHeaderRoundTrips) {
  ResultHeader sent;
  sent.batch = std::numeric_limits<std::uint64_t>::max();
  sent.code = static_cast<int>(StatusCode::kCorruption);
  sent.error = "rank 2: /idx/shard-0001-g1.zys: level-0 links section at offset 8192: checksum mismatch";
  sent.search_seconds = 0.1234567890123456789;
  Result<ResultHeader> got = Decode<ResultHeader>(Encode(sent), "result");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->batch, sent.batch);
  EXPECT_EQ(got->code, sent.code);
  EXPECT_EQ(got->error, sent.error);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(got->search_seconds), std::bit_cast<std::uint64_t>(sent.search_seconds));
}

TEST(Messages, ManifestShardRoundTripsBitExact) {
  const ManifestShard sent = SampleShard(5);
  Result<ManifestShard> got = Decode<ManifestShard>(Encode(sent), "shard");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameShard(*got, sent);

  // Without a centroid (range partition).
  ManifestShard plain = SampleShard(1);
  plain.centroid.clear();
  Result<ManifestShard> got_plain = Decode<ManifestShard>(Encode(plain), "shard");
  ASSERT_TRUE(got_plain.ok()) << got_plain.status().ToString();
  ExpectSameShard(*got_plain, plain);
  EXPECT_TRUE(got_plain->centroid.empty());
}

TEST(Messages, VectorOfManifestShardsRoundTrips) {
  const std::vector<ManifestShard> sent = {SampleShard(0), SampleShard(1), SampleShard(2)};
  Result<std::vector<ManifestShard>> got = Decode<std::vector<ManifestShard>>(Encode(sent), "manifest");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    SCOPED_TRACE("shard " + std::to_string(i));
    ExpectSameShard((*got)[i], sent[i]);
  }
  Result<std::vector<ManifestShard>> none =
      Decode<std::vector<ManifestShard>>(Encode(std::vector<ManifestShard>{}), "manifest");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
}

TEST(Messages, EveryTruncationIsMalformed) {
  const std::string bytes = Encode(SampleBatch());
  ASSERT_GT(bytes.size(), 40u);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    Result<BatchHeader> got = BatchHeader{};
    EXPECT_NO_THROW(got = Decode<BatchHeader>(bytes.substr(0, n), "batch"));
    ASSERT_FALSE(got.ok()) << "truncated to " << n << " of " << bytes.size() << " bytes";
    EXPECT_EQ(got.status().code(), StatusCode::kInternal);
    EXPECT_EQ(got.status().message().rfind(kMalformedBatch, 0), 0u) << got.status().message();
  }
}

TEST(Messages, GarbageIsMalformed) {
  for (const std::string& garbage : {std::string(), std::string("x"), std::string("\x01\x02\x03", 3)}) {
    Result<BatchHeader> got = BatchHeader{};
    EXPECT_NO_THROW(got = Decode<BatchHeader>(garbage, "batch"));
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), StatusCode::kInternal);
    EXPECT_EQ(got.status().message().rfind(kMalformedBatch, 0), 0u) << got.status().message();
  }
  // A string length no string can have (found by its marker text, whatever
  // the archive writes before it): refused, not attempted.
  BatchHeader marked = SampleBatch();
  marked.error = "MARKER-0123456789";
  std::string bytes = Encode(marked);
  const std::size_t at = bytes.find(marked.error);
  ASSERT_NE(at, std::string::npos);
  ASSERT_GE(at, sizeof(std::uint64_t));
  for (std::size_t i = at - sizeof(std::uint64_t); i < at; ++i) bytes[i] = '\xff';
  Result<BatchHeader> got = BatchHeader{};
  EXPECT_NO_THROW(got = Decode<BatchHeader>(bytes, "batch"));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kInternal);
  EXPECT_EQ(got.status().message().rfind(kMalformedBatch, 0), 0u) << got.status().message();

  // The `what` given names the message.
  Result<ResultHeader> result = Decode<ResultHeader>("", "result");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
  EXPECT_EQ(result.status().message().rfind("malformed result message: ", 0), 0u) << result.status().message();
}

TEST(Messages, StatusFromCodeMapsEveryCode) {
  for (StatusCode code : {StatusCode::kInvalidArgument, StatusCode::kNotFound, StatusCode::kCorruption,
                          StatusCode::kIOError, StatusCode::kUnsupported, StatusCode::kOutOfRange,
                          StatusCode::kInternal}) {
    const Status st = StatusFromCode(static_cast<int>(code), "rank 1: boom");
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(st.code(), code) << StatusCodeName(code);
    EXPECT_EQ(st.message(), "rank 1: boom");
  }
  const Status ok = StatusFromCode(0, "ignored");
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.code(), StatusCode::kOk);
  // A code from no known StatusCode is Internal, the message kept.
  for (int unknown : {-1, 8, 1000}) {
    const Status st = StatusFromCode(unknown, "strange");
    EXPECT_EQ(st.code(), StatusCode::kInternal) << unknown;
    EXPECT_EQ(st.message(), "strange");
  }
  // A status survives the trip through a header.
  const Status original = Status::OutOfRange("k 200 exceeds the 100 rows");
  ResultHeader header;
  header.code = static_cast<int>(original.code());
  header.error = original.message();
  Result<ResultHeader> got = Decode<ResultHeader>(Encode(header), "result");
  ASSERT_TRUE(got.ok());
  const Status rebuilt = StatusFromCode(got->code, got->error);
  EXPECT_EQ(rebuilt.code(), original.code());
  EXPECT_EQ(rebuilt.message(), original.message());
}

}  // namespace
}  // namespace zyphyr
