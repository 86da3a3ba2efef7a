// RowsView: a read-only window on rows laid out as a VectorStore lays them out
// (float32, `stride` floats apart, zero-padded, 64-byte aligned), wherever they
// live: a VectorStore's heap buffer or a memory-mapped shard file. Does not own
// the rows; the owner must outlive the view.
#ifndef ZYPHYR_SRC_CORE_ROWS_VIEW_H_
#define ZYPHYR_SRC_CORE_ROWS_VIEW_H_

#include <cstddef>

#include "src/core/metric.h"

namespace zyphyr {

struct RowsView {
  const float* data = nullptr;
  std::size_t size = 0;    // Rows.
  std::size_t dim = 0;     // Meaningful floats per row.
  std::size_t stride = 0;  // Floats from one row to the next (PaddedDim(dim)).
  Metric metric = Metric::kL2;

  const float* row(std::size_t i) const { return data + i * stride; }
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_CORE_ROWS_VIEW_H_
