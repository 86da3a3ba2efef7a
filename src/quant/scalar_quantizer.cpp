#include "src/quant/scalar_quantizer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "src/distance/kernels.h"
#include "src/quant/model_bytes.h"

namespace zyphyr {

namespace {

constexpr char kSq8Magic[4] = {'Z', 'S', 'Q', '8'};

using quant_internal::FloatText;
using quant_internal::Hex32;
using quant_internal::Load;
using quant_internal::Store;

Status SqError(std::string message) { return Status::InvalidArgument("scalar quantizer: " + message); }

Status SqCorrupt(std::string message) { return Status::Corruption("scalar quantizer: " + message); }

std::string DimensionRangeText(std::size_t dim) {
  return "dimension " + std::to_string(dim) + " is outside 1.." + std::to_string(kMaxU8Dim);
}

// Each dimension's range over the training rows with the kTrimFraction
// smallest and largest values left out, from a sample of at most
// kTrimSampleFloats floats (every n/m-th row). Rows must be finite.
struct TrimmedRanges {
  std::vector<float> lo, hi;
};
TrimmedRanges TrimRanges(std::span<const float> rows, std::size_t dim) {
  constexpr double kTrimFraction = 1e-4;
  constexpr std::size_t kTrimSampleFloats = std::size_t{1} << 24;
  const std::size_t n = rows.size() / dim;
  const std::size_t m = std::min(n, std::max<std::size_t>(1, kTrimSampleFloats / dim));
  // Transposed, one column per dimension, so each is selected in place.
  std::vector<float> columns(m * dim);
  for (std::size_t i = 0; i < m; ++i) {
    const float* x = rows.data() + (i * n / m) * dim;
    for (std::size_t j = 0; j < dim; ++j) columns[j * m + i] = x[j];
  }
  const auto cut = static_cast<std::size_t>(kTrimFraction * static_cast<double>(m - 1));
  TrimmedRanges out{std::vector<float>(dim), std::vector<float>(dim)};
  for (std::size_t j = 0; j < dim; ++j) {
    const auto begin = columns.begin() + static_cast<std::ptrdiff_t>(j * m);
    const auto end = begin + static_cast<std::ptrdiff_t>(m);
    std::nth_element(begin, begin + static_cast<std::ptrdiff_t>(cut), end);
    out.lo[j] = begin[static_cast<std::ptrdiff_t>(cut)];
    std::nth_element(begin, end - 1 - static_cast<std::ptrdiff_t>(cut), end);
    out.hi[j] = end[-1 - static_cast<std::ptrdiff_t>(cut)];
  }
  return out;
}

}  // namespace

ScalarQuantizer::ScalarQuantizer(std::vector<float> offsets, float step)
    : offsets_(std::move(offsets)), step_(step), offset_sq_sum_(0.0) {
  for (float m : offsets_) offset_sq_sum_ += static_cast<double>(m) * static_cast<double>(m);
}

Result<ScalarQuantizer> ScalarQuantizer::Train(std::span<const float> rows, std::size_t dim) {
  if (dim == 0) return SqError("dimension must be at least 1");
  if (dim > kMaxU8Dim) {
    return SqError("dimension " + std::to_string(dim) + " exceeds " + std::to_string(kMaxU8Dim) +
                   ", the largest whose int8 distances fit a uint32");
  }
  if (rows.empty()) return SqError("no training rows");
  if (rows.size() % dim != 0) {
    return SqError(std::to_string(rows.size()) + " training floats is not a multiple of the dimension " +
                   std::to_string(dim));
  }
  const std::size_t n = rows.size() / dim;
  std::vector<float> lo(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(dim));
  std::vector<float> hi = lo;
  bool integral = true;
  for (std::size_t r = 0; r < n; ++r) {
    const float* x = rows.data() + r * dim;
    for (std::size_t j = 0; j < dim; ++j) {
      if (!std::isfinite(x[j])) {
        return SqError("training row " + std::to_string(r) + " has a non-finite component (" +
                       (std::isnan(x[j]) ? "NaN" : "Inf") + ") at index " + std::to_string(j));
      }
      lo[j] = std::min(lo[j], x[j]);
      hi[j] = std::max(hi[j], x[j]);
      integral &= x[j] == std::trunc(x[j]);
    }
  }
  // Integers spanning at most 256 values in every dimension (pixels, SIFT):
  // step 1, every code exact.
  if (integral) {
    double full_range = 0.0;
    for (std::size_t j = 0; j < dim; ++j) {
      full_range = std::max(full_range, static_cast<double>(hi[j]) - static_cast<double>(lo[j]));
    }
    if (full_range <= 255.0) return ScalarQuantizer(std::move(lo), 1.0f);
  }
  const TrimmedRanges trimmed = TrimRanges(rows, dim);
  // In double: the range of a dimension spanning most of the float range
  // would overflow in float.
  double max_range = 0.0;
  for (std::size_t j = 0; j < dim; ++j) {
    max_range = std::max(max_range, static_cast<double>(trimmed.hi[j]) - static_cast<double>(trimmed.lo[j]));
  }
  // Rounding s to float moves the top level by at most 255 * s * 2^-24, far
  // inside s/2. A zero step (every dimension constant) or one that is not a
  // normal float (ranges below ~1e-36) becomes 1: every code is then 0, which
  // still decodes within s/2 of the training values.
  float step = static_cast<float>(max_range / 255.0);
  if (!std::isnormal(step)) step = 1.0f;
  const double window = 255.0 * static_cast<double>(step);
  std::vector<float> offsets = lo;
  for (std::size_t j = 0; j < dim; ++j) {
    // A dimension whose whole range fits the 256 levels keeps its minimum
    // (nothing clamped); a wider one centres the window on its trimmed
    // range, without reaching below its minimum or past its maximum.
    const bool untrimmed = trimmed.lo[j] == lo[j] && trimmed.hi[j] == hi[j];
    if (untrimmed || static_cast<double>(hi[j]) - static_cast<double>(lo[j]) <= window) continue;
    const double spare = window - (static_cast<double>(trimmed.hi[j]) - static_cast<double>(trimmed.lo[j]));
    const double centred = static_cast<double>(trimmed.lo[j]) - 0.5 * spare;
    offsets[j] =
        static_cast<float>(std::clamp(centred, static_cast<double>(lo[j]), static_cast<double>(hi[j]) - window));
  }
  return ScalarQuantizer(std::move(offsets), step);
}

namespace {

// One component of Encode: max(0, t) first, which also takes NaN to 0.
inline std::uint8_t EncodeLevel(double t) {
  const double clamped = std::min(std::max(0.0, t), 255.0);
  return static_cast<std::uint8_t>(static_cast<int>(clamped + 0.5));
}

}  // namespace

void ScalarQuantizer::Encode(const float* x, std::uint8_t* code) const {
  // Every query with int8 codes passes here: a product with 1/s instead of a
  // division per component, four components per step without a branch (the
  // compiler made EncodeLevel's clamps branches, mispredicted on data whose
  // components often sit at the range's ends), and the members in locals (a
  // store through `code`, bytes, may alias them). Encoding took a tenth of a
  // 784-d query's int8 search. The same operations in the same order as
  // EncodeLevel, so both give the same codes.
  const float* offsets = offsets_.data();
  const std::size_t dim = offsets_.size();
  const double inv_step = 1.0 / static_cast<double>(step_);
  std::size_t d = 0;
#if defined(__SSE2__)
  const __m128d zero = _mm_setzero_pd();
  const __m128d top = _mm_set1_pd(255.0);
  const __m128d half = _mm_set1_pd(0.5);
  const __m128d inv = _mm_set1_pd(inv_step);
  // maxpd returns its second operand when either is NaN: max(t, 0) is 0 then.
  const auto levels = [&](__m128 xs, __m128 os) {
    const __m128d t = _mm_mul_pd(_mm_sub_pd(_mm_cvtps_pd(xs), _mm_cvtps_pd(os)), inv);
    return _mm_cvttpd_epi32(_mm_add_pd(_mm_min_pd(_mm_max_pd(t, zero), top), half));
  };
  for (; d + 4 <= dim; d += 4) {
    const __m128 xs = _mm_loadu_ps(x + d);
    const __m128 os = _mm_loadu_ps(offsets + d);
    const __m128i lo = levels(xs, os);                                        // Components d, d + 1.
    const __m128i hi = levels(_mm_movehl_ps(xs, xs), _mm_movehl_ps(os, os));  // d + 2, d + 3.
    const __m128i words = _mm_packs_epi32(_mm_unpacklo_epi64(lo, hi), _mm_setzero_si128());
    const std::uint32_t bytes = static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm_packus_epi16(words, words)));
    std::memcpy(code + d, &bytes, 4);
  }
#endif
  for (; d < dim; ++d) {
    code[d] = EncodeLevel((static_cast<double>(x[d]) - static_cast<double>(offsets[d])) * inv_step);
  }
}

void ScalarQuantizer::Decode(const std::uint8_t* code, float* x) const {
  const double s = step_;
  for (std::size_t d = 0; d < offsets_.size(); ++d) {
    x[d] = static_cast<float>(static_cast<double>(offsets_[d]) + s * static_cast<double>(code[d]));
  }
}

float ScalarQuantizer::CodeBias(const std::uint8_t* code) const {
  double sum = 0.0;
  for (std::size_t d = 0; d < offsets_.size(); ++d) sum += static_cast<double>(offsets_[d]) * code[d];
  return static_cast<float>(sum);
}

std::vector<std::uint8_t> ScalarQuantizer::Serialize() const {
  std::vector<std::uint8_t> out =
      quant_internal::ModelBytes(kSq8Magic, kSerializedVersion, kSerializedHeaderBytes, offsets_.size(), offsets_);
  Store<float>(out.data() + 16, step_);
  return out;
}

Result<ScalarQuantizer> ScalarQuantizer::Deserialize(std::span<const std::uint8_t> bytes) {
  ZYPHYR_RETURN_IF_ERROR(quant_internal::CheckModelHeader(bytes, kSq8Magic, kSerializedVersion, kSerializedHeaderBytes,
                                                          "scalar quantizer"));
  const std::uint8_t* p = bytes.data();
  const auto dim64 = Load<std::uint64_t>(p + 8);
  if (dim64 == 0 || dim64 > kMaxU8Dim) return SqCorrupt(DimensionRangeText(dim64));
  // dim <= kMaxU8Dim: no overflow below.
  const std::size_t dim = static_cast<std::size_t>(dim64);
  const std::size_t need = kSerializedHeaderBytes + dim * sizeof(float);
  ZYPHYR_RETURN_IF_ERROR(quant_internal::CheckModelSize(bytes, dim, need, "scalar quantizer"));
  const auto step = Load<float>(p + 16);
  if (!std::isnormal(step) || step < 0.0f) {
    return SqCorrupt("step " + FloatText(step) + " is not a positive normal float");
  }
  std::vector<float> offsets(dim);
  std::memcpy(offsets.data(), p + kSerializedHeaderBytes, dim * sizeof(float));
  for (std::size_t d = 0; d < dim; ++d) {
    if (!std::isfinite(offsets[d])) {
      return SqCorrupt("offset of dimension " + std::to_string(d) + " is " + FloatText(offsets[d]) +
                       " (expected a finite float)");
    }
  }
  return ScalarQuantizer(std::move(offsets), step);
}

}  // namespace zyphyr
