#include "io/ann_result_file.h"

#include <limits>
#include <new>
#include <utility>

#include "io/hdf5_handle.h"
#include "storage/atomic_file.h"

namespace zyphyr {
namespace {

std::string ShapeText(const std::vector<std::uint64_t>& dims) {
  std::string text;
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i == 0 ? "" : " x ") + std::to_string(dims[i]);
  return text.empty() ? "scalar" : text;
}

Status CheckSizes(const std::string& path, const AnnResult& result) {
  if (result.count == 0) return Status::InvalidArgument(path + ": result count must be at least 1");
  const std::size_t queries = result.times.size();
  if (queries == 0) return Status::InvalidArgument(path + ": result has no queries (times is empty)");
  if (result.count > std::numeric_limits<std::size_t>::max() / queries) {
    return Status::InvalidArgument(path + ": result of " + std::to_string(queries) + " x " +
                                   std::to_string(result.count) + " is too large");
  }
  const std::string expected = " (expected " + std::to_string(queries) + " x " + std::to_string(result.count) + " = " +
                               std::to_string(queries * result.count) + ")";
  if (result.neighbors.size() != queries * result.count) {
    return Status::InvalidArgument(path + ": result has " + std::to_string(queries) + " query times but " +
                                   std::to_string(result.neighbors.size()) + " neighbor ids" + expected);
  }
  if (result.distances.size() != queries * result.count) {
    return Status::InvalidArgument(path + ": result has " + std::to_string(queries) + " query times but " +
                                   std::to_string(result.distances.size()) + " distances" + expected);
  }
  return Status::Ok();
}

Status WriteDataset(hid_t file, const std::string& path, const char* name, hid_t file_type, hid_t mem_type,
                    const std::vector<std::uint64_t>& dims, const void* data) {
  Result<Hdf5Handle> dataset = CreateDataset(file, path, name, file_type, dims, 0);
  if (!dataset.ok()) return dataset.status();
  return WriteRows(dataset->get(), path, name, mem_type, 0, dims[0], dims.size() == 2 ? dims[1] : 1, data);
}

Status WriteContents(hid_t file, const std::string& path, const AnnResult& r) {
  ZYPHYR_RETURN_IF_ERROR(WriteStringAttribute(file, path, "algo", r.algo));
  ZYPHYR_RETURN_IF_ERROR(WriteStringAttribute(file, path, "name", r.name));
  ZYPHYR_RETURN_IF_ERROR(WriteStringAttribute(file, path, "dataset", r.dataset));
  ZYPHYR_RETURN_IF_ERROR(WriteStringAttribute(file, path, "distance", r.distance));
  ZYPHYR_RETURN_IF_ERROR(WriteInt64Attribute(file, path, "count", static_cast<std::int64_t>(r.count)));
  ZYPHYR_RETURN_IF_ERROR(WriteFloat64Attribute(file, path, "build_time", r.build_time));
  ZYPHYR_RETURN_IF_ERROR(WriteFloat64Attribute(file, path, "index_size", r.index_size));
  ZYPHYR_RETURN_IF_ERROR(WriteFloat64Attribute(file, path, "best_search_time", r.best_search_time));
  ZYPHYR_RETURN_IF_ERROR(WriteFloat64Attribute(file, path, "candidates", r.candidates));
  ZYPHYR_RETURN_IF_ERROR(WriteInt8Attribute(file, path, "batch_mode", r.batch_mode ? 1 : 0));
  ZYPHYR_RETURN_IF_ERROR(WriteInt64Attribute(file, path, "run_count", static_cast<std::int64_t>(r.run_count)));
  ZYPHYR_RETURN_IF_ERROR(WriteInt8Attribute(file, path, "expect_extra", r.expect_extra ? 1 : 0));
  const std::uint64_t queries = r.times.size();
  ZYPHYR_RETURN_IF_ERROR(
      WriteDataset(file, path, "times", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {queries}, r.times.data()));
  ZYPHYR_RETURN_IF_ERROR(
      WriteDataset(file, path, "neighbors", H5T_STD_I32LE, H5T_NATIVE_INT32, {queries, r.count}, r.neighbors.data()));
  return WriteDataset(file, path, "distances", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {queries, r.count},
                      r.distances.data());
}

// A required attribute that is missing makes the file malformed, not "not found".
Status Required(const Status& status) {
  return status.code() == StatusCode::kNotFound ? Status::InvalidArgument(status.message()) : status;
}

// A non-negative integer attribute as a size_t.
Status ReadCount(hid_t file, const std::string& path, const char* name, std::size_t minimum, std::size_t* out) {
  Result<std::int64_t> value = ReadIntegerAttribute(file, path, name);
  if (!value.ok()) return Required(value.status());
  if (*value < 0 || static_cast<std::uint64_t>(*value) < minimum) {
    return Status::InvalidArgument(path + ": attribute '" + name + "' is " + std::to_string(*value) +
                                   "; expected at least " + std::to_string(minimum));
  }
  *out = static_cast<std::size_t>(*value);
  return Status::Ok();
}

Status ReadBool(hid_t file, const std::string& path, const char* name, bool* out) {
  Result<std::int64_t> value = ReadIntegerAttribute(file, path, name);
  if (!value.ok()) return Required(value.status());
  *out = *value != 0;
  return Status::Ok();
}

Status ReadDouble(hid_t file, const std::string& path, const char* name, double* out) {
  Result<double> value = ReadNumberAttribute(file, path, name);
  if (!value.ok()) return Required(value.status());
  *out = *value;
  return Status::Ok();
}

Status ReadString(hid_t file, const std::string& path, const char* name, std::string* out) {
  Result<std::string> value = ReadStringAttribute(file, path, name);
  if (!value.ok()) return Required(value.status());
  *out = std::move(value).value();
  return Status::Ok();
}

// Reads dataset `name`, which must have extent `expected`, converted to `mem_type` into `out`.
template <typename T>
Status ReadDataset(hid_t file, const std::string& path, const char* name, hid_t mem_type,
                   const std::vector<std::uint64_t>& expected, std::vector<T>* out) {
  Result<Hdf5Handle> dataset = OpenDataset(file, path, name);
  if (!dataset.ok()) return dataset.status();
  Result<std::vector<std::uint64_t>> dims = DatasetDims(dataset->get(), path, name);
  if (!dims.ok()) return dims.status();
  if (*dims != expected) {
    return Status::InvalidArgument(path + ": dataset '" + name + "' has shape " + ShapeText(*dims) + "; expected " +
                                   ShapeText(expected));
  }
  const std::uint64_t cols = expected.size() == 2 ? expected[1] : 1;
  bool fits = cols == 0 || expected[0] <= std::numeric_limits<std::size_t>::max() / sizeof(T) / cols;
  if (fits) {
    try {
      out->resize(expected[0] * cols);
    } catch (const std::bad_alloc&) {
      fits = false;
    }
  }
  if (!fits) {
    return Status::IOError(path + ": dataset '" + name + "' (" + ShapeText(expected) + ") does not fit in memory");
  }
  return ReadRows(dataset->get(), path, name, mem_type, 0, expected[0], expected.size() == 2 ? expected[1] : 1,
                  out->data());
}

}  // namespace

Status WriteAnnResult(const std::string& path, const AnnResult& result) {
  ZYPHYR_RETURN_IF_ERROR(CheckSizes(path, result));
  Result<PendingFile> pending = PendingFile::Create(path);
  if (!pending.ok()) return pending.status();
  {
    Hdf5Lock lock;
    Hdf5Handle file(Hdf5Kind::kFile, H5Fcreate(pending->temp_path().c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    if (!file.valid()) return Status::IOError(path + ": cannot create: " + Hdf5ErrorDetail());
    ZYPHYR_RETURN_IF_ERROR(WriteContents(file.get(), path, result));
    if (!file.Close()) return Status::IOError(path + ": cannot write: " + Hdf5ErrorDetail());
  }
  return pending->Commit();
}

Result<AnnResult> ReadAnnResult(const std::string& path) {
  Hdf5Lock lock;
  Result<Hdf5Handle> opened = OpenHdf5ForReading(path);
  if (!opened.ok()) return opened.status();
  const hid_t file = opened->get();
  AnnResult r;
  ZYPHYR_RETURN_IF_ERROR(ReadString(file, path, "algo", &r.algo));
  ZYPHYR_RETURN_IF_ERROR(ReadString(file, path, "name", &r.name));
  ZYPHYR_RETURN_IF_ERROR(ReadString(file, path, "dataset", &r.dataset));
  ZYPHYR_RETURN_IF_ERROR(ReadString(file, path, "distance", &r.distance));
  ZYPHYR_RETURN_IF_ERROR(ReadCount(file, path, "count", 1, &r.count));
  ZYPHYR_RETURN_IF_ERROR(ReadDouble(file, path, "build_time", &r.build_time));
  ZYPHYR_RETURN_IF_ERROR(ReadDouble(file, path, "index_size", &r.index_size));
  ZYPHYR_RETURN_IF_ERROR(ReadDouble(file, path, "best_search_time", &r.best_search_time));
  ZYPHYR_RETURN_IF_ERROR(ReadDouble(file, path, "candidates", &r.candidates));
  ZYPHYR_RETURN_IF_ERROR(ReadBool(file, path, "batch_mode", &r.batch_mode));
  ZYPHYR_RETURN_IF_ERROR(ReadCount(file, path, "run_count", 0, &r.run_count));
  Result<std::int64_t> extra = ReadIntegerAttribute(file, path, "expect_extra");  // Older files lack it.
  if (!extra.ok() && extra.status().code() != StatusCode::kNotFound) return extra.status();
  r.expect_extra = extra.ok() && *extra != 0;

  Result<Hdf5Handle> times = OpenDataset(file, path, "times");
  if (!times.ok()) return times.status();
  Result<std::vector<std::uint64_t>> times_dims = DatasetDims(times->get(), path, "times");
  if (!times_dims.ok()) return times_dims.status();
  if (times_dims->size() != 1) {
    return Status::InvalidArgument(path + ": dataset 'times' has shape " + ShapeText(*times_dims) +
                                   "; expected one value per query");
  }
  const std::uint64_t queries = (*times_dims)[0];
  ZYPHYR_RETURN_IF_ERROR(ReadDataset(file, path, "times", H5T_NATIVE_FLOAT, {queries}, &r.times));
  ZYPHYR_RETURN_IF_ERROR(ReadDataset(file, path, "neighbors", H5T_NATIVE_INT32, {queries, r.count}, &r.neighbors));
  ZYPHYR_RETURN_IF_ERROR(ReadDataset(file, path, "distances", H5T_NATIVE_FLOAT, {queries, r.count}, &r.distances));
  return r;
}

}  // namespace zyphyr
