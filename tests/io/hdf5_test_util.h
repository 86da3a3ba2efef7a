// Shared helpers for the io/ tests: a per-test temporary directory, byte-level file access, and a builder for raw
// HDF5 files holding what AnnDatasetWriter never writes (other element types, wrong ranks, missing parts).
#ifndef ZYPHYR_TESTS_IO_HDF5_TEST_UTIL_H_
#define ZYPHYR_TESTS_IO_HDF5_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "io/hdf5_handle.h"
#include "tests/scratch_dir.h"

namespace zyphyr::testing {

// Element types a raw dataset may be stored with.
enum class RawType { kF32, kF64, kI8, kU8, kI16, kU16, kI32, kI64, kU64, kString, kCompound, kEnum, kBitfield };

struct RawDataset {
  std::string name;
  RawType type = RawType::kF32;
  std::vector<hsize_t> dims;
  std::vector<double> values;  // Converted by HDF5 to `type`; empty: the dataset is created but not written.
};

struct RawFile {
  std::vector<RawDataset> datasets;
  std::vector<std::string> groups;  // Empty groups at the root.
  std::optional<std::string> distance = "euclidean";
  bool fixed_length_strings = true;  // Else variable length (as h5py 3 writes str).
  std::optional<std::int64_t> dimension;
};

inline RawDataset Matrix(const std::string& name, RawType type, hsize_t rows, hsize_t cols,
                         std::vector<double> values = {}) {
  if (values.empty()) {
    for (hsize_t i = 0; i < rows * cols; ++i) values.push_back(static_cast<double>(i % 7));
  }
  return RawDataset{name, type, {rows, cols}, std::move(values)};
}

// A new datatype id for `type` (the caller closes it).
inline hid_t MakeRawType(RawType type) {
  switch (type) {
    case RawType::kF32:
      return H5Tcopy(H5T_IEEE_F32LE);
    case RawType::kF64:
      return H5Tcopy(H5T_IEEE_F64BE);  // Big-endian on purpose: HDF5 converts byte order too.
    case RawType::kI8:
      return H5Tcopy(H5T_STD_I8LE);
    case RawType::kU8:
      return H5Tcopy(H5T_STD_U8LE);
    case RawType::kI16:
      return H5Tcopy(H5T_STD_I16BE);
    case RawType::kU16:
      return H5Tcopy(H5T_STD_U16LE);
    case RawType::kI32:
      return H5Tcopy(H5T_STD_I32LE);
    case RawType::kI64:
      return H5Tcopy(H5T_STD_I64LE);
    case RawType::kU64:
      return H5Tcopy(H5T_STD_U64LE);
    case RawType::kBitfield:
      return H5Tcopy(H5T_STD_B8LE);
    case RawType::kString: {
      const hid_t t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, 8);
      return t;
    }
    case RawType::kCompound: {
      const hid_t t = H5Tcreate(H5T_COMPOUND, 8);
      H5Tinsert(t, "a", 0, H5T_STD_I32LE);
      H5Tinsert(t, "b", 4, H5T_IEEE_F32LE);
      return t;
    }
    case RawType::kEnum: {
      const hid_t t = H5Tenum_create(H5T_STD_I8LE);
      const std::int8_t no = 0, yes = 1;
      H5Tenum_insert(t, "FALSE", &no);
      H5Tenum_insert(t, "TRUE", &yes);
      return t;
    }
  }
  return H5I_INVALID_HID;
}

// A fixed-length (NUL padded) string attribute, as numpy bytes are stored.
inline void WriteFixedStringAttribute(hid_t object, const char* name, const std::string& value) {
  Hdf5Lock lock;
  Hdf5Handle type(Hdf5Kind::kDatatype, H5Tcopy(H5T_C_S1));
  ASSERT_GE(H5Tset_size(type.get(), std::max<std::size_t>(1, value.size())), 0);
  ASSERT_GE(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), 0);
  Hdf5Handle space(Hdf5Kind::kDataspace, H5Screate(H5S_SCALAR));
  Hdf5Handle attribute(Hdf5Kind::kAttribute,
                       H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  ASSERT_TRUE(attribute.valid());
  std::string padded = value;
  padded.resize(std::max<std::size_t>(1, value.size()), '\0');
  ASSERT_GE(H5Awrite(attribute.get(), type.get(), padded.data()), 0);
}

inline void WriteRawFile(const std::string& path, const RawFile& spec) {
  Hdf5Lock lock;
  Hdf5Handle file(Hdf5Kind::kFile, H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
  ASSERT_TRUE(file.valid()) << path << ": " << Hdf5ErrorDetail();
  for (const RawDataset& d : spec.datasets) {
    Hdf5Handle type(Hdf5Kind::kDatatype, MakeRawType(d.type));
    Hdf5Handle space(Hdf5Kind::kDataspace,
                     d.dims.empty() ? H5Screate(H5S_SCALAR)
                                    : H5Screate_simple(static_cast<int>(d.dims.size()), d.dims.data(), nullptr));
    Hdf5Handle dataset(Hdf5Kind::kDataset, H5Dcreate2(file.get(), d.name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                                      H5P_DEFAULT, H5P_DEFAULT));
    ASSERT_TRUE(dataset.valid()) << d.name << ": " << Hdf5ErrorDetail();
    if (!d.values.empty()) {
      ASSERT_GE(H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.values.data()), 0)
          << d.name << ": " << Hdf5ErrorDetail();
    }
  }
  for (const std::string& g : spec.groups) {
    Hdf5Handle group(Hdf5Kind::kGroup, H5Gcreate2(file.get(), g.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    ASSERT_TRUE(group.valid());
  }
  if (spec.distance.has_value()) {
    if (spec.fixed_length_strings) {
      WriteFixedStringAttribute(file.get(), "distance", *spec.distance);
    } else {
      ASSERT_TRUE(WriteStringAttribute(file.get(), path, "distance", *spec.distance).ok());
    }
  }
  if (spec.dimension.has_value()) {
    ASSERT_TRUE(WriteInt64Attribute(file.get(), path, "dimension", *spec.dimension).ok());
  }
  ASSERT_TRUE(file.Close()) << Hdf5ErrorDetail();
}

// A valid dataset file: train 6 x 3, test 2 x 3 (values i % 7), euclidean; ground truth 2 x 2 when asked.
inline RawFile ValidRawFile(bool ground_truth = false) {
  RawFile spec;
  spec.datasets = {Matrix("train", RawType::kF32, 6, 3), Matrix("test", RawType::kF32, 2, 3)};
  if (ground_truth) {
    spec.datasets.push_back(Matrix("neighbors", RawType::kI32, 2, 2, {0, 1, 2, 3}));
    spec.datasets.push_back(Matrix("distances", RawType::kF32, 2, 2, {0.5, 1, 1.5, 2}));
  }
  return spec;
}

// Replaces (or appends) the dataset called `dataset.name` in `spec`.
inline RawFile With(RawFile spec, RawDataset dataset) {
  auto it = std::find_if(spec.datasets.begin(), spec.datasets.end(),
                         [&](const RawDataset& d) { return d.name == dataset.name; });
  if (it != spec.datasets.end()) {
    *it = std::move(dataset);
  } else {
    spec.datasets.push_back(std::move(dataset));
  }
  return spec;
}

inline RawFile Without(RawFile spec, const std::string& name) {
  spec.datasets.erase(
      std::remove_if(spec.datasets.begin(), spec.datasets.end(), [&](const RawDataset& d) { return d.name == name; }),
      spec.datasets.end());
  return spec;
}

// Expects each dataset {name, type} of `types` in `file` (opened from `path`) to be stored with the HDF5 type that
// Hdf5TypeName calls `type`; a fatal failure when one cannot be opened. The caller holds an Hdf5Lock.
inline void ExpectStoredTypes(hid_t file, const std::string& path,
                              std::initializer_list<std::pair<const char*, const char*>> types) {
  for (const auto& [name, type] : types) {
    Result<Hdf5Handle> dataset = OpenDataset(file, path, name);
    ASSERT_TRUE(dataset.ok());
    Hdf5Handle stored(Hdf5Kind::kDatatype, H5Dget_type(dataset->get()));
    EXPECT_EQ(Hdf5TypeName(stored.get()), type) << name;
  }
}

}  // namespace zyphyr::testing

#endif  // ZYPHYR_TESTS_IO_HDF5_TEST_UTIL_H_
