// The attribute readers and writers of io/hdf5_handle.h.
#include "io/hdf5_handle.h"

#include <cstring>
#include <string>
#include <utility>

#include "io/hdf5_internal.h"

namespace zyphyr {
namespace {

using hdf5_internal::Quoted;

// IOError for a failed attribute read, with HDF5's reason; call it before any other HDF5 call.
Status ReadError(const std::string& path, const char* name) {
  return Status::IOError(path + ": cannot read attribute " + Quoted(name) + ": " + Hdf5ErrorDetail());
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

// An attribute opened by OpenSingleAttribute, with its stored type. Destroyed type first, as locals would be.
struct TypedAttribute {
  Hdf5Handle attribute;
  Hdf5Handle file_type;
};

// OpenSingleAttribute, then the attribute's stored type; its errors, or a read error when the type is unreadable.
// The caller holds the Hdf5Lock.
Result<TypedAttribute> OpenTypedAttribute(hid_t object, const std::string& path, const char* name) {
  Result<Hdf5Handle> attribute = OpenSingleAttribute(object, path, name);
  if (!attribute.ok()) return attribute.status();
  Hdf5Handle file_type(Hdf5Kind::kDatatype, H5Aget_type(attribute->get()));
  if (!file_type.valid()) return ReadError(path, name);
  return TypedAttribute{std::move(*attribute), std::move(file_type)};
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

}  // namespace

Result<std::string> ReadStringAttribute(hid_t object, const std::string& path, const char* name) {
  Hdf5Lock lock;
  Result<TypedAttribute> typed = OpenTypedAttribute(object, path, name);
  if (!typed.ok()) return typed.status();
  const Hdf5Handle& attribute = typed->attribute;
  const Hdf5Handle& file_type = typed->file_type;
  if (H5Tget_class(file_type.get()) != H5T_STRING) return WrongAttributeType(path, name, file_type.get(), "a string");
  if (H5Tis_variable_str(file_type.get()) > 0) {
    Hdf5Handle mem_type(Hdf5Kind::kDatatype, H5Tcopy(H5T_C_S1));
    char* text = nullptr;
    if (!mem_type.valid() || H5Tset_size(mem_type.get(), H5T_VARIABLE) < 0 ||
        H5Tset_cset(mem_type.get(), H5Tget_cset(file_type.get())) < 0 ||
        H5Aread(attribute.get(), mem_type.get(), &text) < 0) {
      return ReadError(path, name);
    }
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    return value;
  }
  // Fixed length: read the stored bytes unconverted, then drop the padding (NUL or space).
  std::string value(H5Tget_size(file_type.get()), '\0');
  if (value.empty() || H5Aread(attribute.get(), file_type.get(), value.data()) < 0) {
    return ReadError(path, name);
  }
  value.resize(std::strlen(value.c_str()));
  while (!value.empty() && value.back() == ' ') value.pop_back();
  return value;
}

Result<std::int64_t> ReadIntegerAttribute(hid_t object, const std::string& path, const char* name) {
  Hdf5Lock lock;
  Result<TypedAttribute> typed = OpenTypedAttribute(object, path, name);
  if (!typed.ok()) return typed.status();
  const Hdf5Handle& attribute = typed->attribute;
  const Hdf5Handle& file_type = typed->file_type;
  const H5T_class_t cls = H5Tget_class(file_type.get());
  std::int64_t value = 0;
  herr_t rc = -1;
  if (cls == H5T_INTEGER) {
    rc = H5Aread(attribute.get(), H5T_NATIVE_INT64, &value);
  } else if (cls == H5T_ENUM && H5Tget_size(file_type.get()) <= sizeof(value)) {
    // HDF5 converts no enum to an integer; the stored bytes are those of the base integer type, so read them
    // unconverted and convert from the base type.
    Hdf5Handle native(Hdf5Kind::kDatatype, H5Tget_native_type(file_type.get(), H5T_DIR_DEFAULT));
    Hdf5Handle base(Hdf5Kind::kDatatype, native.valid() ? H5Tget_super(native.get()) : H5I_INVALID_HID);
    unsigned char buffer[sizeof(std::int64_t)] = {};
    if (!base.valid() || H5Aread(attribute.get(), native.get(), buffer) < 0 ||
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
  Result<TypedAttribute> typed = OpenTypedAttribute(object, path, name);
  if (!typed.ok()) return typed.status();
  const Hdf5Handle& attribute = typed->attribute;
  const Hdf5Handle& file_type = typed->file_type;
  const H5T_class_t cls = H5Tget_class(file_type.get());
  if (cls == H5T_INTEGER || cls == H5T_ENUM) {
    Result<std::int64_t> value = ReadIntegerAttribute(object, path, name);
    if (!value.ok()) return value.status();
    return static_cast<double>(*value);
  }
  if (cls != H5T_FLOAT) return WrongAttributeType(path, name, file_type.get(), "a number");
  double value = 0;
  if (H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value) < 0) return ReadError(path, name);
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

}  // namespace zyphyr
