#include "io/vector_file_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "io/vector_file.h"
#include "tests/io/little_endian_bytes.h"
#include "tests/scratch_dir.h"

namespace zyphyr {
namespace {

using testing::ReadBytes;
using testing::ScratchDir;
using testing::WriteBytes;

using testing::U32;
using testing::I32;

// rows x dim values every type holds exactly: integers in [-128, 127] (shifted into [0, 255] for uint8).
std::vector<float> Values(std::size_t rows, std::size_t dim, ElementType type) {
  std::vector<float> v(rows * dim);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const float x = static_cast<float>(static_cast<int>((i * 37) % 256) - 128);
    v[i] = type == ElementType::kUint8 ? x + 128.0f : x;
  }
  return v;
}

// The bytes a row file of `values` holds, built by hand from the format's definition.
std::string Expected(const std::string& extension, std::size_t dim, const std::vector<float>& values) {
  const bool texmex = extension == ".fvecs" || extension == ".bvecs";
  const bool floats = extension == ".fbin" || extension == ".fvecs";
  const std::size_t rows = values.size() / dim;
  std::string out = texmex ? "" : U32(static_cast<std::uint32_t>(rows)) + U32(static_cast<std::uint32_t>(dim));
  for (std::size_t r = 0; r < rows; ++r) {
    if (texmex) out += I32(static_cast<std::int32_t>(dim));
    for (std::size_t c = 0; c < dim; ++c) {
      const float v = values[r * dim + c];
      if (floats) {
        out.append(reinterpret_cast<const char*>(&v), 4);
      } else {
        out.push_back(static_cast<char>(static_cast<int>(v)));
      }
    }
  }
  return out;
}

class VectorFileRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(VectorFileRoundTrip, WritesTheFormatByteExactlyAndReadsItBack) {
  ScratchDir dir;
  const std::string path = dir.File("set" + GetParam());
  VectorFileFormat format;
  ElementType type;
  ASSERT_TRUE(VectorFileKind(path, &format, &type));
  const std::size_t rows = 23;
  const std::size_t dim = 7;
  const std::vector<float> values = Values(rows, dim, type);
  // Three blocks of uneven sizes.
  Result<VectorFileWriter> writer = VectorFileWriter::Create(path, rows, dim);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE(writer->Append({values.data(), 5 * dim}).ok());
  ASSERT_TRUE(writer->Append({values.data() + 5 * dim, 17 * dim}).ok());
  ASSERT_TRUE(writer->Append({values.data() + 22 * dim, dim}).ok());
  ASSERT_TRUE(writer->Commit().ok());
  const std::string bytes = ReadBytes(path);
  EXPECT_EQ(bytes, Expected(GetParam(), dim, values));
  EXPECT_EQ(dir.List(), std::vector<std::string>{"set" + GetParam()});  // No temporary left.

  Result<VectorFile> file = VectorFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->rows(), rows);
  EXPECT_EQ(file->dim(), dim);
  std::vector<float> back(rows * dim);
  ASSERT_TRUE(file->ReadRows(0, rows, back).ok());
  EXPECT_EQ(back, values);
  std::vector<std::uint8_t> raw(rows * dim * ElementBytes(type));
  ASSERT_TRUE(file->ReadRawRows(0, rows, raw).ok());

  // The raw rows written back through AppendRaw give the same file.
  const std::string copy = dir.File("copy" + GetParam());
  Result<VectorFileWriter> raw_writer = VectorFileWriter::Create(copy, rows, dim);
  ASSERT_TRUE(raw_writer.ok()) << raw_writer.status().ToString();
  ASSERT_TRUE(raw_writer->AppendRaw(raw).ok());
  ASSERT_TRUE(raw_writer->Commit().ok());
  EXPECT_EQ(ReadBytes(copy), bytes);
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, VectorFileRoundTrip,
                         ::testing::Values(".fbin", ".u8bin", ".i8bin", ".fvecs", ".bvecs"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param.substr(1); });

TEST(VectorFileWriter, WriteVectorFileKeepsFloatBitsExactly) {
  ScratchDir dir;
  const std::string path = dir.File("x.fbin");
  const std::vector<float> values = {0.1f, -3.5e-20f, 1e30f, std::numeric_limits<float>::denorm_min()};
  ASSERT_TRUE(WriteVectorFile(path, 2, values).ok());
  Result<VectorFile> file = VectorFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  std::vector<float> back(4);
  ASSERT_TRUE(file->ReadRows(0, 2, back).ok());
  EXPECT_EQ(std::memcmp(back.data(), values.data(), sizeof(float) * 4), 0);
}

TEST(VectorFileWriter, RefusesValuesTheTypeCannotHoldAndWritesNothingOfThem) {
  ScratchDir dir;
  const std::string path = dir.File("x.u8bin");
  Result<VectorFileWriter> writer = VectorFileWriter::Create(path, 2, 3);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE(writer->Append(std::vector<float>{1, 2, 3}).ok());
  Status st = writer->Append(std::vector<float>{4, 5, 300.5f});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), path + ": row 1 column 2 holds 300.5, not a uint8 (0..255)");
  EXPECT_EQ(writer->Commit().message(), path + ": 1 of 2 rows written");
  EXPECT_EQ(dir.List(), std::vector<std::string>{});  // The failed commit removed the temporary.

  const std::string i8 = dir.File("x.i8bin");
  Result<VectorFileWriter> signed_writer = VectorFileWriter::Create(i8, 1, 2);
  ASSERT_TRUE(signed_writer.ok());
  EXPECT_EQ(signed_writer->Append(std::vector<float>{-129, 0}).message(),
            i8 + ": row 0 column 0 holds -129, not a int8 (-128..127)");
  const std::string f = dir.File("x.fvecs");
  Result<VectorFileWriter> float_writer = VectorFileWriter::Create(f, 1, 2);
  ASSERT_TRUE(float_writer.ok());
  EXPECT_EQ(float_writer->Append(std::vector<float>{0, std::numeric_limits<float>::quiet_NaN()}).message(),
            f + ": row 0 column 1 is NaN");
}

TEST(VectorFileWriter, RefusesMoreRowsThanAnnouncedAndRaggedInput) {
  ScratchDir dir;
  const std::string path = dir.File("x.fbin");
  Result<VectorFileWriter> writer = VectorFileWriter::Create(path, 2, 3);
  ASSERT_TRUE(writer.ok());
  EXPECT_EQ(writer->Append(std::vector<float>(7)).message(), path + ": 7 floats are not whole rows of dimension 3");
  EXPECT_EQ(writer->Append(std::vector<float>(9)).message(), path + ": 3 rows would exceed the 2 announced");
  EXPECT_EQ(writer->AppendRaw(std::vector<std::uint8_t>(5)).message(),
            path + ": 5 bytes are not whole rows of dimension 3 (float32)");
}

TEST(VectorFileWriter, RefusesBadShapesExtensionsAndExistingFiles) {
  ScratchDir dir;
  EXPECT_EQ(VectorFileWriter::Create(dir.File("x.u8bin"), 0, 3).status().message(), dir.File("x.u8bin") + ": 0 rows");
  EXPECT_EQ(VectorFileWriter::Create(dir.File("x.u8bin"), 3, 0).status().message(),
            dir.File("x.u8bin") + ": dimension 0");
  EXPECT_EQ(VectorFileWriter::Create(dir.File("x.txt"), 3, 3).status().message(),
            dir.File("x.txt") + ": unknown extension (expected .fbin, .u8bin, .i8bin, .fvecs or .bvecs)");
  const std::string path = dir.File("old.fbin");
  WriteBytes(path, "old");
  EXPECT_EQ(VectorFileWriter::Create(path, 1, 1).status().message(),
            path + ": already exists (pass --force to replace it)");
  EXPECT_EQ(WriteVectorFile(path, 1, std::vector<float>{2.0f}).message(),
            path + ": already exists (pass --force to replace it)");
  EXPECT_EQ(ReadBytes(path), "old");
  ASSERT_TRUE(WriteVectorFile(path, 1, std::vector<float>{2.0f}, /*overwrite=*/true).ok());
  EXPECT_EQ(ReadBytes(path).size(), 12u);
}

TEST(VectorFileWriter, AnUncommittedWriterLeavesNoFile) {
  ScratchDir dir;
  {
    Result<VectorFileWriter> writer = VectorFileWriter::Create(dir.File("x.bvecs"), 4, 2);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE(writer->Append(std::vector<float>{1, 2}).ok());
    EXPECT_EQ(dir.List().size(), 1u);  // The temporary.
  }
  EXPECT_EQ(dir.List(), std::vector<std::string>{});
}

}  // namespace
}  // namespace zyphyr
