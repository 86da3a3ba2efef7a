#include "io/vector_file.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "tests/io/little_endian_bytes.h"
#include "tests/scratch_dir.h"

namespace zyphyr {
namespace {

using testing::ReadBytes;
using testing::ScratchDir;
using testing::WriteBytes;

using testing::U32;
using testing::I32;
using testing::F32;

// A big-ann .u8bin of `rows` x `dim` where byte (r, c) is (r * 7 + c) % 256.
std::string U8Bin(std::uint32_t rows, std::uint32_t dim) {
  std::string bytes = U32(rows) + U32(dim);
  for (std::uint32_t r = 0; r < rows; ++r) {
    for (std::uint32_t c = 0; c < dim; ++c) bytes.push_back(static_cast<char>((r * 7 + c) % 256));
  }
  return bytes;
}

// A TEXMEX .fvecs of `rows` x `dim` where (r, c) is r + c / 8.
std::string Fvecs(std::size_t rows, std::int32_t dim) {
  std::string bytes;
  for (std::size_t r = 0; r < rows; ++r) {
    bytes += I32(dim);
    for (std::int32_t c = 0; c < dim; ++c) bytes += F32(static_cast<float>(r) + static_cast<float>(c) / 8.0f);
  }
  return bytes;
}

void ExpectOpenRefused(const std::string& path, StatusCode code, const std::string& message, std::size_t max_rows = 0) {
  Result<VectorFile> file = VectorFile::Open(path, max_rows);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), code) << file.status().ToString();
  EXPECT_EQ(file.status().message(), path + ": " + message);
}

TEST(VectorFileKind, TellsFormatAndTypeByExtension) {
  VectorFileFormat format;
  ElementType type;
  ASSERT_TRUE(VectorFileKind("a/b.u8bin", &format, &type));
  EXPECT_EQ(format, VectorFileFormat::kBigAnn);
  EXPECT_EQ(type, ElementType::kUint8);
  ASSERT_TRUE(VectorFileKind("x.i8bin", &format, &type));
  EXPECT_EQ(type, ElementType::kInt8);
  ASSERT_TRUE(VectorFileKind("x.fbin", &format, &type));
  EXPECT_EQ(type, ElementType::kFloat32);
  ASSERT_TRUE(VectorFileKind("x.bvecs", &format, &type));
  EXPECT_EQ(format, VectorFileFormat::kTexmex);
  EXPECT_EQ(type, ElementType::kUint8);
  ASSERT_TRUE(VectorFileKind("x.fvecs", &format, &type));
  EXPECT_EQ(type, ElementType::kFloat32);
  EXPECT_FALSE(IsVectorFilePath("x.hdf5"));
  EXPECT_FALSE(IsVectorFilePath("x.ivecs"));
  EXPECT_FALSE(IsVectorFilePath("x.ibin"));
  EXPECT_FALSE(IsVectorFilePath("x.FBIN"));
}

TEST(VectorFile, ReadsBigAnnBytesRawAndWidened) {
  ScratchDir dir;
  const std::string path = dir.File("base.u8bin");
  WriteBytes(path, U8Bin(40, 5));
  Result<VectorFile> file = VectorFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->rows(), 40u);
  EXPECT_EQ(file->dim(), 5u);
  EXPECT_EQ(file->element_type(), ElementType::kUint8);
  std::vector<std::uint8_t> raw(3 * 5);
  ASSERT_TRUE(file->ReadRawRows(37, 3, raw).ok());
  EXPECT_EQ(std::string(raw.begin(), raw.end()), U8Bin(40, 5).substr(8 + 37 * 5));
  std::vector<float> rows(2 * 5);
  ASSERT_TRUE(file->ReadRows(36, 2, rows).ok());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i], static_cast<float>(((36 + i / 5) * 7 + i % 5) % 256)) << i;
  }
}

TEST(VectorFile, ReadsInt8AsSignedValues) {
  ScratchDir dir;
  const std::string path = dir.File("base.i8bin");
  WriteBytes(path, U32(1) + U32(4) + std::string("\x80\xff\x00\x7f", 4));
  Result<VectorFile> file = VectorFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  std::vector<float> row(4);
  ASSERT_TRUE(file->ReadRows(0, 1, row).ok());
  EXPECT_EQ(row, (std::vector<float>{-128.0f, -1.0f, 0.0f, 127.0f}));
}

TEST(VectorFile, ReadsTexmexRowsWithoutTheirPrefixes) {
  ScratchDir dir;
  const std::string path = dir.File("base.fvecs");
  WriteBytes(path, Fvecs(6, 3));
  Result<VectorFile> file = VectorFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->format(), VectorFileFormat::kTexmex);
  EXPECT_EQ(file->rows(), 6u);
  EXPECT_EQ(file->dim(), 3u);
  std::vector<float> rows(2 * 3);
  ASSERT_TRUE(file->ReadRows(4, 2, rows).ok());
  EXPECT_EQ(rows, (std::vector<float>{4.0f, 4.125f, 4.25f, 5.0f, 5.125f, 5.25f}));
}

TEST(VectorFile, ReadsExactlyTheHeaderAndTheRequestedRows) {
  ScratchDir dir;
  const std::string path = dir.File("base.u8bin");
  WriteBytes(path, U8Bin(1000, 16));
  Result<VectorFile> file = VectorFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->bytes_read(), 8u);
  std::vector<float> rows(30 * 16);
  ASSERT_TRUE(file->ReadRows(500, 30, rows).ok());
  EXPECT_EQ(file->bytes_read(), 8u + 30 * 16);
  std::vector<std::uint8_t> raw(16);
  ASSERT_TRUE(file->ReadRawRows(999, 1, raw).ok());
  EXPECT_EQ(file->bytes_read(), 8u + 31 * 16);

  const std::string texmex = dir.File("base.bvecs");
  std::string bytes;
  for (int r = 0; r < 100; ++r) bytes += I32(8) + std::string(8, static_cast<char>(r));
  WriteBytes(texmex, bytes);
  Result<VectorFile> bvecs = VectorFile::Open(texmex);
  ASSERT_TRUE(bvecs.ok()) << bvecs.status().ToString();
  EXPECT_EQ(bvecs->bytes_read(), 4u);  // The first row's dimension.
  std::vector<float> two(2 * 8);
  ASSERT_TRUE(bvecs->ReadRows(10, 2, two).ok());
  EXPECT_EQ(bvecs->bytes_read(), 4u + 2 * 12);
  EXPECT_EQ(two[0], 10.0f);
  EXPECT_EQ(two[8], 11.0f);
}

TEST(VectorFile, MaxRowsKeepsAPrefixAndNeverReadsPastIt) {
  ScratchDir dir;
  const std::string path = dir.File("base.u8bin");
  WriteBytes(path, U8Bin(100, 4));
  Result<VectorFile> file = VectorFile::Open(path, 10);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->rows(), 10u);
  std::vector<float> all(10 * 4);
  ASSERT_TRUE(file->ReadRows(0, 10, all).ok());
  EXPECT_EQ(file->bytes_read(), 8u + 10 * 4);
  std::vector<float> past(4);
  Status st = file->ReadRows(10, 1, past);
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(st.message(), path + ": rows [10, 11) are past its end (10 rows)");
  EXPECT_EQ(file->bytes_read(), 8u + 10 * 4);
  ExpectOpenRefused(path, StatusCode::kInvalidArgument, "--rows 101 exceeds the 100 rows of the file", 101);
}

TEST(VectorFile, RefusesSizesThatDoNotMatchTheHeader) {
  ScratchDir dir;
  const std::string path = dir.File("base.u8bin");
  WriteBytes(path, U8Bin(10, 16).substr(0, 100));
  ExpectOpenRefused(path, StatusCode::kInvalidArgument,
                    "size 100 bytes does not match the header's 10 rows x 16 dimensions of uint8 (168 bytes): "
                    "truncated");
  WriteBytes(path, U8Bin(10, 16) + "x");
  ExpectOpenRefused(path, StatusCode::kInvalidArgument,
                    "size 169 bytes does not match the header's 10 rows x 16 dimensions of uint8 (168 bytes): "
                    "trailing bytes");
  const std::string fbin = dir.File("base.fbin");
  WriteBytes(fbin, U32(2) + U32(3) + std::string(23, '\0'));
  ExpectOpenRefused(fbin, StatusCode::kInvalidArgument,
                    "size 31 bytes does not match the header's 2 rows x 3 dimensions of float32 (32 bytes): truncated");
  WriteBytes(fbin, "12345");
  ExpectOpenRefused(fbin, StatusCode::kInvalidArgument, "file of 5 bytes is shorter than its 8-byte header");
}

TEST(VectorFile, RefusesZeroRowsOrDimension) {
  ScratchDir dir;
  const std::string path = dir.File("base.fbin");
  WriteBytes(path, U32(0) + U32(16));
  ExpectOpenRefused(path, StatusCode::kInvalidArgument, "header says 0 rows");
  WriteBytes(path, U32(10) + U32(0));
  ExpectOpenRefused(path, StatusCode::kInvalidArgument, "header says dimension 0");
  const std::string texmex = dir.File("base.fvecs");
  WriteBytes(texmex, I32(0) + I32(0));
  ExpectOpenRefused(texmex, StatusCode::kInvalidArgument, "first row's dimension is 0");
}

TEST(VectorFile, RefusesATexmexFileWhoseDimensionChanges) {
  ScratchDir dir;
  const std::string path = dir.File("base.fvecs");
  // Row 2 claims dimension 2 and row 3 dimension 4: the total still divides into rows of dimension 3.
  std::string bytes = Fvecs(2, 3) + I32(2) + F32(1) + F32(2) + F32(3) + I32(4) + F32(1) + F32(2) + F32(3);
  WriteBytes(path, bytes);
  Result<VectorFile> file = VectorFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  std::vector<float> ok(2 * 3);
  EXPECT_TRUE(file->ReadRows(0, 2, ok).ok());
  std::vector<float> rows(4 * 3);
  Status st = file->ReadRows(0, 4, rows);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), path + ": row 2 has dimension 2, the file's rows have 3");
  std::vector<std::uint8_t> raw(4 * 12);
  EXPECT_EQ(file->ReadRawRows(0, 4, raw).message(), path + ": row 2 has dimension 2, the file's rows have 3");
}

TEST(VectorFile, RefusesATexmexFileThatIsNotWholeRows) {
  ScratchDir dir;
  const std::string path = dir.File("base.fvecs");
  WriteBytes(path, Fvecs(20, 16).substr(0, 1000));
  ExpectOpenRefused(path, StatusCode::kInvalidArgument,
                    "size 1000 bytes is not a whole number of rows of dimension 16 (68 bytes each): truncated or not "
                    "a .fvecs file");
}

TEST(VectorFile, RefusesABigAnnFileNamedFvecsBySize) {
  ScratchDir dir;
  const std::string path = dir.File("base.fvecs");
  // A .fbin of 10 x 16: read as TEXMEX its first word says dimension 10 (44-byte rows); 648 bytes are not whole rows.
  WriteBytes(path, U32(10) + U32(16) + std::string(10 * 16 * 4, '\0'));
  ExpectOpenRefused(path, StatusCode::kInvalidArgument,
                    "size 648 bytes is not a whole number of rows of dimension 10 (44 bytes each): truncated or not "
                    "a .fvecs file");
}

TEST(VectorFile, RefusesUnknownExtensionsAndMissingFiles) {
  ScratchDir dir;
  const std::string path = dir.File("base.ivecs");
  WriteBytes(path, Fvecs(2, 2));
  ExpectOpenRefused(path, StatusCode::kInvalidArgument,
                    "unknown extension (expected .fbin, .u8bin, .i8bin, .fvecs or .bvecs)");
  ExpectOpenRefused(dir.File("missing.u8bin"), StatusCode::kNotFound, "no such file");
}

TEST(VectorFile, RefusesNonFiniteFloatsAndWrongOutputSizes) {
  ScratchDir dir;
  const std::string path = dir.File("base.fbin");
  WriteBytes(path, U32(2) + U32(2) + F32(1) + F32(2) + F32(3) + F32(std::numeric_limits<float>::infinity()));
  Result<VectorFile> file = VectorFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  std::vector<float> rows(4);
  EXPECT_EQ(file->ReadRows(0, 2, rows).message(), path + ": row 1 column 1 is Inf");
  std::vector<float> short_out(3);
  EXPECT_EQ(file->ReadRows(0, 2, short_out).message(), path + ": output holds 3 floats; 2 rows need 4");
  std::vector<std::uint8_t> raw(16);
  EXPECT_TRUE(file->ReadRawRows(0, 2, raw).ok());
}

}  // namespace
}  // namespace zyphyr
