// Quantizer: the trained model of an index's encoding (int8: ScalarQuantizer;
// pq: ProductQuantizer) behind one interface, so that shard files, builds and
// searches handle every encoding the same way, and the codes it makes.
//
// Codes of n rows are stored row by row, code_stride() bytes apart
// (code_bytes() meaningful bytes, then zero padding). int8 codes are a
// multiple of 16 bytes apart, the smallest at which no code touches more
// 64-byte cache lines than its size needs: 100-byte codes 112 bytes apart
// touched 2.5 lines on average, 128 apart 2, and searches of them ran 10-20%
// faster (docs/performance.md); 96- or 784-byte codes touch the fewest lines
// 96 and 784 apart already. Shards written before took the next multiple of
// 16 for every size; readers accept both (AcceptsCodeStride). For the int8 encoding
// under the inner product and cosine, each row also has a bias
// (ScalarQuantizer::CodeBias), stored beside the codes.
//
// Thread safety: const methods may be called concurrently.
#ifndef ZYPHYR_SRC_QUANT_QUANTIZER_H_
#define ZYPHYR_SRC_QUANT_QUANTIZER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "src/core/metric.h"
#include "src/core/rows_view.h"
#include "src/core/status.h"
#include "src/quant/encoding.h"
#include "src/quant/product_quantizer.h"
#include "src/quant/scalar_quantizer.h"

namespace zyphyr {

struct QuantizerOptions {
  Encoding encoding = Encoding::kFloat32;  // int8 or pq; float32 (the default) means no codes.
  // pq: sub-spaces, the code size in bytes (1..dim); 0 picks DefaultPqM(dim).
  std::size_t pq_m = 0;
  std::size_t threads = 1;  // Training and encoding threads (0: one per hardware thread).
  std::uint64_t seed = 42;
};

// The pq sub-space count used when none is given: one per 8 dimensions
// (rounded up), so 16 bytes for 128 dimensions.
inline std::size_t DefaultPqM(std::size_t dim) { return (dim + 7) / 8; }

// The codes of a set of rows, as a shard stores them.
struct EncodedRows {
  std::size_t stride = 0;           // Bytes from one code to the next (Quantizer::code_stride()).
  std::vector<std::uint8_t> codes;  // rows * stride bytes.
  std::vector<float> biases;        // One per row when the encoding needs them (HasBiases), else empty.
  // The largest distance from a row to its decoded code, |x - Decode(code(x))|,
  // rounded up to a float: 0 when the codes are lossless (int8 codes of data
  // on the quantizer's grid, as 8-bit pixels are).
  float max_error = 0.0f;
};

class Quantizer {
 public:
  // Trains on `rows` (as stored: normalised under cosine) with the metric
  // they will be searched under. Errors (InvalidArgument): "float32 has no
  // quantizer"; those of ScalarQuantizer::Train and ProductQuantizer::Train.
  static Result<Quantizer> Train(RowsView rows, const QuantizerOptions& options);

  // Reads what Serialize() wrote for `encoding`, for rows of `dim` under
  // `metric`. Errors: those of the encoding's Deserialize; Corruption
  // "quantizer of dimension 8 for rows of dimension 16" on a mismatch.
  static Result<Quantizer> Deserialize(Encoding encoding, Metric metric, std::size_t dim,
                                       std::span<const std::uint8_t> bytes);
  std::vector<std::uint8_t> Serialize() const;

  Encoding encoding() const { return encoding_; }
  Metric metric() const { return metric_; }
  std::size_t dim() const { return dim_; }
  // Meaningful bytes of one code, and bytes from one stored code to the next.
  std::size_t code_bytes() const;
  std::size_t code_stride() const;
  // Whether codes `stride` bytes apart are ones this quantizer reads:
  // code_stride(), or for int8 also the 16-byte multiple earlier versions
  // wrote.
  bool AcceptsCodeStride(std::size_t stride) const;
  // Whether each stored row carries a bias beside its code (int8 under ip or
  // cosine).
  bool HasBiases() const;

  // The codes (and biases, and the largest error) of every row of `rows`
  // (rows.dim == dim()).
  EncodedRows Encode(RowsView rows, std::size_t threads) const;

  // Writes the dim() floats `code` stands for.
  void Decode(const std::uint8_t* code, float* x) const;

  // The int8 model (encoding int8), else null.
  const ScalarQuantizer* scalar() const { return scalar_ ? &*scalar_ : nullptr; }
  // The pq model (encoding pq), else null.
  const ProductQuantizer* product() const { return product_ ? &*product_ : nullptr; }

 private:
  Quantizer() = default;

  Encoding encoding_ = Encoding::kInt8;
  Metric metric_ = Metric::kL2;
  std::size_t dim_ = 0;
  std::optional<ScalarQuantizer> scalar_;
  std::optional<ProductQuantizer> product_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_QUANT_QUANTIZER_H_
