// Ground-truth files as the billion-scale sets publish them, and as
// `zyphyr dataset groundtruth` writes them (docs/formats.md):
//
//   big-ann-benchmarks  .ibin (also .bin)  u32 queries, u32 k, then queries x k u32 ids, then queries x k float32
//                                          distances (l2: SQUARED distances, as big-ann's files hold them; ip: the
//                                          inner products, largest first)
//   TEXMEX              .ivecs             every row: i32 k, then k i32 ids (no distances)
//   ann-benchmarks      .hdf5              datasets `neighbors` and `distances` (and attribute `distance`), as
//                                          io/ann_dataset_reader.h reads them
//
// Every error message starts with the path as given, then ": ".
#ifndef ZYPHYR_IO_GROUND_TRUTH_FILE_H_
#define ZYPHYR_IO_GROUND_TRUTH_FILE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "src/core/metric.h"
#include "src/core/status.h"

namespace zyphyr {

struct GroundTruthTable {
  std::size_t queries = 0;
  std::size_t k = 0;
  std::vector<std::int64_t> ids;  // queries x k, row-major, nearest first.
  // queries x k as the file stores them (see above), or empty when it has
  // none (.ivecs). Callers that score recall recompute true distances from
  // the vectors (src/eval) rather than trust a convention.
  std::vector<float> stored_distances;
};

// True for the extensions ReadGroundTruthFile reads: .ibin, .bin, .ivecs,
// .hdf5.
bool IsGroundTruthPath(const std::string& path);

// Reads a ground-truth file, told by its extension. `base_rows` > 0 checks
// every id against [0, base_rows). Errors (after "<path>: "): NotFound "no
// such file"; InvalidArgument "unknown ground-truth extension (expected
// .ibin, .bin, .ivecs or .hdf5)", "size 100 bytes does not match the
// header's 10 queries x k 100 (8008 bytes): truncated" (or "trailing bytes"),
// "header says 0 queries" / "header says k 0", "file of 5 bytes is shorter
// than its 8-byte header", .ivecs "first row's k is 0", "size 1000 bytes
// is not a whole number of rows of k 100 (404 bytes each): truncated or not a
// .ivecs file", ".ivecs row 3 has 50 ids, row 0 has 100", "row 3 column 2
// holds id 1000, outside [0, 1000)" (base_rows == 0: "..., which is
// negative"); .hdf5: a file with `train` is read by AnnDatasetReader (its
// errors), one without it (as WriteGroundTruthFile writes) needs `neighbors`
// (integers) and `distances` (floats) of one shape ("datasets 'neighbors'
// (10 x 100) and 'distances' (10 x 50) differ in shape") and the errors of
// io/hdf5_handle.h's OpenMatrix; IOError.
Result<GroundTruthTable> ReadGroundTruthFile(const std::string& path, std::size_t base_rows = 0);

// Checks a table against what a run asks of it: InvalidArgument "<path>: has
// 100 queries, fewer than the 10000 searched" / "<path>: has k 10, fewer
// than --k 100".
Status CheckGroundTruthCovers(const GroundTruthTable& table, const std::string& path, std::size_t queries,
                              std::size_t k);

// Writes `ids` / reported `distances` (queries x k; src/eval/ground_truth.h's
// convention: true L2, 1 - cos, <q, x>) to `path` atomically (temporary file,
// fsync, rename): .ibin/.bin in big-ann's convention (l2: the square of the
// reported float, taken in double and rounded to float; cosine as 1 - cos, ip
// as is), .ivecs ids only, .hdf5 as an ann-benchmarks file holding
// `neighbors` (int32 when every id fits, else int64), `distances` (float32)
// and the `distance` attribute of `metric` (no train or test; read back by
// ReadGroundTruthFile). An existing file is refused unless `overwrite`.
// Errors (after "<path>: "): InvalidArgument "unknown ground-truth extension
// (...)", "ground truth of 0 queries" / "of k 0", "12 ids and 12 distances;
// expected 10 x 2 = 20 of each", "row 3 column 2 holds id -1, which the
// format cannot store", "row 3 column 2 distance is NaN", "already exists
// (pass --force to replace it)"; IOError.
//
// `keys`, when given (queries x k: src/eval/ground_truth.h's GroundTruth::keys,
// l2 the exact squared distance in double), makes the l2 distances of
// .ibin/.bin float(key): the squared distance rounded once, e.g. exactly 2671
// for integer rows, where squaring the reported float gives 2670.9998.
// InvalidArgument "<path>: 5 keys; expected 10 x 2 = 20" when its size is wrong.
Status WriteGroundTruthFile(const std::string& path, Metric metric, std::size_t queries, std::size_t k,
                            const std::vector<std::int64_t>& ids, const std::vector<float>& distances,
                            bool overwrite = false, std::span<const double> keys = {});

}  // namespace zyphyr

#endif  // ZYPHYR_IO_GROUND_TRUTH_FILE_H_
