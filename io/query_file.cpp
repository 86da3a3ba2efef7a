#include "io/query_file.h"

#include <utility>

namespace zyphyr {

Result<QueryFile> QueryFile::Open(const std::string& path) {
  QueryFile file;
  file.path_ = path;
  if (IsVectorFilePath(path)) {
    Result<VectorFile> rows = VectorFile::Open(path);
    if (!rows.ok()) return rows.status();
    file.rows_.emplace(std::move(*rows));
    return file;
  }
  Result<AnnDatasetReader> reader = AnnDatasetReader::Open(path);
  if (!reader.ok()) return reader.status();
  file.hdf5_.emplace(std::move(*reader));
  return file;
}

std::size_t QueryFile::rows() const { return hdf5_ ? hdf5_->test_shape().rows : rows_->rows(); }

std::size_t QueryFile::dim() const { return hdf5_ ? hdf5_->dim() : rows_->dim(); }

Result<std::vector<float>> QueryFile::ReadAll() const {
  if (hdf5_) return hdf5_->ReadTest();
  std::vector<float> out(rows_->rows() * rows_->dim());
  ZYPHYR_RETURN_IF_ERROR(rows_->ReadRows(0, rows_->rows(), out));
  return out;
}

}  // namespace zyphyr
