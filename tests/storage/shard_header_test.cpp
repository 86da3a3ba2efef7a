// ShardHeader: EncodeTo writes the bytes WriteShard writes and DecodeFrom
// reads them back, byte for byte; DecodeFrom and CheckSectionTable refuse
// every malformed header and table with the exact message Shard::Open gives.
// Over 400 lines: one concept (the shard header codec), each malformed header a straight-line case.
#include "storage/shard_header.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "src/quant/quantizer.h"
#include "storage/byte_order.h"
#include "storage/crc32c.h"
#include "storage/shard_format.h"
#include "tests/scratch_dir.h"
#include "tests/storage/storage_test_util.h"

namespace zyphyr {
namespace {

using testing::ReadBytes;
using testing::ScratchDir;
using testing::SmallIndex;

const std::string kPath = "x.zys";

std::span<const unsigned char> Span(const std::vector<unsigned char>& v) { return {v.data(), v.size()}; }
std::span<const unsigned char> Span(const std::string& s) {
  return {reinterpret_cast<const unsigned char*>(s.data()), s.size()};
}

// A valid float32 header of 2 rows of dimension 3 at M = 2, section k at
// offset 8192 k (so that other sections fit between them).
ShardHeader SmallHeader() {
  ShardHeader h;
  h.rows = 2;
  h.dim = 3;
  h.stride = 16;
  h.metric = Metric::kL2;
  h.M = 2;
  h.ef_construction = 40;
  h.entry_point = 1;
  h.max_level = 0;
  h.seed = 77;
  h.uid = 0xABCDEF0123456789u;
  const std::uint64_t lengths[] = {2 * 16 * 4, 2 * 8, 2, 2 * 5 * 4, 2 * 8, 0};
  for (std::uint32_t kind = 1; kind <= 6; ++kind) {
    h.sections.push_back({kind, 8192 * kind, lengths[kind - 1], 0x1000u + kind});
  }
  h.file_size = h.sections.back().offset + h.sections.back().length;
  return h;
}

// The header encoded at the start of a file of header.file_size bytes.
std::vector<unsigned char> Image(const ShardHeader& header) {
  std::vector<unsigned char> image;
  header.EncodeTo(&image);
  image.resize(header.file_size, 0);
  return image;
}

std::string DecodeError(const std::vector<unsigned char>& image) {
  Result<ShardHeader> decoded = ShardHeader::DecodeFrom(Span(image), kPath);
  return decoded.ok() ? "accepted" : decoded.status().message();
}

// DecodeFrom's refusal of `header` (encoded with a correct CRC).
std::string DecodeError(const ShardHeader& header) { return DecodeError(Image(header)); }

std::string TableError(const ShardHeader& header) {
  Status st = CheckSectionTable(header, kPath);
  return st.ok() ? "accepted" : st.message();
}

void ExpectSameHeader(const ShardHeader& a, const ShardHeader& b) {
  EXPECT_EQ(a.major, b.major);
  EXPECT_EQ(a.minor, b.minor);
  EXPECT_EQ(a.file_size, b.file_size);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.dim, b.dim);
  EXPECT_EQ(a.stride, b.stride);
  EXPECT_EQ(a.metric, b.metric);
  EXPECT_EQ(a.flags, b.flags);
  EXPECT_EQ(a.M, b.M);
  EXPECT_EQ(a.ef_construction, b.ef_construction);
  EXPECT_EQ(a.entry_point, b.entry_point);
  EXPECT_EQ(a.max_level, b.max_level);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.upper_links, b.upper_links);
  EXPECT_EQ(a.uid, b.uid);
  EXPECT_EQ(a.encoding, b.encoding);
  EXPECT_EQ(a.code_stride, b.code_stride);
  EXPECT_EQ(a.code_error_bound, b.code_error_bound);
  ASSERT_EQ(a.sections.size(), b.sections.size());
  for (std::size_t i = 0; i < a.sections.size(); ++i) {
    EXPECT_EQ(a.sections[i].kind, b.sections[i].kind);
    EXPECT_EQ(a.sections[i].offset, b.sections[i].offset);
    EXPECT_EQ(a.sections[i].length, b.sections[i].length);
    EXPECT_EQ(a.sections[i].crc32c, b.sections[i].crc32c);
  }
}

TEST(ShardHeader, EncodeToLaysOutTheFieldsOfTheFormat) {
  ShardHeader h = SmallHeader();
  h.encoding = Encoding::kPq;
  h.minor = kShardMinorVersion;
  h.code_stride = 4;
  h.code_error_bound = 0.5f;
  std::vector<unsigned char> bytes = {0xEE};  // Appended after what is there.
  const std::uint32_t crc = h.EncodeTo(&bytes);
  ASSERT_EQ(bytes.size(), 1 + kShardHeaderBytes + 6 * kSectionEntryBytes);
  EXPECT_EQ(h.EncodedSize(), kShardHeaderBytes + 6 * kSectionEntryBytes);
  EXPECT_EQ(bytes[0], 0xEE);
  const unsigned char* p = bytes.data() + 1;
  namespace f = shard_header;
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(p), 8), "ZYPHSHRD");
  EXPECT_EQ(LoadLe<std::uint16_t>(p + f::kMajor), 1);
  EXPECT_EQ(LoadLe<std::uint16_t>(p + f::kMinor), 2);
  EXPECT_EQ(LoadLe<std::uint32_t>(p + f::kEndian), 0x01020304u);
  EXPECT_EQ(LoadLe<std::uint32_t>(p + f::kHeaderBytes), 128u);
  EXPECT_EQ(LoadLe<std::uint32_t>(p + f::kSectionCount), 6u);
  EXPECT_EQ(LoadLe<std::uint32_t>(p + f::kSectionEntryBytesField), 32u);
  EXPECT_EQ(LoadLe<std::uint64_t>(p + f::kFileSize), 6 * 8192u);
  EXPECT_EQ(LoadLe<std::uint64_t>(p + f::kRows), 2u);
  EXPECT_EQ(LoadLe<std::uint32_t>(p + f::kDim), 3u);
  EXPECT_EQ(LoadLe<std::uint32_t>(p + f::kStride), 16u);
  EXPECT_EQ(LoadLe<std::uint32_t>(p + f::kMetric), 1u);
  EXPECT_EQ(LoadLe<std::uint32_t>(p + f::kFlags), 0u);
  EXPECT_EQ(LoadLe<std::uint32_t>(p + f::kM), 2u);
  EXPECT_EQ(LoadLe<std::uint32_t>(p + f::kEfConstruction), 40u);
  EXPECT_EQ(LoadLe<std::uint32_t>(p + f::kEntryPoint), 1u);
  EXPECT_EQ(LoadLe<std::int32_t>(p + f::kMaxLevel), 0);
  EXPECT_EQ(LoadLe<std::uint64_t>(p + f::kSeed), 77u);
  EXPECT_EQ(LoadLe<std::uint64_t>(p + f::kUpperLinks), 0u);
  EXPECT_EQ(LoadLe<std::uint64_t>(p + f::kUid), 0xABCDEF0123456789u);
  EXPECT_EQ(LoadLe<std::uint32_t>(p + f::kEncoding), 2u);
  EXPECT_EQ(LoadLe<std::uint32_t>(p + f::kCodeStride), 4u);
  EXPECT_EQ(LoadLe<float>(p + f::kCodeErrorBound), 0.5f);
  for (std::size_t i = f::kReserved; i < kShardHeaderBytes; ++i) EXPECT_EQ(p[i], 0) << i;
  for (std::size_t i = 0; i < 6; ++i) {
    const unsigned char* e = p + kShardHeaderBytes + i * kSectionEntryBytes;
    EXPECT_EQ(LoadLe<std::uint32_t>(e + section_entry::kKind), i + 1);
    EXPECT_EQ(LoadLe<std::uint32_t>(e + section_entry::kFlags), 0u);
    EXPECT_EQ(LoadLe<std::uint64_t>(e + section_entry::kOffset), 8192 * (i + 1));
    EXPECT_EQ(LoadLe<std::uint64_t>(e + section_entry::kLength), h.sections[i].length);
    EXPECT_EQ(LoadLe<std::uint32_t>(e + section_entry::kCrc), 0x1000u + i + 1);
    EXPECT_EQ(LoadLe<std::uint32_t>(e + section_entry::kReserved), 0u);
  }
  // The CRC covers the header and table with its own field zero.
  EXPECT_EQ(LoadLe<std::uint32_t>(p + f::kHeaderCrc), crc);
  std::vector<unsigned char> zeroed(p, p + h.EncodedSize());
  StoreLe<std::uint32_t>(zeroed.data() + f::kHeaderCrc, 0);
  EXPECT_EQ(Crc32c(zeroed.data(), zeroed.size()), crc);
}

TEST(ShardHeader, DecodeFromReadsBackWhatEncodeToWrote) {
  for (const Encoding encoding : {Encoding::kFloat32, Encoding::kInt8}) {
    ShardHeader h = SmallHeader();
    if (encoding == Encoding::kInt8) {
      h.metric = Metric::kCosine;
      h.flags = kShardFlagNormalized;
      h.encoding = encoding;
      h.minor = kShardMinorVersion;
      h.code_stride = 16;
      h.code_error_bound = 0.125f;
    }
    const std::vector<unsigned char> image = Image(h);
    Result<ShardHeader> decoded = ShardHeader::DecodeFrom(Span(image), kPath);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    ExpectSameHeader(*decoded, h);
    EXPECT_EQ(decoded->header_crc32c, LoadLe<std::uint32_t>(image.data() + shard_header::kHeaderCrc));
    std::vector<unsigned char> again;
    EXPECT_EQ(decoded->EncodeTo(&again), decoded->header_crc32c);
    EXPECT_EQ(again, std::vector<unsigned char>(image.begin(), image.begin() + h.EncodedSize()));
    // Without the sections of its codes, only the float32 table is whole.
    EXPECT_EQ(TableError(*decoded), encoding == Encoding::kFloat32 ? "accepted" : "x.zys: no quantizer section");
  }
}

// The headers WriteShard writes, with codes and without, decode, check and
// encode again to the same bytes.
TEST(ShardHeader, WrittenShardHeadersRoundTripByteForByte) {
  ScratchDir dir;
  auto index = SmallIndex(300, 12, Metric::kInnerProduct, 6);
  Result<Quantizer> quantizer =
      Quantizer::Train(index->store().rows(), {.encoding = Encoding::kPq, .pq_m = 3, .seed = 5});
  ASSERT_TRUE(quantizer.ok()) << quantizer.status().ToString();
  const EncodedRows codes = quantizer->Encode(index->store().rows(), 1);
  for (const bool with_codes : {false, true}) {
    const std::string path = dir.File(with_codes ? "pq.zys" : "f.zys");
    ShardParams params{32, 3, 0x5151};
    if (with_codes) params.quantizer = &*quantizer, params.codes = &codes;
    auto written = WriteShard(path, index->store().rows(), index->store().ids(), index->graph().view(), params);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    const std::string file = ReadBytes(path);
    Result<ShardHeader> decoded = ShardHeader::DecodeFrom(Span(file), path);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_TRUE(CheckSectionTable(*decoded, path).ok());
    EXPECT_EQ(decoded->header_crc32c, written->header_crc32c);
    EXPECT_EQ(decoded->file_size, written->bytes);
    EXPECT_EQ(decoded->rows, 300u);
    EXPECT_EQ(decoded->dim, 12u);
    EXPECT_EQ(decoded->metric, Metric::kInnerProduct);
    EXPECT_EQ(decoded->M, 6u);
    EXPECT_EQ(decoded->ef_construction, 32u);
    EXPECT_EQ(decoded->seed, 3u);
    EXPECT_EQ(decoded->uid, 0x5151u);
    EXPECT_EQ(decoded->minor, with_codes ? kShardMinorVersion : kShardMinorVersionWithoutCodes);
    EXPECT_EQ(decoded->encoding, with_codes ? Encoding::kPq : Encoding::kFloat32);
    EXPECT_EQ(decoded->code_stride, with_codes ? 3u : 0u);
    EXPECT_EQ(decoded->code_error_bound, with_codes ? codes.max_error : 0.0f);
    EXPECT_EQ(decoded->sections.size(), with_codes ? 11u : 6u);
    std::vector<unsigned char> again;
    EXPECT_EQ(decoded->EncodeTo(&again), written->header_crc32c);
    EXPECT_EQ(std::string(again.begin(), again.end()), file.substr(0, decoded->EncodedSize()));
  }
}

TEST(ShardHeader, DecodeFromRefusesAFileThatIsNoShardOfThisVersion) {
  std::vector<unsigned char> image = Image(SmallHeader());
  EXPECT_EQ(DecodeError(std::vector<unsigned char>()), "x.zys: not a Zyphyr shard file (bad magic)");
  EXPECT_EQ(DecodeError(std::vector<unsigned char>(image.begin(), image.begin() + 7)),
            "x.zys: not a Zyphyr shard file (bad magic)");
  std::vector<unsigned char> bad = image;
  bad[3] = 'X';
  EXPECT_EQ(DecodeError(bad), "x.zys: not a Zyphyr shard file (bad magic)");
  EXPECT_EQ(DecodeError(std::vector<unsigned char>(image.begin(), image.begin() + 127)),
            "x.zys: truncated: 127 bytes, shorter than the 128-byte header");
  bad = image;
  StoreLe<std::uint16_t>(bad.data() + shard_header::kMajor, 3);
  StoreLe<std::uint16_t>(bad.data() + shard_header::kMinor, 5);
  Result<ShardHeader> v3 = ShardHeader::DecodeFrom(Span(bad), kPath);
  ASSERT_FALSE(v3.ok());
  EXPECT_EQ(v3.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(v3.status().message(), "x.zys: unsupported shard version 3.5 (this build reads 1.x and 2.x)");
  // A 2.x header must name a byte element type (float rows are 1.x).
  ShardHeader v2_header = SmallHeader();
  v2_header.major = kShardMajorVersionByteRows;
  v2_header.minor = kShardMinorVersionByteRows;
  Result<ShardHeader> v2 = ShardHeader::DecodeFrom(Span(Image(v2_header)), kPath);
  ASSERT_FALSE(v2.ok());
  EXPECT_EQ(v2.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(v2.status().message(),
            "x.zys: unknown element type 0 in version 2.0 (this build knows 1 uint8 and 2 int8)");
  bad = image;
  StoreLe<std::uint32_t>(bad.data() + shard_header::kEndian, 0x04030201u);
  EXPECT_EQ(DecodeError(bad),
            "x.zys: written with another byte order (endianness marker 0x04030201, expected 0x01020304)");
  bad = image;
  StoreLe<std::uint32_t>(bad.data() + shard_header::kSectionCount, 65);
  EXPECT_EQ(DecodeError(bad), "x.zys: bad header layout (header 128 bytes, 65 sections of 32 bytes)");
  StoreLe<std::uint32_t>(bad.data() + shard_header::kSectionCount, 0);
  EXPECT_EQ(DecodeError(bad), "x.zys: bad header layout (header 128 bytes, 0 sections of 32 bytes)");
  bad = image;
  StoreLe<std::uint32_t>(bad.data() + shard_header::kHeaderBytes, 64);
  StoreLe<std::uint32_t>(bad.data() + shard_header::kSectionEntryBytesField, 24);
  EXPECT_EQ(DecodeError(bad), "x.zys: bad header layout (header 64 bytes, 6 sections of 24 bytes)");
  EXPECT_EQ(DecodeError(std::vector<unsigned char>(image.begin(), image.begin() + 200)),
            "x.zys: truncated: 200 bytes, shorter than the header and section table (320 bytes)");
}

TEST(ShardHeader, ByteRowsRoundTripAsVersion2AndAreRefusedUnderCosine) {
  for (ElementType type : {ElementType::kUint8, ElementType::kInt8}) {
    ShardHeader h = SmallHeader();
    h.major = kShardMajorVersionByteRows;
    h.minor = kShardMinorVersionByteRows;
    h.element_type = type;
    const std::vector<unsigned char> image = Image(h);
    EXPECT_EQ(LoadLe<std::uint32_t>(image.data() + shard_header::kElementType), static_cast<std::uint32_t>(type));
    Result<ShardHeader> decoded = ShardHeader::DecodeFrom(Span(image), kPath);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->element_type, type);
    EXPECT_EQ(decoded->row_bytes(), h.stride);
    std::vector<unsigned char> again;
    decoded->EncodeTo(&again);
    again.resize(image.size(), 0);
    EXPECT_EQ(again, image);
    h.metric = Metric::kCosine;
    h.flags = kShardFlagNormalized;
    EXPECT_EQ(DecodeError(Image(h)), "x.zys: metric cosine with " + std::string(ElementTypeName(type)) +
                                         " rows (normalised rows are stored as float32)");
  }
  // Float32 headers are 1.x with the field zero.
  const std::vector<unsigned char> float_image = Image(SmallHeader());
  EXPECT_EQ(LoadLe<std::uint32_t>(float_image.data() + shard_header::kElementType), 0u);
}

TEST(ShardHeader, DecodeFromRefusesAHeaderChecksumMismatchNamingBothChecksums) {
  const ShardHeader h = SmallHeader();
  std::vector<unsigned char> image = Image(h);
  const std::uint32_t stored = LoadLe<std::uint32_t>(image.data() + shard_header::kHeaderCrc);
  image[shard_header::kDim] ^= 1;  // Dimension 2: the CRC no longer fits.
  ShardHeader edited = h;
  edited.dim = 2;
  std::vector<unsigned char> resealed;
  const std::uint32_t computed = edited.EncodeTo(&resealed);
  EXPECT_EQ(DecodeError(image),
            "x.zys: header checksum mismatch (stored " + Hex32(stored) + ", computed " + Hex32(computed) + ")");
  // The table is covered too.
  image = Image(h);
  image[kShardHeaderBytes + 2 * kSectionEntryBytes + section_entry::kLength] ^= 0x40;
  EXPECT_EQ(DecodeError(image).rfind("x.zys: header checksum mismatch (stored " + Hex32(stored) + ", computed 0x", 0),
            0u);
}

TEST(ShardHeader, DecodeFromRefusesAFileOfAnotherSize) {
  std::vector<unsigned char> image = Image(SmallHeader());
  const std::size_t size = image.size();
  image.pop_back();
  EXPECT_EQ(DecodeError(image),
            "x.zys: truncated: " + std::to_string(size - 1) + " bytes, the header says " + std::to_string(size));
  image.push_back(0);
  image.push_back(0);
  EXPECT_EQ(DecodeError(image), "x.zys: has trailing bytes: " + std::to_string(size + 1) + " bytes, the header says " +
                                    std::to_string(size));
}

TEST(ShardHeader, DecodeFromRefusesFieldsOutOfRange) {
  const auto edited = [](auto edit) {
    ShardHeader h = SmallHeader();
    edit(h);
    return DecodeError(h);
  };
  EXPECT_EQ(edited([](ShardHeader& h) { h.dim = 0; }), "x.zys: bad dimension 0 with row stride 16");
  EXPECT_EQ(edited([](ShardHeader& h) { h.stride = 3; }), "x.zys: bad dimension 3 with row stride 3");
  EXPECT_EQ(edited([](ShardHeader& h) { h.dim = 65537, h.stride = 65552; }),
            "x.zys: bad dimension 65537 with row stride 65552");
  EXPECT_EQ(edited([](ShardHeader& h) { h.metric = static_cast<Metric>(4); }), "x.zys: unknown metric 4");
  EXPECT_EQ(edited([](ShardHeader& h) { h.metric = Metric::kCosine; }),
            "x.zys: flags 0x00000000 do not fit metric cosine");
  EXPECT_EQ(edited([](ShardHeader& h) { h.flags = kShardFlagNormalized; }),
            "x.zys: flags 0x00000001 do not fit metric l2");
  EXPECT_EQ(edited([](ShardHeader& h) { h.M = 1; }), "x.zys: bad M 1");
  EXPECT_EQ(edited([](ShardHeader& h) { h.M = 257; }), "x.zys: bad M 257");
  const auto quantized = [&](auto edit) {
    return edited([&](ShardHeader& h) {
      h.encoding = Encoding::kInt8;
      h.minor = kShardMinorVersion;
      h.code_stride = 16;
      edit(h);
    });
  };
  Result<ShardHeader> unknown = ShardHeader::DecodeFrom(Span(Image([] {
                                                          ShardHeader h = SmallHeader();
                                                          h.encoding = static_cast<Encoding>(3);
                                                          return h;
                                                        }())),
                                                        kPath);
  EXPECT_EQ(unknown.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(unknown.status().message(), "x.zys: unknown encoding 3 (this build knows 0-2)");
  EXPECT_EQ(quantized([](ShardHeader& h) { h.minor = 1; }),
            "x.zys: code stride 16 does not fit encoding int8 in version 1.1");
  EXPECT_EQ(quantized([](ShardHeader& h) { h.minor = 0; }),
            "x.zys: code stride 16 does not fit encoding int8 in version 1.0");
  EXPECT_EQ(quantized([](ShardHeader& h) { h.code_stride = 0; }),
            "x.zys: code stride 0 does not fit encoding int8 in version 1.2");
  EXPECT_EQ(edited([](ShardHeader& h) { h.code_stride = 8; }),
            "x.zys: code stride 8 does not fit encoding float32 in version 1.0");
  EXPECT_EQ(quantized([](ShardHeader& h) { h.code_error_bound = -1.0f; }),
            "x.zys: code error bound -1.000000 is not a finite non-negative number");
  EXPECT_EQ(quantized([](ShardHeader& h) { h.code_error_bound = std::numeric_limits<float>::infinity(); }),
            "x.zys: code error bound inf is not a finite non-negative number");
  // Without codes the bound's bits must be zero: -0.0 is not.
  EXPECT_EQ(edited([](ShardHeader& h) { h.code_error_bound = -0.0f; }),
            "x.zys: code error bound -0.000000 is not 0 without codes");
  EXPECT_EQ(edited([](ShardHeader& h) { h.rows = kNoNode; }), "x.zys: too many rows: 4294967295");
  EXPECT_EQ(edited([](ShardHeader& h) { h.entry_point = 2; }), "x.zys: bad entry point 2 at level 0 for 2 rows");
  EXPECT_EQ(edited([](ShardHeader& h) { h.max_level = 64; }), "x.zys: bad entry point 1 at level 64 for 2 rows");
  EXPECT_EQ(edited([](ShardHeader& h) { h.rows = 0; }), "x.zys: bad entry point 1 at level 0 for 0 rows");
}

TEST(ShardHeader, CheckSectionTableRefusesEntriesOutsideTheFileMisplacedOrOfTheWrongLength) {
  const auto edited = [](auto edit) {
    ShardHeader h = SmallHeader();
    edit(h);
    return TableError(h);
  };
  EXPECT_EQ(edited([](ShardHeader& h) { h.sections[2].offset = h.file_size; }),
            "x.zys: section table entry 2 (levels section): offset 49152 + length 2 runs past the end of the file "
            "(49152 bytes)");
  EXPECT_EQ(edited([](ShardHeader& h) { h.sections[0].offset = ~std::uint64_t{0} - 4095; }),
            "x.zys: section table entry 0 (vectors section): offset 18446744073709547520 + length 128 runs past the "
            "end of the file (49152 bytes)");
  EXPECT_EQ(edited([](ShardHeader& h) { h.sections[1].offset += 8; }),
            "x.zys: section table entry 1 (ids section): bad offset 16392 or flags");
  EXPECT_EQ(edited([](ShardHeader& h) { h.sections[1].offset = 0; }),
            "x.zys: section table entry 1 (ids section): bad offset 0 or flags");
  EXPECT_EQ(edited([](ShardHeader& h) { h.sections[3].flags = 1; }),
            "x.zys: section table entry 3 (level-0 links section): bad offset 32768 or flags");
  EXPECT_EQ(edited([](ShardHeader& h) { h.sections[4].reserved = 1; }),
            "x.zys: section table entry 4 (upper offsets section): bad offset 40960 or flags");
  EXPECT_EQ(edited([](ShardHeader& h) { h.sections[4].kind = 2; }),
            "x.zys: section table entry 4 (ids section): appears twice");
  EXPECT_EQ(edited([](ShardHeader& h) { h.sections[5].kind = 8; }),
            "x.zys: section table entry 5 (codes section): does not belong in a shard of encoding float32 under "
            "metric l2");
  EXPECT_EQ(edited([](ShardHeader& h) { h.sections[3].length = 36; }),
            "x.zys: section table entry 3 (level-0 links section): length 36, expected 40");
  EXPECT_EQ(edited([](ShardHeader& h) { h.sections[5].kind = 99; }), "x.zys: no upper links section");
  EXPECT_EQ(edited([](ShardHeader& h) { h.sections[5].kind = 10; }), "x.zys: no upper links section");
  EXPECT_EQ(edited([](ShardHeader& h) { h.sections[1].length = 4096 + 16; }),
            "x.zys: section table entry 1 (ids section): length 4112, expected 16");
  EXPECT_EQ(edited([](ShardHeader& h) {
              h.sections.push_back({7, 12288, 0, 0});
            }),
            "x.zys: section table entry 6 (quantizer section): does not belong in a shard of encoding float32 "
            "under metric l2");
  // Sections of kinds this build does not know are checked for place only, and may not overlap.
  EXPECT_EQ(edited([](ShardHeader& h) {
              h.sections.push_back({99, 12288, 4097, 0});
            }),
            "x.zys: ids section at offset 16384 overlaps the section kind 99 section");
  EXPECT_EQ(edited([](ShardHeader& h) {
              h.sections.push_back({99, 4096 * 13, 0, 0});
            }),
            "x.zys: section table entry 6 (section kind 99 section): offset 53248 + length 0 runs past the end of "
            "the file (49152 bytes)");
  EXPECT_EQ(edited([](ShardHeader& h) {
              h.sections.push_back({99, 4096, 4097, 0});
            }),
            "x.zys: vectors section at offset 8192 overlaps the section kind 99 section");
  EXPECT_EQ(edited([](ShardHeader& h) { h.sections.push_back({99, 12288, 0, 0}); }), "accepted");
}

TEST(ShardHeader, CheckSectionTableWantsTheSectionsOfTheEncoding) {
  ShardHeader h = SmallHeader();
  h.metric = Metric::kInnerProduct;
  h.encoding = Encoding::kInt8;
  h.minor = kShardMinorVersion;
  h.code_stride = 16;
  const std::uint64_t end = h.file_size;
  const auto add = [&h](SectionKind kind, std::uint64_t offset, std::uint64_t length) {
    h.sections.push_back({static_cast<std::uint32_t>(kind), offset, length, 0});
    h.file_size = std::max(h.file_size, offset + length);
  };
  add(SectionKind::kQuantizer, 8192 * 7, 100);
  add(SectionKind::kCodes, 8192 * 8, 32);
  EXPECT_EQ(TableError(h), "x.zys: no code biases section");
  add(SectionKind::kCodeBiases, 8192 * 9, 8);
  EXPECT_EQ(TableError(h), "x.zys: no compact level-0 links section");
  const std::uint64_t level0 = CompactLinksSizesFor(2, 2, 0, 0).level0;
  add(SectionKind::kCompactLevel0, 8192 * 10, level0 + 1);
  EXPECT_EQ(TableError(h), "x.zys: section table entry 9 (compact level-0 links section): length " +
                               std::to_string(level0 + 1) + ", expected " + std::to_string(level0));
  h.sections.back().length = level0;
  add(SectionKind::kCompactUpperNodes, 8192 * 11, 123);  // Checked against the levels later.
  EXPECT_EQ(TableError(h), "x.zys: no compact upper links section");
  add(SectionKind::kCompactUpperLinks, 8192 * 12, 8);
  EXPECT_EQ(TableError(h), "accepted");
  h.sections[7].length = 31;
  EXPECT_EQ(TableError(h), "x.zys: section table entry 7 (codes section): length 31, expected 32");
  EXPECT_GT(h.file_size, end);
  EXPECT_EQ(h.Find(SectionKind::kCodes), &h.sections[7]);
  EXPECT_EQ(h.Find(SectionKind::kRetiredPacked), nullptr);
}

}  // namespace
}  // namespace zyphyr
