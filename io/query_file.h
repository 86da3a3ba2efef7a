// QueryFile: the queries of a search or a benchmark, from either kind of
// dataset file: the 'test' rows of an ann-benchmarks HDF5 file (which may
// also hold their ground truth), or every row of a big-ann / TEXMEX row file
// (io/vector_file.h: query.u8bin, query.fbin, ...), told by the extension.
#ifndef ZYPHYR_IO_QUERY_FILE_H_
#define ZYPHYR_IO_QUERY_FILE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "io/ann_dataset_reader.h"
#include "io/vector_file.h"
#include "src/core/status.h"

namespace zyphyr {

class QueryFile {
 public:
  // Errors: those of AnnDatasetReader::Open or VectorFile::Open.
  static Result<QueryFile> Open(const std::string& path);

  const std::string& path() const { return path_; }
  std::size_t rows() const;
  std::size_t dim() const;
  // Every query, row-major, as float32 (byte rows converted exactly).
  Result<std::vector<float>> ReadAll() const;
  // The HDF5 file, for its metric and ground truth; null for a row file.
  const AnnDatasetReader* hdf5() const { return hdf5_ ? &*hdf5_ : nullptr; }

 private:
  std::string path_;
  std::optional<AnnDatasetReader> hdf5_;
  std::optional<VectorFile> rows_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_IO_QUERY_FILE_H_
