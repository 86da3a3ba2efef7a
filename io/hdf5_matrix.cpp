#include "io/hdf5_matrix.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <new>

#include "io/ann_dataset_reader.h"
#include "io/hdf5_handle.h"

namespace zyphyr {

Result<std::vector<float>> ReadFloatMatrix(const std::string& path, const std::string& dataset, std::size_t* rows,
                                           std::size_t* cols) {
  const std::string quoted = "'" + dataset + "'";
  const char* name = dataset.c_str();
  Hdf5Lock lock;
  Result<Hdf5Handle> file = OpenHdf5ForReading(path);
  if (!file.ok()) return file.status();
  Result<Hdf5Handle> data = OpenDataset(file->get(), path, name);
  if (!data.ok()) return data.status();
  Result<std::vector<std::uint64_t>> dims = DatasetDims(data->get(), path, name);
  if (!dims.ok()) return dims.status();
  if (dims->size() != 2) {
    return Status::InvalidArgument(path + ": dataset " + quoted + " has rank " + std::to_string(dims->size()) +
                                   "; expected 2");
  }
  {
    Hdf5Handle type(Hdf5Kind::kDatatype, H5Dget_type(data->get()));
    if (!type.valid()) return Status::IOError(path + ": cannot read dataset " + quoted + ": " + Hdf5ErrorDetail());
    const H5T_class_t cls = H5Tget_class(type.get());
    const std::size_t size = H5Tget_size(type.get());
    if (!(cls == H5T_INTEGER || (cls == H5T_FLOAT && (size == 4 || size == 8)))) {
      return Status::InvalidArgument(path + ": dataset " + quoted + " has unsupported element type " +
                                     Hdf5TypeName(type.get()) + "; expected float32, float64 or integers");
    }
  }
  const std::uint64_t r = (*dims)[0];
  const std::uint64_t c = (*dims)[1];
  const std::string shape = std::to_string(r) + " x " + std::to_string(c);
  if (r > std::numeric_limits<std::size_t>::max() || c > std::numeric_limits<std::size_t>::max() ||
      (r != 0 && c > std::numeric_limits<std::size_t>::max() / sizeof(float) / r)) {
    return Status::InvalidArgument(path + ": dataset " + quoted + " is too large (" + shape + ")");
  }
  std::vector<float> values;
  try {
    values.resize(static_cast<std::size_t>(r * c));
  } catch (const std::bad_alloc&) {
    return Status::IOError(path + ": dataset " + quoted + " (" + shape + ") does not fit in memory");
  }
  for (std::uint64_t begin = 0; begin < r && c > 0; begin += kReadBlockRows) {
    const std::uint64_t count = std::min<std::uint64_t>(kReadBlockRows, r - begin);
    ZYPHYR_RETURN_IF_ERROR(
        ReadRows(data->get(), path, name, H5T_NATIVE_FLOAT, begin, count, c, values.data() + begin * c));
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i])) continue;
    return Status::InvalidArgument(path + ": dataset " + quoted + " row " + std::to_string(i / c) + " column " +
                                   std::to_string(i % c) + (std::isnan(values[i]) ? " is NaN" : " is Inf"));
  }
  *rows = static_cast<std::size_t>(r);
  *cols = static_cast<std::size_t>(c);
  return values;
}

}  // namespace zyphyr
