// BuildDistance: the distances an HNSW build computes between stored nodes,
// from the float rows or, when they hold the same information in a quarter of
// the bytes, from exact byte codes.
//
// A build is bound by memory traffic: each distance streams a row. Many data
// sets are 8-bit at heart (images such as Fashion-MNIST, SIFT and the other
// BIGANN sets, byte embeddings): every component an integer, each dimension
// spanning at most 256 values. For such rows under l2, subtracting each
// dimension's minimum gives byte codes with the same differences, so
// sum (a - b)^2 over the codes (the exact integer kernels of kernels.h) is the
// squared distance itself, exact, from 1/4 of the bytes. ExactByteCodes
// decides; anything else (one non-integer component, a wider range, another
// metric) keeps the float rows, so the graph a build makes never depends on
// approximations.
//
// Under ip, when the build asks for it (HnswBuildOptions::ip_graph =
// kAugmentedL2), distances between stored rows are l2 between augmented rows:
// with R the largest row norm, each row x becomes x' = [x, sqrt(R^2 - |x|^2)]
// (AugmentedRows). A query q searched as q' = [q, 0] has
// |q' - x'|^2 = |q|^2 + R^2 - 2<q, x>, which for a fixed query ranks the rows
// exactly as -<q, x> does, so the graph is searched by the unchanged ip
// searchers and stored in the unchanged shard format (the norm-augmentation
// reduction of MIPS to nearest-neighbour search, Bachrach et al., RecSys
// 2014). The augmented copy (size() rows of PaddedDim(dim + 1) floats) lives
// only as long as the BuildDistance, i.e. during the build. It is not the
// default: on every set measured (docs/performance.md, "Inner product without
// normalisation") it gave lower recall than -<x, y>: the queries [q, 0] lie
// far from the augmented rows, which all lie on the sphere of radius R.
// Cosine rows are unit rows, for which the augmentation is a no-op: they keep
// -<x, y>.
#ifndef ZYPHYR_SRC_INDEX_BUILD_DISTANCE_H_
#define ZYPHYR_SRC_INDEX_BUILD_DISTANCE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "src/core/aligned_buffer.h"
#include "src/core/vector_store.h"
#include "src/distance/kernels.h"
#include "src/index/hnsw_options.h"
#include "src/index/metric_distance.h"

namespace zyphyr {

// Byte codes of every row (rows.size blocks of ByteCodeStride(rows.dim) bytes,
// zero past dim), x[d] - min_d, when every component is an integer and every
// dimension spans at most 255; nullopt otherwise (at the first component that
// rules them out). Requires rows.dim <= kMaxU8Dim. Large ones sit in huge
// pages like the rows: the beam searches jump between random codes.
std::size_t ByteCodeStride(std::size_t dim);
std::optional<AlignedBuffer<std::uint8_t>> ExactByteCodes(const RowsView& rows);

// The rows augmented for an ip build (see above): rows.size rows of
// PaddedDim(rows.dim + 1) floats, x[0..dim), then sqrt(R^2 - |x|^2) (norms in
// double, clamped at 0), then zeros. Empty when rows.size is 0.
AlignedBuffer<float> AugmentedRows(const RowsView& rows);

class BuildDistance {
 public:
  // Byte codes when the metric is l2 and ExactByteCodes finds them;
  // augmented rows (and l2) when it is ip and `ip_graph` is kAugmentedL2;
  // the store's rows otherwise.
  BuildDistance(const VectorStore& store, const DistanceKernels& kernels,
                InnerProductGraph ip_graph = InnerProductGraph::kInnerProduct);

  bool exact_bytes() const { return codes_.size() != 0; }
  bool augmented() const { return augmented_.size() != 0; }

  // The float row the distances of `node` are computed from (when
  // !exact_bytes()): the augmented row under ip, the store's row otherwise;
  // row_bytes() bytes of it are read.
  const float* row(std::uint32_t node) const {
    return augmented() ? augmented_.data() + static_cast<std::size_t>(node) * float_.dim() : store_.row(node);
  }
  std::size_t row_bytes() const { return row_bytes_; }

  float operator()(std::uint32_t a, std::uint32_t b) const {
    if (exact_bytes()) return static_cast<float>(l2_u8_(Code(a), Code(b), dim_));
    return float_(row(a), row(b));
  }

  // out[i] = (*this)(base, nodes[i]) for i < n.
  void Batch(std::uint32_t base, const std::uint32_t* nodes, std::size_t n, float* out) const {
    if (exact_bytes()) {
      const std::uint8_t* b = Code(base);
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(l2_u8_(b, Code(nodes[i]), dim_));
      return;
    }
    // In chunks: the float kernels take rows four at a time anyway.
    constexpr std::size_t kChunk = 16;
    const float* query = row(base);
    for (std::size_t first = 0; first < n; first += kChunk) {
      const std::size_t m = n - first < kChunk ? n - first : kChunk;
      const float* rows[kChunk] = {};
      for (std::size_t i = 0; i < m; ++i) rows[i] = row(nodes[first + i]);
      float_.Batch(query, rows, m, out + first);
    }
  }

  // The float path with the caller's row pointers, taken from row() (when
  // !exact_bytes()): out[i] = distance from `query` to rows[i].
  void BatchRows(const float* query, const float* const* rows, std::size_t n, float* out) const {
    float_.Batch(query, rows, n, out);
  }

  // A hint that `node`'s row or code is needed soon.
  void Prefetch(std::uint32_t node) const {
    if (exact_bytes()) {
      // Whole codes: a quarter of a row's lines, all wanted at once.
      const std::uint8_t* code = Code(node);
      for (std::size_t at = 0; at < stride_; at += 64) __builtin_prefetch(code + at, 0, 3);
    } else {
      PrefetchRow(row(node), row_bytes_);
    }
  }

 private:
  BuildDistance(const VectorStore& store, const DistanceKernels& kernels, bool augment);

  const std::uint8_t* Code(std::uint32_t node) const {
    return codes_.data() + static_cast<std::size_t>(node) * stride_;
  }

  const VectorStore& store_;
  AlignedBuffer<float> augmented_;  // Before float_: its stride is float_'s dim.
  MetricDistance float_;
  std::size_t row_bytes_;
  AlignedBuffer<std::uint8_t> codes_;
  std::size_t stride_ = 0;
  std::size_t dim_ = 0;
  U8PairKernel l2_u8_ = nullptr;
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_BUILD_DISTANCE_H_
