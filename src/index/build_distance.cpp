#include "src/index/build_distance.h"

#include <algorithm>
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

AlignedBuffer<float> AugmentedRows(const RowsView& rows) {
  if (rows.size == 0) return {};
  std::vector<double> norms(rows.size);
  double max_norm = 0.0;
  for (std::size_t i = 0; i < rows.size; ++i) {
    const float* x = rows.row(i);
    double sum = 0.0;
    for (std::size_t d = 0; d < rows.dim; ++d) sum += static_cast<double>(x[d]) * x[d];
    norms[i] = sum;
    max_norm = std::max(max_norm, sum);
  }
  const std::size_t stride = PaddedDim(rows.dim + 1);
  AlignedBuffer<float> out(rows.size * stride);
  for (std::size_t i = 0; i < rows.size; ++i) {
    float* y = out.data() + i * stride;
    std::copy(rows.row(i), rows.row(i) + rows.dim, y);
    y[rows.dim] = static_cast<float>(std::sqrt(std::max(0.0, max_norm - norms[i])));
    std::fill(y + rows.dim + 1, y + stride, 0.0f);
  }
  return out;
}

BuildDistance::BuildDistance(const VectorStore& store, const DistanceKernels& kernels, InnerProductGraph ip_graph)
    : BuildDistance(store, kernels,
                    store.metric() == Metric::kInnerProduct && ip_graph == InnerProductGraph::kAugmentedL2) {}

BuildDistance::BuildDistance(const VectorStore& store, const DistanceKernels& kernels, bool augment)
    : store_(store),
      augmented_(augment ? AugmentedRows(store.rows()) : AlignedBuffer<float>()),
      float_(augment ? Metric::kL2 : store.metric(), kernels, augment ? PaddedDim(store.dim() + 1) : store.padded_dim()),
      row_bytes_(float_.dim() * sizeof(float)) {
  if (store.metric() != Metric::kL2 || kernels.l2_sq_u8 == nullptr) return;
  std::optional<AlignedBuffer<std::uint8_t>> codes = ExactByteCodes(store.rows());
  if (!codes) return;
  codes_ = std::move(*codes);
  stride_ = ByteCodeStride(store.dim());
  dim_ = store.dim();
  l2_u8_ = kernels.l2_sq_u8;
}

}  // namespace zyphyr
