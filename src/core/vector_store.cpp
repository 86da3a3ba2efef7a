#include "src/core/vector_store.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "src/core/check.h"
#include "src/core/squared_norm.h"

namespace zyphyr {

Status PrepareVector(std::span<const float> vec, std::size_t dim, Metric metric, std::string_view what, float* out) {
  if (vec.size() != dim) {
    return Status::InvalidArgument(std::string(what) + " has dimension " + std::to_string(vec.size()) + ", expected " +
                                   std::to_string(dim));
  }
  // Every query passes here: one pass for the squared norm, which is finite
  // exactly when every component is (a float's square, even FLT_MAX's, and a
  // sum of up to 2^32 of them are finite in double; NaN and Inf stay), and
  // the index of the first bad component only for the error.
  const double norm_sq = SquaredNorm(vec.data(), dim);
  if (!std::isfinite(norm_sq)) {
    const std::size_t j = static_cast<std::size_t>(
        std::find_if(vec.begin(), vec.end(), [](float x) { return !std::isfinite(x); }) - vec.begin());
    return Status::InvalidArgument(std::string(what) + " has a non-finite component (" +
                                   (std::isnan(vec[j]) ? "NaN" : "Inf") + ") at index " + std::to_string(j));
  }
  std::size_t padded = PaddedDim(dim);
  if (MetricNormalizes(metric)) {
    if (norm_sq == 0.0) {
      return Status::InvalidArgument(std::string(what) + " has zero norm, which the cosine metric cannot use");
    }
    double inv = 1.0 / std::sqrt(norm_sq);
    for (std::size_t j = 0; j < dim; ++j) out[j] = static_cast<float>(vec[j] * inv);
  } else {
    std::memcpy(out, vec.data(), dim * sizeof(float));
  }
  std::fill(out + dim, out + padded, 0.0f);
  return Status::Ok();
}

VectorStore::VectorStore(std::size_t dim, Metric metric) : dim_(dim), stride_(PaddedDim(dim)), metric_(metric) {
  ZYPHYR_CHECK(dim >= 1);
}

void VectorStore::Reserve(std::size_t count) {
  if (count <= capacity_) return;
  AlignedBuffer<float> grown(count * stride_);
  if (size_ > 0) std::memcpy(grown.data(), rows_.data(), size_ * stride_ * sizeof(float));
  rows_ = std::move(grown);
  ids_.reserve(count);
  capacity_ = count;
}

Status VectorStore::Add(std::uint64_t id, std::span<const float> vec) {
  if (vec.size() != dim_) {
    return Status::InvalidArgument("vector id " + std::to_string(id) + " has dimension " + std::to_string(vec.size()) +
                                   ", expected " + std::to_string(dim_));
  }
  return AddBatch(std::span<const std::uint64_t>(&id, 1), vec);
}

Status VectorStore::AddBatch(std::span<const std::uint64_t> ids, std::span<const float> rows) {
  std::size_t count = ids.size();
  if (rows.size() != count * dim_) {
    return Status::InvalidArgument("batch of " + std::to_string(count) + " ids carries " + std::to_string(rows.size()) +
                                   " floats, expected " + std::to_string(count * dim_) + " (dimension " +
                                   std::to_string(dim_) + ")");
  }
  if (size_ + count > capacity_) Reserve(std::max(size_ + count, capacity_ + capacity_ / 2));
  for (std::size_t i = 0; i < count; ++i) {
    Status st = PrepareVector(rows.subspan(i * dim_, dim_), dim_, metric_, "vector id " + std::to_string(ids[i]),
                              rows_.data() + (size_ + i) * stride_);
    if (!st.ok()) {
      // Leave the store as it was: rows past size_ are scratch, zero them back.
      std::memset(rows_.data() + size_ * stride_, 0, (i + 1) * stride_ * sizeof(float));
      return st;
    }
  }
  ids_.insert(ids_.end(), ids.begin(), ids.end());
  size_ += count;
  return Status::Ok();
}

}  // namespace zyphyr
