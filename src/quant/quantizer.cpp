#include "src/quant/quantizer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <utility>

#include "src/core/aligned_buffer.h"
#include "src/core/parallel_for.h"

namespace zyphyr {

namespace {

// int8 codes are a multiple of this many bytes apart.
constexpr std::size_t kInt8CodeAlignment = 16;

// The int8 stride of shards written before the stride minimised the lines a
// code touches (quantizer.h): the next multiple of kInt8CodeAlignment.
std::size_t LegacyInt8Stride(std::size_t bytes) {
  return (bytes + kInt8CodeAlignment - 1) / kInt8CodeAlignment * kInt8CodeAlignment;
}

// The meaningful floats of `rows`, unpadded (the quantizers take dim floats
// per row).
std::vector<float> Compact(RowsView rows) {
  std::vector<float> out(rows.size * rows.dim);
  for (std::size_t i = 0; i < rows.size; ++i) std::memcpy(&out[i * rows.dim], rows.row(i), rows.dim * sizeof(float));
  return out;
}

// Deserializes a Model (ScalarQuantizer or ProductQuantizer) from `bytes` into `*model`. Errors: those of
// Model::Deserialize; Corruption when the model's dimension is not `dim`.
template <typename Model>
Status DeserializeModel(std::span<const std::uint8_t> bytes, std::size_t dim, std::optional<Model>* model) {
  Result<Model> read = Model::Deserialize(bytes);
  if (!read.ok()) return read.status();
  if (read->dim() != dim) {
    return Status::Corruption("quantizer of dimension " + std::to_string(read->dim()) + " for rows of dimension " +
                              std::to_string(dim));
  }
  *model = std::move(*read);
  return Status::Ok();
}

}  // namespace

Result<Quantizer> Quantizer::Train(RowsView rows, const QuantizerOptions& options) {
  Quantizer q;
  q.encoding_ = options.encoding;
  q.metric_ = rows.metric;
  q.dim_ = rows.dim;
  switch (options.encoding) {
    case Encoding::kInt8: {
      std::vector<float> flat = Compact(rows);
      Result<ScalarQuantizer> sq = ScalarQuantizer::Train(flat, rows.dim);
      if (!sq.ok()) return sq.status();
      q.scalar_ = std::move(*sq);
      return q;
    }
    case Encoding::kPq: {
      std::vector<float> flat = Compact(rows);
      ProductQuantizerOptions pq;
      pq.m = options.pq_m == 0 ? DefaultPqM(rows.dim) : options.pq_m;
      pq.seed = options.seed;
      pq.threads = options.threads;
      Result<ProductQuantizer> trained = ProductQuantizer::Train(flat, rows.dim, pq);
      if (!trained.ok()) return trained.status();
      q.product_ = std::move(*trained);
      return q;
    }
    case Encoding::kFloat32:
      break;
  }
  return Status::InvalidArgument("float32 has no quantizer");
}

Result<Quantizer> Quantizer::Deserialize(Encoding encoding, Metric metric, std::size_t dim,
                                         std::span<const std::uint8_t> bytes) {
  Quantizer q;
  q.encoding_ = encoding;
  q.metric_ = metric;
  q.dim_ = dim;
  Status status;
  switch (encoding) {
    case Encoding::kInt8:
      status = DeserializeModel(bytes, dim, &q.scalar_);
      break;
    case Encoding::kPq:
      status = DeserializeModel(bytes, dim, &q.product_);
      break;
    default:
      return Status::Corruption("encoding " + std::string(EncodingName(encoding)) + " has no quantizer");
  }
  if (!status.ok()) return status;
  return q;
}

std::vector<std::uint8_t> Quantizer::Serialize() const {
  if (scalar_) return scalar_->Serialize();
  if (product_) return product_->Serialize();
  return {};
}

std::size_t Quantizer::code_bytes() const {
  if (scalar_) return dim_;
  if (product_) return product_->code_size();
  return 0;
}

std::size_t Quantizer::code_stride() const {
  const std::size_t bytes = code_bytes();
  if (encoding_ != Encoding::kInt8) return bytes;
  // The smallest multiple of 16 at which every code touches no more lines
  // than its size needs. Multiples of 16 repeat their offsets in a line every
  // 4 codes; a multiple of 64 always qualifies.
  const std::size_t lines = (bytes + kCacheLine - 1) / kCacheLine;
  for (std::size_t stride = LegacyInt8Stride(bytes);; stride += kInt8CodeAlignment) {
    bool fits = true;
    for (std::size_t i = 0; i < 4; ++i) fits &= ((i * stride) % kCacheLine + bytes - 1) / kCacheLine < lines;
    if (fits) return stride;
  }
}

bool Quantizer::AcceptsCodeStride(std::size_t stride) const {
  if (stride == code_stride()) return true;
  return encoding_ == Encoding::kInt8 && stride == LegacyInt8Stride(code_bytes());
}

bool Quantizer::HasBiases() const { return encoding_ == Encoding::kInt8 && metric_ != Metric::kL2; }

EncodedRows Quantizer::Encode(RowsView rows, std::size_t threads) const {
  EncodedRows out;
  const std::size_t stride = code_stride();
  out.stride = stride;
  out.codes.assign(rows.size * stride, 0);
  if (HasBiases()) out.biases.assign(rows.size, 0.0f);
  if (product_) {
    std::vector<float> flat = Compact(rows);
    product_->EncodeBatch(flat, out.codes.data(), threads);  // code_stride() == code_size(): packed.
  } else {
    ParallelFor(
        0, rows.size, threads, [] { return 0; },
        [&](std::size_t i, int) {
          std::uint8_t* code = out.codes.data() + i * stride;
          scalar_->Encode(rows.row(i), code);
          if (!out.biases.empty()) out.biases[i] = scalar_->CodeBias(code);
        });
  }
  // The error bound, in double, rounded up once.
  std::mutex mutex;
  double max_sq = 0.0;
  ParallelFor(
      0, rows.size, threads, [this] { return std::vector<float>(dim_); },
      [&](std::size_t i, std::vector<float>& decoded) {
        Decode(out.codes.data() + i * stride, decoded.data());
        const float* x = rows.row(i);
        double sq = 0.0;
        for (std::size_t d = 0; d < dim_; ++d) {
          const double diff = static_cast<double>(x[d]) - static_cast<double>(decoded[d]);
          sq += diff * diff;
        }
        std::lock_guard<std::mutex> lock(mutex);
        max_sq = std::max(max_sq, sq);
      });
  const double bound = std::sqrt(max_sq);
  float rounded = static_cast<float>(bound);
  if (static_cast<double>(rounded) < bound) rounded = std::nextafter(rounded, std::numeric_limits<float>::infinity());
  out.max_error = rounded;
  return out;
}

void Quantizer::Decode(const std::uint8_t* code, float* x) const {
  if (scalar_) {
    scalar_->Decode(code, x);
  } else {
    product_->Decode(code, x);
  }
}

}  // namespace zyphyr
