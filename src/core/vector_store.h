// VectorStore: the rows an index searches.
//
// Rows are float32, each starting on a 64-byte boundary and zero-padded to a
// multiple of 16 floats (`stride()`), so SIMD kernels may always run over
// `padded_dim()` elements without reading past a row and without tail code.
// Each row carries a caller-chosen uint64 id (label). Under the cosine metric
// rows are normalised once on insertion and `normalized()` is true.
//
// Thread safety: const methods may be called concurrently; Add/Reserve need
// exclusive access.
#ifndef ZYPHYR_SRC_CORE_VECTOR_STORE_H_
#define ZYPHYR_SRC_CORE_VECTOR_STORE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "src/core/aligned_buffer.h"
#include "src/core/metric.h"
#include "src/core/rows_view.h"
#include "src/core/status.h"

namespace zyphyr {

// Rounds a dimension up to the row stride in floats (a multiple of 16).
constexpr std::size_t PaddedDim(std::size_t dim) { return (dim + 15) / 16 * 16; }

// Checks `vec` against the expected dimension and metric and writes the vector
// the engine works with into `out` (PaddedDim(dim) floats): copied, normalised
// under cosine, zero-padded. Errors (InvalidArgument): dimension mismatch, NaN
// or Inf (naming the first offending component), zero norm under cosine.
// `what` names the vector in messages, e.g. "query 17" or "vector id 42".
Status PrepareVector(std::span<const float> vec, std::size_t dim, Metric metric, std::string_view what,
                     float* out);

class VectorStore {
 public:
  // dim >= 1. An empty store of that dimension and metric.
  VectorStore(std::size_t dim, Metric metric);

  VectorStore(VectorStore&&) noexcept = default;
  VectorStore& operator=(VectorStore&&) noexcept = default;

  // Grows capacity to at least `count` rows (existing rows are kept).
  void Reserve(std::size_t count);

  // Appends one row. On error (see PrepareVector) nothing is stored.
  Status Add(std::uint64_t id, std::span<const float> vec);

  // Appends `count` rows given row-major in `rows` (count * dim floats) with
  // the given ids. All rows are checked first: on error nothing is stored.
  Status AddBatch(std::span<const std::uint64_t> ids, std::span<const float> rows);

  std::size_t dim() const { return dim_; }
  std::size_t padded_dim() const { return stride_; }
  std::size_t stride() const { return stride_; }
  std::size_t size() const { return size_; }
  Metric metric() const { return metric_; }
  bool normalized() const { return MetricNormalizes(metric_); }

  const float* row(std::size_t i) const { return rows_.data() + i * stride_; }
  RowsView rows() const { return {rows_.data(), size_, dim_, stride_, metric_}; }
  std::uint64_t id(std::size_t i) const { return ids_[i]; }
  std::span<const std::uint64_t> ids() const { return ids_; }

  // Bytes held for rows and ids.
  std::size_t MemoryBytes() const { return rows_.size() * sizeof(float) + ids_.capacity() * sizeof(std::uint64_t); }

 private:
  std::size_t dim_;
  std::size_t stride_;
  Metric metric_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  AlignedBuffer<float> rows_;
  std::vector<std::uint64_t> ids_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_CORE_VECTOR_STORE_H_
