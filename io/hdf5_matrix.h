// ReadFloatMatrix: one 2-D dataset of any HDF5 file read whole as float32,
// e.g. the vectors `zyphyr insert` adds to an index.
//
// Thread safety: the HDF5 calls run under the process-wide lock
// (io/hdf5_handle.h), so the function may be called from any thread.
#ifndef ZYPHYR_IO_HDF5_MATRIX_H_
#define ZYPHYR_IO_HDF5_MATRIX_H_

#include <cstddef>
#include <string>
#include <vector>

#include "src/core/status.h"

namespace zyphyr {

// The extent of a rank-2 dataset.
struct MatrixShape {
  std::size_t rows = 0;
  std::size_t cols = 0;
};

// Reads the dataset `dataset` at the root of the HDF5 file `path`: rank 2,
// float32, float64 or integers of any size (converted to float32), every value
// finite. Returns the values row-major and sets *rows and *cols (both may be
// 0). Errors (message after "<path>: "): those of opening the file (NotFound
// "no such file", InvalidArgument "not an HDF5 file", IOError "cannot open:
// ..."); InvalidArgument "no dataset 'NAME'", "'NAME' is not a dataset",
// "dataset 'NAME' has 1 dimension; expected 2 (rows x columns)", "dataset
// 'NAME' has unsupported
// element type string; expected float32, float64 or integers", "dataset 'NAME'
// row 3 column 7 is NaN" (or "is Inf"), "dataset 'NAME' is too large (R x C)";
// IOError "dataset 'NAME' (R x C) does not fit in memory" or with the HDF5
// detail.
Result<std::vector<float>> ReadFloatMatrix(const std::string& path, const std::string& dataset, std::size_t* rows,
                                           std::size_t* cols);

}  // namespace zyphyr

#endif  // ZYPHYR_IO_HDF5_MATRIX_H_
