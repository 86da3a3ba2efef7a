// ScalarQuantizer: float vectors to one uint8 code per dimension (4x smaller
// than float32), for traversing an index with codes and re-ranking with the
// full vectors.
//
// Training learns, for each dimension d, an offset min_d and ONE step s
// shared by every dimension:
//   s = max over d of (hi_d - lo_d) / 255   (s = 1 if every d is constant),
// where [lo_d, hi_d] is d's range over the training rows with the rarest one
// in 10,000 of each tail left out (taken from a sample of at most 2^24
// floats; with fewer than 10,001 rows nothing is left out). A few extreme
// values then no longer coarsen every dimension's step: on float sets of 10^5
// rows the step is 4-9% finer, and at ef = k int8's recall came within 0.0004
// of float32's at 256-d where the full range was 0.0026 below (10,000 queries,
// docs/performance.md). The offset min_d is d's smallest value when its whole
// range fits the 256 levels; otherwise the 256 levels are centred on
// [lo_d, hi_d] and the rare values beyond clamp. Integer data spanning at most
// 256 values in every dimension (pixels, SIFT) get s = 1 and min_d, so every
// code is exact.
// The code error bound of a shard (quantizer.h, EncodedRows::max_error) is
// measured on the encoded rows, so it covers the clamped ones.
// Encoding rounds to the nearest level and clamps:
//   c_d = clamp(round((x_d - min_d) / s), 0, 255);   decoding: min_d + s * c_d,
// computed in double as (x_d - min_d) * (1 / s), which can differ from the
// quotient in its last bit only: a value within about 1e-13 steps of halfway
// between two levels may round either way.
// For x_d inside the window [min_d, min_d + 255 s] the decoded value is
// within s/2 of x_d (plus float rounding); outside it is clamped to the window.
//
// Why one common step: the difference of two codes of one dimension is then an
// integer number of steps, so the distances between DECODED vectors are
//   |a - b|^2 = s^2 * sum_d (a_d - b_d)^2
//   a . b     = sum_d min_d^2 + s * (bias(a) + bias(b)) + s^2 * sum_d a_d b_d,
//               where bias(c) = sum_d min_d c_d (CodeBias, computed per vector
//               at encode time),
// and the integer sums come from the exact int8 kernels of kernels.h
// (l2_sq_u8, dot_u8): the same integer on every ISA. Per-dimension steps
// would turn the L2 sum into a weighted one with no integer kernel; the price
// is that dimensions with a narrow range use fewer than 256 levels. Queries
// are encoded too (symmetric distances). For the cosine metric, normalise
// rows and queries before training and encoding and use the inner product.
//
// Thread safety: const methods may be called concurrently; nothing is shared
// between instances.
#ifndef ZYPHYR_SRC_QUANT_SCALAR_QUANTIZER_H_
#define ZYPHYR_SRC_QUANT_SCALAR_QUANTIZER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "src/core/status.h"

namespace zyphyr {

class ScalarQuantizer {
 public:
  // Serialize()'s layout, little-endian, kSerializedHeaderBytes + 4 * dim
  // bytes in all:
  //   0   4  magic "ZSQ8"
  //   4   4  u32 version, kSerializedVersion
  //   8   8  u64 dim, 1..kMaxU8Dim
  //   16  4  f32 step, a positive normal float
  //   20  4  u32 reserved, 0
  //   24  4d f32 offsets min_0 .. min_{dim-1}, finite
  static constexpr std::size_t kSerializedHeaderBytes = 24;
  static constexpr std::uint32_t kSerializedVersion = 1;

  // Learns offsets and step from `rows`, row-major, rows.size() / dim rows of
  // `dim` floats.
  //
  // Errors (InvalidArgument, the message starting "scalar quantizer: "):
  // dim == 0; dim > kMaxU8Dim (kernels.h: int8 distances past it may not fit
  // a uint32); no rows; rows.size() not a multiple of dim; a NaN or Inf
  // component (naming the first: "training row 3 has a non-finite component
  // (NaN) at index 5").
  static Result<ScalarQuantizer> Train(std::span<const float> rows, std::size_t dim);

  // Reads what Serialize() wrote. Errors, each naming what is wrong, the
  // message starting "scalar quantizer: ": Corruption when `bytes` is shorter
  // than the header or than the dimension needs ("truncated: ..."), longer
  // than it needs, has the wrong magic, a nonzero reserved field, a dimension
  // of 0 or above kMaxU8Dim, a step that is not a positive normal float, or an
  // offset that is not finite; Unsupported for another version.
  static Result<ScalarQuantizer> Deserialize(std::span<const std::uint8_t> bytes);

  // The layout above; Deserialize(Serialize()) equals *this.
  std::vector<std::uint8_t> Serialize() const;

  // Writes dim() codes for the dim() floats at `x`. Never fails: values
  // outside the trained range are clamped; NaN encodes as 0 (callers validate
  // vectors where they enter, e.g. PrepareVector).
  void Encode(const float* x, std::uint8_t* code) const;

  // Writes dim() floats, min_d + step() * code[d] (computed in double, then
  // rounded once to float).
  void Decode(const std::uint8_t* code, float* x) const;

  // sum_d min_d * code[d] (in double, rounded once to float): the per-vector
  // term of DotProduct, computed once per vector when it is encoded.
  float CodeBias(const std::uint8_t* code) const;

  // The squared L2 distance between two decoded vectors, from
  // l2_sq_u8(a, b, dim()): s^2 * code_l2_sq, computed in double and rounded
  // once to float.
  float L2SqDistance(std::uint32_t code_l2_sq) const {
    return static_cast<float>(static_cast<double>(step_) * static_cast<double>(step_) *
                              static_cast<double>(code_l2_sq));
  }

  // The dot product of two decoded vectors a and b, from dot_u8(a, b, dim())
  // and their code biases: sum_d min_d^2 + s * (bias_a + bias_b) +
  // s^2 * code_dot, computed in double and rounded once to float.
  float DotProduct(std::uint32_t code_dot, float bias_a, float bias_b) const {
    const double s = step_;
    return static_cast<float>(offset_sq_sum_ + s * (static_cast<double>(bias_a) + static_cast<double>(bias_b)) +
                              s * s * static_cast<double>(code_dot));
  }

  std::size_t dim() const { return offsets_.size(); }
  float step() const { return step_; }
  std::span<const float> offsets() const { return offsets_; }
  // sum_d min_d^2, the constant term of DotProduct.
  double offset_sq_sum() const { return offset_sq_sum_; }

  bool operator==(const ScalarQuantizer& other) const = default;

 private:
  ScalarQuantizer(std::vector<float> offsets, float step);

  std::vector<float> offsets_;
  float step_;
  double offset_sq_sum_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_QUANT_SCALAR_QUANTIZER_H_
