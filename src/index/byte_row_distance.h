// ByteRowDistance: the internal distance of a metric (smaller is closer; see
// src/core/metric.h) between rows stored as bytes (uint8 or int8), from the
// exact integer kernels of the process's table: squared L2, or the negated
// dot product under ip. Values are exact integers converted to float (exact
// while below 2^24, e.g. any 128-d uint8 pair).
//
// Cosine has no byte rows (its rows are normalised floats).
#ifndef ZYPHYR_SRC_INDEX_BYTE_ROW_DISTANCE_H_
#define ZYPHYR_SRC_INDEX_BYTE_ROW_DISTANCE_H_

#include <cstddef>
#include <cstdint>

#include "src/core/element_type.h"
#include "src/core/metric.h"
#include "src/distance/kernels.h"

namespace zyphyr {

class ByteRowDistance {
 public:
  ByteRowDistance(Metric metric, ElementType type, const DistanceKernels& kernels, std::size_t dim)
      : kind_(Pick(metric, type)), kernels_(&kernels), dim_(dim) {}

  float operator()(const std::uint8_t* a, const std::uint8_t* b) const {
    switch (kind_) {
      case Kind::kUint8L2:
        return static_cast<float>(kernels_->l2_sq_u8(a, b, dim_));
      case Kind::kUint8Dot:
        return -static_cast<float>(kernels_->dot_u8(a, b, dim_));
      case Kind::kInt8L2:
        return static_cast<float>(kernels_->l2_sq_i8(AsSigned(a), AsSigned(b), dim_));
      case Kind::kInt8Dot:
        return -static_cast<float>(kernels_->dot_i8(AsSigned(a), AsSigned(b), dim_));
    }
    return 0.0f;
  }

  std::size_t dim() const { return dim_; }

 private:
  enum class Kind { kUint8L2, kUint8Dot, kInt8L2, kInt8Dot };
  static Kind Pick(Metric metric, ElementType type) {
    const bool l2 = metric == Metric::kL2;
    if (type == ElementType::kInt8) return l2 ? Kind::kInt8L2 : Kind::kInt8Dot;
    return l2 ? Kind::kUint8L2 : Kind::kUint8Dot;
  }
  static const std::int8_t* AsSigned(const std::uint8_t* p) { return reinterpret_cast<const std::int8_t*>(p); }

  Kind kind_;
  const DistanceKernels* kernels_;
  std::size_t dim_;
};

// Writes the `dim` values of a prepared float query as bytes of `type`
// (rounded and clamped to the type's range; callers check queries first with
// CheckFitsElementType), zero-padded to `stride`.
void QueryToBytes(const float* query, std::size_t dim, std::size_t stride, ElementType type, std::uint8_t* out);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_BYTE_ROW_DISTANCE_H_
