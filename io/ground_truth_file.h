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

// Reads a ground-truth file, told by its extension. `base_rows` > 0 checks
// every id against [0, base_rows). Errors (after "<path>: "): NotFound "no
// such file"; InvalidArgument "unknown ground-truth extension (expected
// .ibin, .bin, .ivecs or .hdf5)", "size 100 bytes does not match the
// header's 10 queries x k 100 (8008 bytes): truncated" (or "trailing bytes"),
// "header says 0 queries" / "k 0", ".ivecs row 3 has 50 ids, row 0 has 100",
// "row 3 column 2 holds id 1000, outside [0, 1000)"; those of
// AnnDatasetReader for .hdf5; IOError.
Result<GroundTruthTable> ReadGroundTruthFile(const std::string& path, std::size_t base_rows = 0);

// Checks a table against what a run asks of it: InvalidArgument "<path>: has
// 100 queries, fewer than the 10000 searched" / "<path>: has k 10, fewer
// than --k 100".
Status CheckGroundTruthCovers(const GroundTruthTable& table, const std::string& path, std::size_t queries,
                              std::size_t k);

// Writes `ids` / reported `distances` (queries x k; src/eval/ground_truth.h's
// convention: true L2, 1 - cos, <q, x>) to `path` atomically (temporary file,
// fsync, rename): .ibin/.bin in big-ann's convention (l2 squared, cosine as
// 1 - cos, ip as is), .hdf5 as an ann-benchmarks file holding `neighbors`,
// `distances` and the `distance` attribute of `metric` (no train or test).
// An existing file is refused unless `overwrite`.
Status WriteGroundTruthFile(const std::string& path, Metric metric, std::size_t queries, std::size_t k,
                            const std::vector<std::int64_t>& ids, const std::vector<float>& distances,
                            bool overwrite = false);

}  // namespace zyphyr

#endif  // ZYPHYR_IO_GROUND_TRUTH_FILE_H_
