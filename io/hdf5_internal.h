// Helpers shared by the io/hdf5_*.cpp files that define io/hdf5_handle.h. Internal to them.
#ifndef ZYPHYR_IO_HDF5_INTERNAL_H_
#define ZYPHYR_IO_HDF5_INTERNAL_H_

#include <string>

namespace zyphyr::hdf5_internal {

// `name` in single quotes, as every HDF5 message names a dataset or attribute.
inline std::string Quoted(const char* name) { return std::string("'") + name + "'"; }

}  // namespace zyphyr::hdf5_internal

#endif  // ZYPHYR_IO_HDF5_INTERNAL_H_
