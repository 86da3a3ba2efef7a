// HDF5 plumbing shared by io/: the process-wide lock every HDF5 call sequence runs under, an RAII owner of HDF5
// identifiers, a readable form of HDF5's error stack, and small dataset/attribute helpers. Defined in
// hdf5_handle.cpp (lock, handle, error text, opening a file), hdf5_attributes.cpp and hdf5_datasets.cpp.
//
// Internal to io/ and its tests. The public headers of io/ never include it: they expose no HDF5 type.
//
// Thread safety: the HDF5 library Zyphyr builds against (Debian's serial build) is not thread-safe, so every HDF5
// call in io/ is made while holding an Hdf5Lock. All io/ calls that touch HDF5 are therefore serialized process-wide;
// they may be made from any thread. The lock is recursive, so a handle (whose close takes the lock) may be destroyed
// inside a locked section. The first Hdf5Lock ever taken turns off HDF5's automatic printing of error stacks
// (H5Eset_auto2), because the library never prints: errors are reported through Hdf5ErrorDetail() instead.
#ifndef ZYPHYR_IO_HDF5_HANDLE_H_
#define ZYPHYR_IO_HDF5_HANDLE_H_

#include <hdf5.h>

#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/hdf5_matrix.h"
#include "src/core/status.h"

namespace zyphyr {

// Holds the process-wide HDF5 lock for its lifetime.
class Hdf5Lock {
 public:
  Hdf5Lock();
  Hdf5Lock(const Hdf5Lock&) = delete;
  Hdf5Lock& operator=(const Hdf5Lock&) = delete;

 private:
  std::unique_lock<std::recursive_mutex> lock_;
};

// What an identifier is, which decides the H5?close that releases it.
enum class Hdf5Kind { kFile, kGroup, kDataset, kDataspace, kDatatype, kAttribute, kPropertyList };

// Owns one HDF5 identifier. Move-only. Closing takes the HDF5 lock.
class Hdf5Handle {
 public:
  Hdf5Handle() = default;
  // Takes ownership of `id`; an invalid id (< 0, as returned by a failed open/create) is held as "no handle", so a
  // call's result can be wrapped before it is checked.
  Hdf5Handle(Hdf5Kind kind, hid_t id) : kind_(kind), id_(id) {}
  Hdf5Handle(Hdf5Handle&& other) noexcept : kind_(other.kind_), id_(other.id_) { other.id_ = H5I_INVALID_HID; }
  Hdf5Handle& operator=(Hdf5Handle&& other) noexcept;
  Hdf5Handle(const Hdf5Handle&) = delete;
  Hdf5Handle& operator=(const Hdf5Handle&) = delete;
  ~Hdf5Handle() { (void)Close(); }

  bool valid() const { return id_ >= 0; }
  hid_t get() const { return id_; }

  // Closes the identifier now. Returns false when HDF5 reports a failure (Hdf5ErrorDetail() then says why; for a
  // file this is where buffered data is written). Closing an empty handle succeeds.
  bool Close();

 private:
  Hdf5Kind kind_ = Hdf5Kind::kFile;
  hid_t id_ = H5I_INVALID_HID;
};

// The most specific message on HDF5's current error stack (the innermost entry with a description), e.g.
// "file signature not found"; "unknown HDF5 error" when the stack is empty. Call it right after the failing HDF5
// call, under the same lock: the next HDF5 API call clears the stack.
std::string Hdf5ErrorDetail();

// A short name for a datatype: "float32", "float64", "int32", "uint8", ..., or its class for everything else
// ("string", "compound", "enum", "bitfield", "opaque", "reference", "vlen", "array", "time"), "float16" for a float
// of another size.
std::string Hdf5TypeName(hid_t type);

// Opens `path` read-only after checking it is an HDF5 file. Errors: NotFound "<path>: no such file";
// InvalidArgument "<path>: not an HDF5 file" (also for a directory); IOError "<path>: cannot open: <detail>".
Result<Hdf5Handle> OpenHdf5ForReading(const std::string& path);

// Opens the dataset `name` at the root of `file`. Errors: InvalidArgument "<path>: no dataset '<name>'",
// InvalidArgument "<path>: '<name>' is not a dataset", IOError "<path>: cannot open dataset '<name>': <detail>".
Result<Hdf5Handle> OpenDataset(hid_t file, const std::string& path, const char* name);

// True when a link called `name` exists at the root of `file`; IOError when HDF5 cannot tell.
Result<bool> LinkExists(hid_t file, const std::string& path, const char* name);

// The extent of a dataset (empty for a scalar or null dataspace); IOError when it cannot be read.
Result<std::vector<std::uint64_t>> DatasetDims(hid_t dataset, const std::string& path, const char* name);

// Attribute readers. The attribute must hold one value (scalar or one element). Errors: NotFound
// "<path>: no attribute '<name>'"; InvalidArgument "<path>: attribute '<name>' holds <type>; expected <what>" or
// "... holds N values; expected one"; IOError "<path>: cannot read attribute '<name>': <detail>".
// Strings may be fixed length (trailing NULs and spaces are dropped) or variable length.
Result<std::string> ReadStringAttribute(hid_t object, const std::string& path, const char* name);
// Integers of any size and sign, and enums over them (h5py stores a bool as an enum over int8).
Result<std::int64_t> ReadIntegerAttribute(hid_t object, const std::string& path, const char* name);
// Floats and everything ReadIntegerAttribute accepts.
Result<double> ReadNumberAttribute(hid_t object, const std::string& path, const char* name);

// Attribute writers: a scalar attribute `name` on `object`. Strings are variable-length UTF-8 (as h5py writes them).
// IOError "<path>: cannot write attribute '<name>': <detail>".
Status WriteStringAttribute(hid_t object, const std::string& path, const char* name, std::string_view value);
Status WriteFloat64Attribute(hid_t object, const std::string& path, const char* name, double value);
Status WriteInt64Attribute(hid_t object, const std::string& path, const char* name, std::int64_t value);
Status WriteInt8Attribute(hid_t object, const std::string& path, const char* name, std::int8_t value);

// Creates dataset `name` at the root of `file` with the given file type and extent, chunked by `chunk_rows` whole
// rows when chunk_rows > 0 (rank-2 extents only), contiguous otherwise. IOError "<path>: cannot create dataset
// '<name>': <detail>".
Result<Hdf5Handle> CreateDataset(hid_t file, const std::string& path, const char* name, hid_t file_type,
                                 const std::vector<std::uint64_t>& dims, std::uint64_t chunk_rows);

// Writes (or reads) rows [begin, begin + count) of a rank-1 or rank-2 dataset with `cols` columns (1 for rank 1)
// from (into) `buffer`, whose elements have the HDF5 memory type `mem_type`; HDF5 converts between the stored and
// the memory type. The caller checks the range. IOError "<path>: cannot write (read) dataset '<name>': <detail>".
Status WriteRows(hid_t dataset, const std::string& path, const char* name, hid_t mem_type, std::uint64_t begin,
                 std::uint64_t count, std::uint64_t cols, const void* buffer);
Status ReadRows(hid_t dataset, const std::string& path, const char* name, hid_t mem_type, std::uint64_t begin,
                std::uint64_t count, std::uint64_t cols, void* buffer);

// Which stored element types a rank-2 dataset may have.
enum class MatrixElements { kFloatOrInteger, kInteger, kFloat };

// Opens dataset `name` at the root of `file`, checks that it is 2-D with an accepted element type, and returns it
// and its shape. InvalidArgument "<path>: dataset '<name>' has 1 dimension; expected 2 (rows x columns)", "<path>:
// dataset '<name>' has unsupported element type <type>; expected <types>"; the errors of OpenDataset/DatasetDims.
Status OpenMatrix(hid_t file, const std::string& path, const char* name, MatrixElements accept, Hdf5Handle* dataset,
                  MatrixShape* shape);

// InvalidArgument "<path>: dataset '<name>' is too large (R x C)" unless rows * cols elements of `element_bytes`
// are addressable.
Status CheckAddressable(const std::string& path, const char* name, MatrixShape shape, std::size_t element_bytes);

// `values` holds whole rows of `cols` values, the first being row `first_row` of dataset `name`. InvalidArgument
// "<path>: dataset '<name>' row R column C is NaN" (or "is Inf") for the first value that is not finite.
Status CheckFinite(const std::string& path, const char* name, std::size_t first_row, std::size_t cols,
                   std::span<const float> values);

}  // namespace zyphyr

#endif  // ZYPHYR_IO_HDF5_HANDLE_H_
