#include "io/hdf5_handle.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace zyphyr {
namespace {

std::recursive_mutex& Hdf5Mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

herr_t KeepFirstDescription(unsigned /*n*/, const H5E_error2_t* err, void* data) {
  auto* detail = static_cast<std::string*>(data);
  if (detail->empty() && err != nullptr && err->desc != nullptr && err->desc[0] != '\0') *detail = err->desc;
  return 0;
}

using CloseFunction = herr_t (*)(hid_t);

// The H5?close that releases an identifier of each Hdf5Kind, in the enum's order.
constexpr std::array<CloseFunction, 7> kCloseFunctions = {H5Fclose, H5Gclose, H5Dclose, H5Sclose,
                                                          H5Tclose, H5Aclose, H5Pclose};
static_assert(static_cast<std::size_t>(Hdf5Kind::kPropertyList) + 1 == kCloseFunctions.size());

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
  const herr_t rc = kCloseFunctions[static_cast<std::size_t>(kind_)](id_);
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

}  // namespace zyphyr
