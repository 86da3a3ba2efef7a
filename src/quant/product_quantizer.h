// ProductQuantizer: float vectors to one byte per sub-space (Jegou, Douze and
// Schmid, "Product Quantization for Nearest Neighbor Search", TPAMI 2011), for
// traversing an index with codes and re-ranking with the full vectors.
//
// The dim dimensions are split into m sub-spaces of contiguous dimensions whose
// sizes differ by at most one: with q = dim / m and r = dim % m, sub-space j
// holds sub_dim(j) = q + (j < r ? 1 : 0) dimensions starting at
//   sub_offset(j) = j * q + min(j, r)
// (dim 10, m 4: sizes 3, 3, 2, 2 at offsets 0, 3, 6, 8). Each sub-space has its
// own codebook of kCentroids = 256 centroids, trained by k-means
// (src/partition/kmeans.h) on that sub-space's part of the training rows. A
// vector's code is m bytes, code[j] the index of the centroid nearest to its
// sub-vector j; decoding concatenates the chosen centroids.
//
// Distances are asymmetric (ADC): the query stays in floats. A table of
// m x 256 floats holds, for every sub-space j and centroid c, the distance
// term between the query's sub-vector j and centroid c; the distance to a code
// is then the sum of m table entries,
//   TableDistance(table, code) = sum_j table[j * 256 + code[j]],
// summed in float in the order j = 0 .. m - 1. With the L2 table it equals
// |query - Decode(code)|^2, with the dot table query . Decode(code), up to
// float rounding (each entry is itself a float sum over sub_dim(j) terms, so
// the relative error is at most about (max sub_dim + m) float epsilons of the
// sum of the absolute terms). For the cosine metric, callers normalise rows
// and queries before training and encoding and use the dot table.
//
// Thread safety: const methods may be called concurrently; nothing is shared
// between instances.
#ifndef ZYPHYR_SRC_QUANT_PRODUCT_QUANTIZER_H_
#define ZYPHYR_SRC_QUANT_PRODUCT_QUANTIZER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "src/core/status.h"

namespace zyphyr {

struct ProductQuantizerOptions {
  std::size_t m = 0;            // Sub-spaces, 1..dim: the code size in bytes.
  std::size_t iterations = 25;  // Lloyd iterations at most per sub-space (KMeansOptions::iterations).
  std::uint64_t seed = 42;      // Sub-space j is trained with seed + j.
  std::size_t threads = 1;      // 0: one per hardware thread. Results do not depend on it.
  // More rows than this are sampled with a fixed stride: of n rows, rows
  // floor(i * n / max_training_rows) for i = 0 .. max_training_rows - 1.
  std::size_t max_training_rows = 65536;
};

class ProductQuantizer {
 public:
  static constexpr std::size_t kCentroids = 256;

  // Serialize()'s layout, little-endian, kSerializedHeaderBytes +
  // 4 * 256 * dim bytes in all:
  //   0   4  magic "ZPQ8"
  //   4   4  u32 version, kSerializedVersion
  //   8   8  u64 dim, at least 1
  //   16  4  u32 m, 1..dim
  //   20  4  u32 reserved, 0
  //   24  ..  f32 codebooks, finite: for j = 0 .. m - 1 in turn, the 256
  //           centroids of sub-space j, each sub_dim(j) floats (row-major
  //           256 x sub_dim(j)); sub-space j starts at byte
  //           24 + 4 * 256 * sub_offset(j).
  static constexpr std::size_t kSerializedHeaderBytes = 24;
  static constexpr std::uint32_t kSerializedVersion = 1;

  // Trains the m codebooks from `rows`, row-major, rows.size() / dim rows of
  // `dim` floats (at most options.max_training_rows of them, sampled as the
  // options describe): sub-space j by TrainKMeans with 256 clusters,
  // options.iterations, options.seed + j and options.threads. The codebooks
  // are bit-identical for any options.threads.
  //
  // Errors (InvalidArgument), checked in this order, the message starting
  // "product quantizer: ":
  //   "dimension must be at least 1"
  //   "the sub-space count m must be at least 1"
  //   "20 sub-spaces exceed the dimension 16"
  //   "4294967296 sub-spaces exceed 32-bit sub-space counts"
  //   "max_training_rows 100 is fewer than the 256 centroids of a sub-space"
  //   "5 training floats is not a multiple of the dimension 2"
  //   "no training rows"
  //   "100 training rows are fewer than the 256 centroids of a sub-space"
  //   "training row 3 has a non-finite component (NaN) at index 5" (the first
  //     such row, whether sampled or not; "(Inf)" for an infinity)
  static Result<ProductQuantizer> Train(std::span<const float> rows, std::size_t dim,
                                        const ProductQuantizerOptions& options);

  // Reads what Serialize() wrote. Errors, each naming what is wrong, the
  // message starting "product quantizer: ": Corruption when `bytes` is shorter
  // than the header or than the dimension needs ("truncated: ..."), longer
  // than it needs, has the wrong magic, a nonzero reserved field, a dimension
  // of 0 or one whose size overflows, an m outside 1..dim, or a centroid
  // value that is not finite; Unsupported for another version.
  static Result<ProductQuantizer> Deserialize(std::span<const std::uint8_t> bytes);

  // The layout above; Deserialize(Serialize()) equals *this and serialises to
  // the same bytes.
  std::vector<std::uint8_t> Serialize() const;

  // Writes code_size() bytes for the dim() floats at `x`: code[j] is the
  // centroid of sub-space j nearest under squared L2, evaluated in double and
  // summed in index order as kmeans.h states, ties to the smaller index.
  // Never fails; values should be finite (callers validate vectors where
  // they enter): a sub-space with a NaN or Inf component gets an unspecified
  // code.
  void Encode(const float* x, std::uint8_t* code) const;

  // Encode for every row of `rows` (row-major, a multiple of dim() floats,
  // checked: aborts otherwise), code_size() bytes per row written to `codes`
  // in row order: exactly the bytes Encode writes, for any `threads` (0: one
  // per hardware thread). Faster than calling Encode per row (AssignNearest
  // ranks the centroids with matrix products).
  void EncodeBatch(std::span<const float> rows, std::uint8_t* codes, std::size_t threads) const;

  // Writes dim() floats: the centroids that `code` names, concatenated.
  void Decode(const std::uint8_t* code, float* x) const;

  // Fills table[j * 256 + c] (m x 256 floats) with the squared L2 distance
  // between the query's sub-vector j and centroid c of sub-space j: the float
  // sum of (query_d - centroid_d)^2 over the sub-space's dimensions in index
  // order.
  void ComputeL2Table(const float* query, float* table) const;

  // As ComputeL2Table, with the dot products query_d * centroid_d.
  void ComputeDotTable(const float* query, float* table) const;

  // sum_j table[j * 256 + code[j]], a float sum in the order j = 0 .. m - 1:
  // the distance between the table's query and the DECODED vector (see the
  // top of the file for the rounding).
  float TableDistance(const float* table, const std::uint8_t* code) const {
    float sum = 0.0f;
    for (std::size_t j = 0; j < m_; ++j) sum += table[j * kCentroids + code[j]];
    return sum;
  }

  // out[i] = TableDistance(table, codes + i * code_size()) for the `count`
  // consecutive codes at `codes`, bit-identical to it (the same sum in the
  // same order; eight or four codes are summed at once).
  void TableDistances(const float* table, const std::uint8_t* codes, std::size_t count, float* out) const;

  std::size_t dim() const { return dim_; }
  std::size_t m() const { return m_; }
  std::size_t code_size() const { return m_; }
  // j < m(); unchecked.
  std::size_t sub_dim(std::size_t j) const { return dim_ / m_ + (j < dim_ % m_ ? 1 : 0); }
  std::size_t sub_offset(std::size_t j) const { return j * (dim_ / m_) + (j < dim_ % m_ ? j : dim_ % m_); }
  // The 256 x sub_dim(j) floats of sub-space j's codebook, row-major; j < m().
  std::span<const float> centroids(std::size_t j) const {
    return {centroids_.data() + kCentroids * sub_offset(j), kCentroids * sub_dim(j)};
  }

  bool operator==(const ProductQuantizer& other) const = default;

 private:
  // `codebooks`: the m codebooks one after another, 256 * dim floats.
  ProductQuantizer(std::size_t dim, std::size_t m, std::vector<float> codebooks);

  std::size_t dim_;
  std::size_t m_;
  std::vector<float> centroids_;
  // The same floats per sub-space transposed (sub_dim(j) x 256, at
  // 256 * sub_offset(j)), so that the table loops run over contiguous
  // centroids.
  std::vector<float> transposed_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_QUANT_PRODUCT_QUANTIZER_H_
