#include "src/index/build_distance.h"

#include <cmath>
#include <limits>

namespace zyphyr {

std::size_t ByteCodeStride(std::size_t dim) { return (dim + 63) / 64 * 64; }

std::optional<AlignedBuffer<std::uint8_t>> ExactByteCodes(const RowsView& rows) {
  if (rows.size == 0 || rows.dim == 0 || rows.dim > kMaxU8Dim) return std::nullopt;
  std::vector<float> low(rows.dim, std::numeric_limits<float>::infinity());
  std::vector<float> high(rows.dim, -std::numeric_limits<float>::infinity());
  for (std::size_t i = 0; i < rows.size; ++i) {
    const float* x = rows.row(i);
    for (std::size_t d = 0; d < rows.dim; ++d) {
      // Integers only, and small enough that float holds every one exactly
      // (NaN and infinities fail the first test).
      if (!(std::fabs(x[d]) <= 16777216.0f) || x[d] != std::nearbyint(x[d])) return std::nullopt;
      low[d] = std::min(low[d], x[d]);
      high[d] = std::max(high[d], x[d]);
    }
  }
  for (std::size_t d = 0; d < rows.dim; ++d) {
    if (high[d] - low[d] > 255.0f) return std::nullopt;
  }
  const std::size_t stride = ByteCodeStride(rows.dim);
  AlignedBuffer<std::uint8_t> codes(rows.size * stride);
  for (std::size_t i = 0; i < rows.size; ++i) {
    const float* x = rows.row(i);
    std::uint8_t* code = codes.data() + i * stride;
    for (std::size_t d = 0; d < rows.dim; ++d) code[d] = static_cast<std::uint8_t>(x[d] - low[d]);
  }
  return codes;
}

BuildDistance::BuildDistance(const VectorStore& store, const DistanceKernels& kernels)
    : store_(store),
      float_(store.metric(), kernels, store.padded_dim()),
      row_bytes_(store.padded_dim() * sizeof(float)) {
  if (store.metric() != Metric::kL2 || kernels.l2_sq_u8 == nullptr) return;
  std::optional<AlignedBuffer<std::uint8_t>> codes = ExactByteCodes(store.rows());
  if (!codes) return;
  codes_ = std::move(*codes);
  stride_ = ByteCodeStride(store.dim());
  dim_ = store.dim();
  l2_u8_ = kernels.l2_sq_u8;
}

}  // namespace zyphyr
