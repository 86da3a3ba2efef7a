#include "io/hdf5_handle.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

namespace zyphyr {
namespace {

std::recursive_mutex& Hdf5Mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

std::string Quoted(const char* name) { return std::string("'") + name + "'"; }

// IOError for a failed attribute read, with HDF5's reason; call it before any other HDF5 call.
Status ReadError(const std::string& path, const char* name) {
  return Status::IOError(path + ": cannot read attribute " + Quoted(name) + ": " + Hdf5ErrorDetail());
}

herr_t KeepFirstDescription(unsigned /*n*/, const H5E_error2_t* err, void* data) {
  auto* detail = static_cast<std::string*>(data);
  if (detail->empty() && err != nullptr && err->desc != nullptr && err->desc[0] != '\0') *detail = err->desc;
  return 0;
}

// The number of elements an attribute's dataspace holds, or -1 when HDF5 cannot tell.
hssize_t AttributePoints(hid_t attribute) {
  Hdf5Handle space(Hdf5Kind::kDataspace, H5Aget_space(attribute));
  return space.valid() ? H5Sget_simple_extent_npoints(space.get()) : -1;
}

// Opens attribute `name` and checks it holds one value; NotFound when absent.
Result<Hdf5Handle> OpenSingleAttribute(hid_t object, const std::string& path, const char* name) {
  const htri_t exists = H5Aexists(object, name);
  if (exists < 0) return ReadError(path, name);
  if (exists == 0) return Status::NotFound(path + ": no attribute " + Quoted(name));
  Hdf5Handle attribute(Hdf5Kind::kAttribute, H5Aopen(object, name, H5P_DEFAULT));
  if (!attribute.valid()) return ReadError(path, name);
  const hssize_t points = AttributePoints(attribute.get());
  if (points != 1) {
    return Status::InvalidArgument(path + ": attribute " + Quoted(name) + " holds " + std::to_string(points) +
                                   " values; expected one");
  }
  return attribute;
}

Status WrongAttributeType(const std::string& path, const char* name, hid_t type, const char* expected) {
  return Status::InvalidArgument(path + ": attribute " + Quoted(name) + " holds " + Hdf5TypeName(type) + "; expected " +
                                 expected);
}

Status WriteScalarAttribute(hid_t object, const std::string& path, const char* name, hid_t file_type, hid_t mem_type,
                            const void* value) {
  Hdf5Lock lock;
  Hdf5Handle space(Hdf5Kind::kDataspace, H5Screate(H5S_SCALAR));
  Hdf5Handle attribute;
  if (space.valid()) {
    attribute =
        Hdf5Handle(Hdf5Kind::kAttribute, H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT));
  }
  if (!attribute.valid() || H5Awrite(attribute.get(), mem_type, value) < 0) {
    return Status::IOError(path + ": cannot write attribute " + Quoted(name) + ": " + Hdf5ErrorDetail());
  }
  return Status::Ok();
}

// Selects rows [begin, begin + count) of `dataset` and returns {file space, memory space}.
bool SelectRows(hid_t dataset, std::uint64_t begin, std::uint64_t count, std::uint64_t cols, Hdf5Handle* file_space,
                Hdf5Handle* mem_space) {
  *file_space = Hdf5Handle(Hdf5Kind::kDataspace, H5Dget_space(dataset));
  if (!file_space->valid()) return false;
  const int rank = H5Sget_simple_extent_ndims(file_space->get());
  if (rank != 1 && rank != 2) return false;
  const hsize_t start[2] = {begin, 0};
  const hsize_t extent[2] = {count, cols};
  if (H5Sselect_hyperslab(file_space->get(), H5S_SELECT_SET, start, nullptr, extent, nullptr) < 0) return false;
  *mem_space = Hdf5Handle(Hdf5Kind::kDataspace, H5Screate_simple(rank, extent, nullptr));
  return mem_space->valid();
}

}  // namespace

Hdf5Lock::Hdf5Lock() : lock_(Hdf5Mutex()) {
  static std::once_flag quiet_errors;
  std::call_once(quiet_errors, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

Hdf5Handle& Hdf5Handle::operator=(Hdf5Handle&& other) noexcept {
  if (this != &other) {
    (void)Close();
    kind_ = other.kind_;
    id_ = other.id_;
    other.id_ = H5I_INVALID_HID;
  }
  return *this;
}

bool Hdf5Handle::Close() {
  if (id_ < 0) return true;
  Hdf5Lock lock;
  herr_t rc = -1;
  switch (kind_) {
    case Hdf5Kind::kFile:
      rc = H5Fclose(id_);
      break;
    case Hdf5Kind::kGroup:
      rc = H5Gclose(id_);
      break;
    case Hdf5Kind::kDataset:
      rc = H5Dclose(id_);
      break;
    case Hdf5Kind::kDataspace:
      rc = H5Sclose(id_);
      break;
    case Hdf5Kind::kDatatype:
      rc = H5Tclose(id_);
      break;
    case Hdf5Kind::kAttribute:
      rc = H5Aclose(id_);
      break;
    case Hdf5Kind::kPropertyList:
      rc = H5Pclose(id_);
      break;
  }
  id_ = H5I_INVALID_HID;
  return rc >= 0;
}

std::string Hdf5ErrorDetail() {
  Hdf5Lock lock;
  std::string detail;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, KeepFirstDescription, &detail);
  return detail.empty() ? "unknown HDF5 error" : detail;
}

std::string Hdf5TypeName(hid_t type) {
  Hdf5Lock lock;
  const std::size_t bits = H5Tget_size(type) * 8;
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(bits);
    case H5T_FLOAT:
      return "float" + std::to_string(bits);
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ENUM:
      return "enum";
    case H5T_BITFIELD:
      return "bitfield";
    case H5T_OPAQUE:
      return "opaque";
    case H5T_REFERENCE:
      return "reference";
    case H5T_VLEN:
      return "vlen";
    case H5T_ARRAY:
      return "array";
    case H5T_TIME:
      return "time";
    default:
      return "unknown";
  }
}

Result<Hdf5Handle> OpenHdf5ForReading(const std::string& path) {
  // Checked with the system first: HDF5's own messages for these cases are long and name internal functions.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  }
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  ::close(fd);
  if (!regular) return Status::InvalidArgument(path + ": not an HDF5 file");
  Hdf5Lock lock;
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 < 0) return Status::IOError(path + ": cannot open: " + Hdf5ErrorDetail());
  if (is_hdf5 == 0) return Status::InvalidArgument(path + ": not an HDF5 file");
  Hdf5Handle file(Hdf5Kind::kFile, H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid()) return Status::IOError(path + ": cannot open: " + Hdf5ErrorDetail());
  return file;
}

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

Result<std::string> ReadStringAttribute(hid_t object, const std::string& path, const char* name) {
  Hdf5Lock lock;
  Result<Hdf5Handle> attribute = OpenSingleAttribute(object, path, name);
  if (!attribute.ok()) return attribute.status();
  Hdf5Handle file_type(Hdf5Kind::kDatatype, H5Aget_type(attribute->get()));
  if (!file_type.valid()) return ReadError(path, name);
  if (H5Tget_class(file_type.get()) != H5T_STRING) return WrongAttributeType(path, name, file_type.get(), "a string");
  if (H5Tis_variable_str(file_type.get()) > 0) {
    Hdf5Handle mem_type(Hdf5Kind::kDatatype, H5Tcopy(H5T_C_S1));
    char* text = nullptr;
    if (!mem_type.valid() || H5Tset_size(mem_type.get(), H5T_VARIABLE) < 0 ||
        H5Tset_cset(mem_type.get(), H5Tget_cset(file_type.get())) < 0 ||
        H5Aread(attribute->get(), mem_type.get(), &text) < 0) {
      return ReadError(path, name);
    }
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    return value;
  }
  // Fixed length: read the stored bytes unconverted, then drop the padding (NUL or space).
  std::string value(H5Tget_size(file_type.get()), '\0');
  if (value.empty() || H5Aread(attribute->get(), file_type.get(), value.data()) < 0) {
    return ReadError(path, name);
  }
  value.resize(std::strlen(value.c_str()));
  while (!value.empty() && value.back() == ' ') value.pop_back();
  return value;
}

Result<std::int64_t> ReadIntegerAttribute(hid_t object, const std::string& path, const char* name) {
  Hdf5Lock lock;
  Result<Hdf5Handle> attribute = OpenSingleAttribute(object, path, name);
  if (!attribute.ok()) return attribute.status();
  Hdf5Handle file_type(Hdf5Kind::kDatatype, H5Aget_type(attribute->get()));
  if (!file_type.valid()) return ReadError(path, name);
  const H5T_class_t cls = H5Tget_class(file_type.get());
  std::int64_t value = 0;
  herr_t rc = -1;
  if (cls == H5T_INTEGER) {
    rc = H5Aread(attribute->get(), H5T_NATIVE_INT64, &value);
  } else if (cls == H5T_ENUM && H5Tget_size(file_type.get()) <= sizeof(value)) {
    // HDF5 converts no enum to an integer; the stored bytes are those of the base integer type, so read them
    // unconverted and convert from the base type.
    Hdf5Handle native(Hdf5Kind::kDatatype, H5Tget_native_type(file_type.get(), H5T_DIR_DEFAULT));
    Hdf5Handle base(Hdf5Kind::kDatatype, native.valid() ? H5Tget_super(native.get()) : H5I_INVALID_HID);
    unsigned char buffer[sizeof(std::int64_t)] = {};
    if (!base.valid() || H5Aread(attribute->get(), native.get(), buffer) < 0 ||
        H5Tconvert(base.get(), H5T_NATIVE_INT64, 1, buffer, nullptr, H5P_DEFAULT) < 0) {
      return ReadError(path, name);  // Before the handles above close, which would clear the error stack.
    }
    std::memcpy(&value, buffer, sizeof(value));
    rc = 0;
  } else {
    return WrongAttributeType(path, name, file_type.get(), "an integer");
  }
  if (rc < 0) return ReadError(path, name);
  return value;
}

Result<double> ReadNumberAttribute(hid_t object, const std::string& path, const char* name) {
  Hdf5Lock lock;
  Result<Hdf5Handle> attribute = OpenSingleAttribute(object, path, name);
  if (!attribute.ok()) return attribute.status();
  Hdf5Handle file_type(Hdf5Kind::kDatatype, H5Aget_type(attribute->get()));
  if (!file_type.valid()) return ReadError(path, name);
  const H5T_class_t cls = H5Tget_class(file_type.get());
  if (cls == H5T_INTEGER || cls == H5T_ENUM) {
    Result<std::int64_t> value = ReadIntegerAttribute(object, path, name);
    if (!value.ok()) return value.status();
    return static_cast<double>(*value);
  }
  if (cls != H5T_FLOAT) return WrongAttributeType(path, name, file_type.get(), "a number");
  double value = 0;
  if (H5Aread(attribute->get(), H5T_NATIVE_DOUBLE, &value) < 0) return ReadError(path, name);
  return value;
}

Status WriteStringAttribute(hid_t object, const std::string& path, const char* name, std::string_view value) {
  Hdf5Lock lock;
  Hdf5Handle type(Hdf5Kind::kDatatype, H5Tcopy(H5T_C_S1));
  if (!type.valid() || H5Tset_size(type.get(), H5T_VARIABLE) < 0 || H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0) {
    return Status::IOError(path + ": cannot write attribute " + Quoted(name) + ": " + Hdf5ErrorDetail());
  }
  const std::string text(value);
  const char* pointer = text.c_str();
  return WriteScalarAttribute(object, path, name, type.get(), type.get(), &pointer);
}

Status WriteFloat64Attribute(hid_t object, const std::string& path, const char* name, double value) {
  return WriteScalarAttribute(object, path, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

Status WriteInt64Attribute(hid_t object, const std::string& path, const char* name, std::int64_t value) {
  return WriteScalarAttribute(object, path, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

Status WriteInt8Attribute(hid_t object, const std::string& path, const char* name, std::int8_t value) {
  return WriteScalarAttribute(object, path, name, H5T_STD_I8LE, H5T_NATIVE_INT8, &value);
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
  if (count == 0) return Status::Ok();
  Hdf5Lock lock;
  Hdf5Handle file_space, mem_space;
  if (!SelectRows(dataset, begin, count, cols, &file_space, &mem_space) ||
      H5Dwrite(dataset, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, buffer) < 0) {
    return Status::IOError(path + ": cannot write dataset " + Quoted(name) + ": " + Hdf5ErrorDetail());
  }
  return Status::Ok();
}

Status ReadRows(hid_t dataset, const std::string& path, const char* name, hid_t mem_type, std::uint64_t begin,
                std::uint64_t count, std::uint64_t cols, void* buffer) {
  if (count == 0) return Status::Ok();
  Hdf5Lock lock;
  Hdf5Handle file_space, mem_space;
  if (!SelectRows(dataset, begin, count, cols, &file_space, &mem_space) ||
      H5Dread(dataset, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, buffer) < 0) {
    return Status::IOError(path + ": cannot read dataset " + Quoted(name) + ": " + Hdf5ErrorDetail());
  }
  return Status::Ok();
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
