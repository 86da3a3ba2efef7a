// The dataset functions of io/hdf5_handle.h: look-up and opening, extents, creation, row reads and writes, and the
// checks on a matrix's shape and values.
#include "io/hdf5_handle.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "io/hdf5_internal.h"

namespace zyphyr {
namespace {

using hdf5_internal::Quoted;

// Selects rows [begin, begin + count) of `dataset` with `cols` columns and calls
// transfer(memory space, file space), which moves the rows and returns an HDF5 status. IOError
// "<path>: cannot <verb> dataset '<name>': <detail>" when the selection or the transfer fails.
template <typename Transfer>
Status TransferRows(hid_t dataset, const std::string& path, const char* name, std::uint64_t begin, std::uint64_t count,
                    std::uint64_t cols, const char* verb, Transfer transfer) {
  if (count == 0) return Status::Ok();
  Hdf5Lock lock;
  const auto failed = [&] {
    return Status::IOError(path + ": cannot " + verb + " dataset " + Quoted(name) + ": " + Hdf5ErrorDetail());
  };
  Hdf5Handle file_space(Hdf5Kind::kDataspace, H5Dget_space(dataset));
  if (!file_space.valid()) return failed();
  const int rank = H5Sget_simple_extent_ndims(file_space.get());
  if (rank != 1 && rank != 2) return failed();
  const hsize_t start[2] = {begin, 0};
  const hsize_t extent[2] = {count, cols};
  if (H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, extent, nullptr) < 0) return failed();
  Hdf5Handle mem_space(Hdf5Kind::kDataspace, H5Screate_simple(rank, extent, nullptr));
  if (!mem_space.valid() || transfer(mem_space.get(), file_space.get()) < 0) return failed();
  return Status::Ok();
}

}  // namespace

Result<bool> LinkExists(hid_t file, const std::string& path, const char* name) {
  Hdf5Lock lock;
  const htri_t exists = H5Lexists(file, name, H5P_DEFAULT);
  if (exists < 0) return Status::IOError(path + ": cannot look up " + Quoted(name) + ": " + Hdf5ErrorDetail());
  return exists > 0;
}

Result<Hdf5Handle> OpenDataset(hid_t file, const std::string& path, const char* name) {
  Hdf5Lock lock;
  Result<bool> exists = LinkExists(file, path, name);
  if (!exists.ok()) return exists.status();
  if (!*exists) return Status::InvalidArgument(path + ": no dataset " + Quoted(name));
  // H5Oopen opens whatever the link names, so a group is told apart from a broken file.
  const hid_t id = H5Oopen(file, name, H5P_DEFAULT);
  if (id < 0) return Status::IOError(path + ": cannot open dataset " + Quoted(name) + ": " + Hdf5ErrorDetail());
  if (H5Iget_type(id) != H5I_DATASET) {
    H5Oclose(id);
    return Status::InvalidArgument(path + ": " + Quoted(name) + " is not a dataset");
  }
  return Hdf5Handle(Hdf5Kind::kDataset, id);
}

Result<std::vector<std::uint64_t>> DatasetDims(hid_t dataset, const std::string& path, const char* name) {
  Hdf5Lock lock;
  Hdf5Handle space(Hdf5Kind::kDataspace, H5Dget_space(dataset));
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 0) return Status::IOError(path + ": cannot read dataset " + Quoted(name) + ": " + Hdf5ErrorDetail());
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0) {
    return Status::IOError(path + ": cannot read dataset " + Quoted(name) + ": " + Hdf5ErrorDetail());
  }
  return std::vector<std::uint64_t>(dims.begin(), dims.end());
}

Result<Hdf5Handle> CreateDataset(hid_t file, const std::string& path, const char* name, hid_t file_type,
                                 const std::vector<std::uint64_t>& dims, std::uint64_t chunk_rows) {
  Hdf5Lock lock;
  const std::vector<hsize_t> extent(dims.begin(), dims.end());
  Hdf5Handle space(Hdf5Kind::kDataspace, H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr));
  Hdf5Handle properties(Hdf5Kind::kPropertyList, H5Pcreate(H5P_DATASET_CREATE));
  Hdf5Handle dataset;
  // No modification times in the file: the same data gives the same bytes.
  bool ok = space.valid() && properties.valid() && H5Pset_obj_track_times(properties.get(), false) >= 0;
  if (ok && chunk_rows > 0 && extent.size() == 2) {
    const hsize_t chunk[2] = {chunk_rows, extent[1]};
    ok = H5Pset_chunk(properties.get(), 2, chunk) >= 0;
  }
  if (ok) {
    dataset = Hdf5Handle(Hdf5Kind::kDataset,
                         H5Dcreate2(file, name, file_type, space.get(), H5P_DEFAULT, properties.get(), H5P_DEFAULT));
  }
  if (!dataset.valid()) {
    return Status::IOError(path + ": cannot create dataset " + Quoted(name) + ": " + Hdf5ErrorDetail());
  }
  return dataset;
}

Status WriteRows(hid_t dataset, const std::string& path, const char* name, hid_t mem_type, std::uint64_t begin,
                 std::uint64_t count, std::uint64_t cols, const void* buffer) {
  return TransferRows(dataset, path, name, begin, count, cols, "write", [&](hid_t mem_space, hid_t file_space) {
    return H5Dwrite(dataset, mem_type, mem_space, file_space, H5P_DEFAULT, buffer);
  });
}

Status ReadRows(hid_t dataset, const std::string& path, const char* name, hid_t mem_type, std::uint64_t begin,
                std::uint64_t count, std::uint64_t cols, void* buffer) {
  return TransferRows(dataset, path, name, begin, count, cols, "read", [&](hid_t mem_space, hid_t file_space) {
    return H5Dread(dataset, mem_type, mem_space, file_space, H5P_DEFAULT, buffer);
  });
}

Status OpenMatrix(hid_t file, const std::string& path, const char* name, MatrixElements accept, Hdf5Handle* dataset,
                  MatrixShape* shape) {
  Hdf5Lock lock;
  Result<Hdf5Handle> opened = OpenDataset(file, path, name);
  if (!opened.ok()) return opened.status();
  Result<std::vector<std::uint64_t>> dims = DatasetDims(opened->get(), path, name);
  if (!dims.ok()) return dims.status();
  if (dims->size() != 2) {
    return Status::InvalidArgument(path + ": dataset " + Quoted(name) + " has " + std::to_string(dims->size()) +
                                   (dims->size() == 1 ? " dimension" : " dimensions") +
                                   "; expected 2 (rows x columns)");
  }
  Hdf5Handle type(Hdf5Kind::kDatatype, H5Dget_type(opened->get()));
  if (!type.valid()) return Status::IOError(path + ": cannot read dataset " + Quoted(name) + ": " + Hdf5ErrorDetail());
  const H5T_class_t cls = H5Tget_class(type.get());
  const std::size_t size = H5Tget_size(type.get());
  const bool is_float = cls == H5T_FLOAT && (size == 4 || size == 8);
  const bool is_integer = cls == H5T_INTEGER;
  const bool supported = accept == MatrixElements::kFloatOrInteger ? is_float || is_integer
                         : accept == MatrixElements::kInteger      ? is_integer
                                                                   : is_float;
  if (!supported) {
    const char* expected = accept == MatrixElements::kFloatOrInteger ? "float32, float64 or integers"
                           : accept == MatrixElements::kInteger      ? "integers"
                                                                     : "float32 or float64";
    return Status::InvalidArgument(path + ": dataset " + Quoted(name) + " has unsupported element type " +
                                   Hdf5TypeName(type.get()) + "; expected " + expected);
  }
  *dataset = std::move(opened).value();
  *shape = MatrixShape{(*dims)[0], (*dims)[1]};
  return Status::Ok();
}

Status CheckAddressable(const std::string& path, const char* name, MatrixShape shape, std::size_t element_bytes) {
  if (shape.rows != 0 && shape.cols > std::numeric_limits<std::size_t>::max() / element_bytes / shape.rows) {
    return Status::InvalidArgument(path + ": dataset " + Quoted(name) + " is too large (" + std::to_string(shape.rows) +
                                   " x " + std::to_string(shape.cols) + ")");
  }
  return Status::Ok();
}

Status CheckFinite(const std::string& path, const char* name, std::size_t first_row, std::size_t cols,
                   std::span<const float> values) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i])) continue;
    return Status::InvalidArgument(path + ": dataset " + Quoted(name) + " row " + std::to_string(first_row + i / cols) +
                                   " column " + std::to_string(i % cols) +
                                   (std::isnan(values[i]) ? " is NaN" : " is Inf"));
  }
  return Status::Ok();
}

}  // namespace zyphyr
