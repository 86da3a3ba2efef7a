#include "io/hdf5_matrix.h"

#include <algorithm>
#include <new>

#include "io/ann_dataset_reader.h"
#include "io/hdf5_handle.h"

namespace zyphyr {

Result<std::vector<float>> ReadFloatMatrix(const std::string& path, const std::string& dataset, std::size_t* rows,
                                           std::size_t* cols) {
  const char* name = dataset.c_str();
  Hdf5Lock lock;
  Result<Hdf5Handle> file = OpenHdf5ForReading(path);
  if (!file.ok()) return file.status();
  Hdf5Handle data;
  MatrixShape shape;
  ZYPHYR_RETURN_IF_ERROR(OpenMatrix(file->get(), path, name, MatrixElements::kFloatOrInteger, &data, &shape));
  ZYPHYR_RETURN_IF_ERROR(CheckAddressable(path, name, shape, sizeof(float)));
  std::vector<float> values;
  try {
    values.resize(shape.rows * shape.cols);
  } catch (const std::bad_alloc&) {
    return Status::IOError(path + ": dataset '" + dataset + "' (" + std::to_string(shape.rows) + " x " +
                           std::to_string(shape.cols) + ") does not fit in memory");
  }
  for (std::size_t begin = 0; begin < shape.rows && shape.cols > 0; begin += kReadBlockRows) {
    const std::size_t count = std::min(kReadBlockRows, shape.rows - begin);
    float* block = values.data() + begin * shape.cols;
    ZYPHYR_RETURN_IF_ERROR(ReadRows(data.get(), path, name, H5T_NATIVE_FLOAT, begin, count, shape.cols, block));
    ZYPHYR_RETURN_IF_ERROR(CheckFinite(path, name, begin, shape.cols, {block, count * shape.cols}));
  }
  *rows = shape.rows;
  *cols = shape.cols;
  return values;
}

}  // namespace zyphyr
