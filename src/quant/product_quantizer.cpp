#include "src/quant/product_quantizer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "src/core/check.h"
#include "src/partition/exact_distance.h"
#include "src/partition/kmeans.h"
#include "src/quant/model_bytes.h"

namespace zyphyr {

namespace {

// A u64 dimension read from bytes fits a size_t.
static_assert(sizeof(std::size_t) == sizeof(std::uint64_t), "Zyphyr supports 64-bit hosts only");

constexpr char kMagic[4] = {'Z', 'P', 'Q', '8'};
constexpr std::size_t kK = ProductQuantizer::kCentroids;
// The largest dimension whose serialised size fits a 64-bit size.
constexpr std::uint64_t kMaxSerializedDim =
    (std::numeric_limits<std::uint64_t>::max() - ProductQuantizer::kSerializedHeaderBytes) / (kK * sizeof(float));
// Rows per block of EncodeBatch: bounds its sub-vector buffer at 64 KiB per
// dimension of a sub-space while leaving AssignNearest many row blocks to share
// between threads.
constexpr std::size_t kEncodeBlockRows = 16384;

using quant_internal::FloatText;
using quant_internal::Hex32;
using quant_internal::Load;
using quant_internal::Store;

Status Error(std::string message) { return Status::InvalidArgument("product quantizer: " + message); }

Status Corrupt(std::string message) { return Status::Corruption("product quantizer: " + message); }

// Copies sub-space [offset, offset + sub_dim) of `count` rows of `dim` floats
// into `out`, row-major count x sub_dim.
void GatherSubVectors(const float* rows, std::size_t count, std::size_t dim, std::size_t offset, std::size_t sub_dim,
                      float* out) {
  for (std::size_t i = 0; i < count; ++i) {
    std::copy(rows + i * dim + offset, rows + i * dim + offset + sub_dim, out + i * sub_dim);
  }
}

}  // namespace

ProductQuantizer::ProductQuantizer(std::size_t dim, std::size_t m, std::vector<float> codebooks)
    : dim_(dim), m_(m), centroids_(std::move(codebooks)), transposed_(centroids_.size()) {
  for (std::size_t j = 0; j < m_; ++j) {
    const std::size_t sd = sub_dim(j);
    const float* src = centroids_.data() + kK * sub_offset(j);
    float* dst = transposed_.data() + kK * sub_offset(j);
    for (std::size_t c = 0; c < kK; ++c) {
      for (std::size_t d = 0; d < sd; ++d) dst[d * kK + c] = src[c * sd + d];
    }
  }
}

Result<ProductQuantizer> ProductQuantizer::Train(std::span<const float> rows, std::size_t dim,
                                                 const ProductQuantizerOptions& options) {
  const std::size_t m = options.m;
  if (dim == 0) return Error("dimension must be at least 1");
  if (m == 0) return Error("the sub-space count m must be at least 1");
  if (m > dim) return Error(std::to_string(m) + " sub-spaces exceed the dimension " + std::to_string(dim));
  if (m > std::numeric_limits<std::uint32_t>::max()) {
    return Error(std::to_string(m) + " sub-spaces exceed 32-bit sub-space counts");
  }
  if (options.max_training_rows < kK) {
    return Error("max_training_rows " + std::to_string(options.max_training_rows) + " is fewer than the " +
                 std::to_string(kK) + " centroids of a sub-space");
  }
  if (rows.size() % dim != 0) {
    return Error(std::to_string(rows.size()) + " training floats is not a multiple of the dimension " +
                 std::to_string(dim));
  }
  if (rows.empty()) return Error("no training rows");
  const std::size_t n = rows.size() / dim;
  if (n < kK) {
    return Error(std::to_string(n) + (n == 1 ? " training row is" : " training rows are") + " fewer than the " +
                 std::to_string(kK) + " centroids of a sub-space");
  }
  for (std::size_t r = 0; r < n; ++r) {
    const float* x = rows.data() + r * dim;
    for (std::size_t d = 0; d < dim; ++d) {
      if (!std::isfinite(x[d])) {
        return Error("training row " + std::to_string(r) + " has a non-finite component (" +
                     (std::isnan(x[d]) ? "NaN" : "Inf") + ") at index " + std::to_string(d));
      }
    }
  }

  // The sampled rows, by number; i * n in 128 bits so that no n overflows.
  const std::size_t sample = std::min(n, options.max_training_rows);
  std::vector<std::size_t> picked(sample);
  for (std::size_t i = 0; i < sample; ++i) {
    picked[i] = static_cast<std::size_t>(static_cast<unsigned __int128>(i) * n / sample);
  }

  std::vector<float> codebooks(kK * dim);
  std::vector<float> sub;
  for (std::size_t j = 0; j < m; ++j) {
    const std::size_t q = dim / m, r = dim % m;
    const std::size_t sd = q + (j < r ? 1 : 0);
    const std::size_t offset = j * q + std::min(j, r);
    sub.resize(sample * sd);
    for (std::size_t i = 0; i < sample; ++i) {
      GatherSubVectors(rows.data() + picked[i] * dim, 1, dim, offset, sd, sub.data() + i * sd);
    }
    KMeansOptions kmeans;
    kmeans.clusters = kK;
    kmeans.iterations = options.iterations;
    kmeans.seed = options.seed + j;
    kmeans.threads = options.threads;
    Result<std::vector<float>> centroids = TrainKMeans(sub, sd, kmeans);
    // The checks above leave k-means nothing to refuse.
    if (!centroids.ok()) return centroids.status().WithContext("product quantizer: sub-space " + std::to_string(j));
    std::copy(centroids->begin(), centroids->end(), codebooks.begin() + static_cast<std::ptrdiff_t>(kK * offset));
  }
  return ProductQuantizer(dim, m, std::move(codebooks));
}

void ProductQuantizer::Encode(const float* x, std::uint8_t* code) const {
  for (std::size_t j = 0; j < m_; ++j) {
    const std::size_t sd = sub_dim(j);
    const float* sub = x + sub_offset(j);
    const float* book = centroids_.data() + kK * sub_offset(j);
    // Strict < from centroid 0: ties (and NaN) keep the smaller index, as
    // AssignNearest does.
    std::size_t best = 0;
    double best_distance = ExactDistance(sub, book, sd);
    for (std::size_t c = 1; c < kK; ++c) {
      const double distance = ExactDistance(sub, book + c * sd, sd);
      if (distance < best_distance) {
        best = c;
        best_distance = distance;
      }
    }
    code[j] = static_cast<std::uint8_t>(best);
  }
}

void ProductQuantizer::EncodeBatch(std::span<const float> rows, std::uint8_t* codes, std::size_t threads) const {
  ZYPHYR_CHECK(rows.size() % dim_ == 0);
  const std::size_t n = rows.size() / dim_;
  std::vector<float> sub;
  for (std::size_t r0 = 0; r0 < n; r0 += kEncodeBlockRows) {
    const std::size_t count = std::min(kEncodeBlockRows, n - r0);
    for (std::size_t j = 0; j < m_; ++j) {
      const std::size_t sd = sub_dim(j);
      sub.resize(count * sd);
      GatherSubVectors(rows.data() + r0 * dim_, count, dim_, sub_offset(j), sd, sub.data());
      const std::vector<std::uint32_t> labels = AssignNearest(sub, sd, centroids(j), threads);
      for (std::size_t i = 0; i < count; ++i) codes[(r0 + i) * m_ + j] = static_cast<std::uint8_t>(labels[i]);
    }
  }
}

void ProductQuantizer::Decode(const std::uint8_t* code, float* x) const {
  for (std::size_t j = 0; j < m_; ++j) {
    const std::size_t sd = sub_dim(j);
    const float* centroid = centroids_.data() + kK * sub_offset(j) + code[j] * sd;
    std::copy(centroid, centroid + sd, x + sub_offset(j));
  }
}

namespace {

// Fills table[j * 256 + i] (pq.m() x 256 floats) with the float sum, over
// sub-space j's dimensions d in index order, of term(query_d, centroid i's
// float d). It runs over the 256 centroids in the innermost loop, on the
// transposed codebook `transposed` (ProductQuantizer::transposed_):
// contiguous, and each entry still summed in dimension order.
template <typename Term>
void FillTable(const ProductQuantizer& pq, const float* transposed, const float* query, float* table, Term term) {
  for (std::size_t j = 0; j < pq.m(); ++j) {
    const std::size_t offset = pq.sub_offset(j);
    const float* column = transposed + kK * offset;
    float* t = table + j * kK;
    std::fill(t, t + kK, 0.0f);
    for (std::size_t d = 0; d < pq.sub_dim(j); ++d) {
      const float q = query[offset + d];
      const float* c = column + d * kK;
      for (std::size_t i = 0; i < kK; ++i) t[i] += term(q, c[i]);
    }
  }
}

}  // namespace

void ProductQuantizer::ComputeL2Table(const float* query, float* table) const {
  FillTable(*this, transposed_.data(), query, table, [](float q, float c) {
    const float diff = q - c;
    return diff * diff;
  });
}

void ProductQuantizer::ComputeDotTable(const float* query, float* table) const {
  FillTable(*this, transposed_.data(), query, table, [](float q, float c) { return q * c; });
}

// Eight codes at a time, then four: independent chains of additions hide the
// latency of each (measured on Zen 4 at m = 16..64: eight ~30% faster than
// four, four ~15-30% faster than one). Every code's own sum stays in the order
// j = 0 .. m - 1, so the result is TableDistance's to the bit.
void ProductQuantizer::TableDistances(const float* table, const std::uint8_t* codes, std::size_t count,
                                      float* out) const {
  const std::size_t m = m_;
  std::size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const std::uint8_t* c = codes + i * m;
    float s[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    const float* t = table;
    for (std::size_t j = 0; j < m; ++j, t += kK) {
      s[0] += t[c[j]];
      s[1] += t[c[m + j]];
      s[2] += t[c[2 * m + j]];
      s[3] += t[c[3 * m + j]];
      s[4] += t[c[4 * m + j]];
      s[5] += t[c[5 * m + j]];
      s[6] += t[c[6 * m + j]];
      s[7] += t[c[7 * m + j]];
    }
    std::copy(s, s + 8, out + i);
  }
  for (; i + 4 <= count; i += 4) {
    const std::uint8_t* c = codes + i * m;
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    const float* t = table;
    for (std::size_t j = 0; j < m; ++j, t += kK) {
      s0 += t[c[j]];
      s1 += t[c[m + j]];
      s2 += t[c[2 * m + j]];
      s3 += t[c[3 * m + j]];
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
  for (; i < count; ++i) out[i] = TableDistance(table, codes + i * m);
}

std::vector<std::uint8_t> ProductQuantizer::Serialize() const {
  std::vector<std::uint8_t> out =
      quant_internal::ModelBytes(kMagic, kSerializedVersion, kSerializedHeaderBytes, dim_, centroids_);
  Store<std::uint32_t>(out.data() + 16, static_cast<std::uint32_t>(m_));
  return out;
}

Result<ProductQuantizer> ProductQuantizer::Deserialize(std::span<const std::uint8_t> bytes) {
  ZYPHYR_RETURN_IF_ERROR(
      quant_internal::CheckModelHeader(bytes, kMagic, kSerializedVersion, kSerializedHeaderBytes, "product quantizer"));
  const std::uint8_t* p = bytes.data();
  const auto dim64 = Load<std::uint64_t>(p + 8);
  if (dim64 == 0) return Corrupt("dimension 0 (expected at least 1)");
  if (dim64 > kMaxSerializedDim) {
    return Corrupt("dimension " + std::to_string(dim64) + " is too large (its codebooks would overflow a 64-bit size)");
  }
  const auto m = Load<std::uint32_t>(p + 16);
  if (m == 0 || m > dim64) {
    return Corrupt("sub-space count " + std::to_string(m) + " is outside 1.." + std::to_string(dim64) +
                   " (the dimension)");
  }
  // dim <= kMaxSerializedDim: no overflow below.
  const std::size_t dim = static_cast<std::size_t>(dim64);
  const std::size_t need = kSerializedHeaderBytes + kK * dim * sizeof(float);
  ZYPHYR_RETURN_IF_ERROR(quant_internal::CheckModelSize(bytes, dim, need, "product quantizer"));
  std::vector<float> codebooks(kK * dim);
  std::memcpy(codebooks.data(), p + kSerializedHeaderBytes, codebooks.size() * sizeof(float));
  const std::size_t q = dim / m, r = dim % m;
  for (std::size_t j = 0; j < m; ++j) {
    const std::size_t sd = q + (j < r ? 1 : 0);
    const float* book = codebooks.data() + kK * (j * q + std::min<std::size_t>(j, r));
    for (std::size_t i = 0; i < kK * sd; ++i) {
      if (!std::isfinite(book[i])) {
        return Corrupt("centroid " + std::to_string(i / sd) + " of sub-space " + std::to_string(j) + " is " +
                       FloatText(book[i]) + " at index " + std::to_string(i % sd) + " (expected a finite float)");
      }
    }
  }
  return ProductQuantizer(dim, m, std::move(codebooks));
}

}  // namespace zyphyr
