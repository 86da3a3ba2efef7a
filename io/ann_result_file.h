// ann-benchmarks result files (docs/formats.md, "ann-benchmarks result files"): one HDF5 file per run, so existing
// ann-benchmarks plotting can read Zyphyr's runs.
//
// Every error message starts with the path as given, then ": ".
//
// Thread safety: both functions may be called from any thread; their HDF5 calls are serialized by one process-wide
// lock (io/hdf5_handle.h).
#ifndef ZYPHYR_IO_ANN_RESULT_FILE_H_
#define ZYPHYR_IO_ANN_RESULT_FILE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "src/core/status.h"

namespace zyphyr {

struct AnnResult {
  std::string algo;             // e.g. "zyphyr"
  std::string name;             // e.g. "zyphyr(M=16,efC=200,ef=64)"
  std::string dataset;          // e.g. "fashion-mnist-784-euclidean"
  std::string distance;         // "euclidean" | "angular" | "ip"
  std::size_t count = 10;       // k
  double build_time = 0;        // seconds
  double index_size = 0;        // kB, as ann-benchmarks stores it
  double best_search_time = 0;  // mean seconds per query
  double candidates = 0;        // mean number of results returned per query
  bool batch_mode = false;
  std::size_t run_count = 1;
  bool expect_extra = false;
  std::vector<float> times;             // per query, seconds (Q)
  std::vector<std::int32_t> neighbors;  // Q x count, -1 where fewer results
  std::vector<float> distances;         // Q x count; +inf where fewer results
};

// Writes `result` to `path` atomically (temporary file, fsync, rename, fsync of the directory). Attributes as
// ann-benchmarks writes them: algo, name, dataset, distance (variable-length UTF-8 strings); build_time, index_size,
// best_search_time, candidates (float64); count, run_count (int64); batch_mode, expect_extra (int8 0/1). Datasets:
// times (Q, float32), neighbors (Q x count, int32), distances (Q x count, float32).
// Errors: InvalidArgument "<path>: result count must be at least 1", "<path>: result has no queries (times is
// empty)", "<path>: result has 5 query times but 12 neighbor ids (expected 5 x 10 = 50)" (same for "distances");
// IOError "<path>: cannot create: <errno text>" or with the HDF5 detail.
Status WriteAnnResult(const std::string& path, const AnnResult& result);

// Reads a result file written by WriteAnnResult or by ann-benchmarks (strings fixed or variable length; numbers any
// integer or float type; booleans integers or h5py's enum bool; expect_extra may be missing: false).
// Errors: those of opening an HDF5 file (NotFound "<path>: no such file", InvalidArgument "<path>: not an HDF5
// file", IOError "<path>: cannot open: <detail>"); InvalidArgument "<path>: no attribute 'algo'", "<path>: attribute
// 'count' holds float64; expected an integer", "<path>: no dataset 'times'", "<path>: dataset 'neighbors' has shape
// 5 x 3; expected 5 x 10" (Q from times, columns from count), "<path>: attribute 'count' is 0; expected at least 1";
// IOError with the HDF5 detail.
Result<AnnResult> ReadAnnResult(const std::string& path);

}  // namespace zyphyr

#endif  // ZYPHYR_IO_ANN_RESULT_FILE_H_
