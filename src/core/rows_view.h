// RowsView: a read-only window on rows laid out as a VectorStore lays them out
// (float32, `stride` floats apart, zero-padded, 64-byte aligned), wherever they
// live: a VectorStore's heap buffer or a memory-mapped shard file. Does not own
// the rows; the owner must outlive the view.
#ifndef ZYPHYR_SRC_CORE_ROWS_VIEW_H_
#define ZYPHYR_SRC_CORE_ROWS_VIEW_H_

#include <cstddef>
#include <cstdint>

#include "src/core/element_type.h"
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

// The same for rows stored as bytes (a uint8 or int8 shard, version 2.x):
// `stride` bytes apart (PaddedDim(dim)), zero-padded. int8 rows are read
// through reinterpret_cast<const std::int8_t*>.
struct ByteRowsView {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::size_t dim = 0;
  std::size_t stride = 0;  // Bytes from one row to the next.
  Metric metric = Metric::kL2;
  ElementType type = ElementType::kUint8;

  const std::uint8_t* row(std::size_t i) const { return data + i * stride; }
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_CORE_ROWS_VIEW_H_
