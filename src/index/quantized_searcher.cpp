#include "src/index/quantized_searcher.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "src/core/aligned_buffer.h"
#include "src/index/graph_search.h"
#include "src/index/hnsw_options.h"

namespace zyphyr {

namespace {

// Per-thread buffers of one search: the encoded query, one full row, the
// code-ordered candidates.
struct QuantScratch {
  std::vector<std::uint8_t> query_code;
  std::vector<float> decoded;  // The query's decoded code (int8).
  std::uint64_t row_reads = 0;
  std::vector<float> table;  // pq: m x 256 distance terms of the query.
  AlignedBuffer<float> row;
  std::vector<ScoredNode> candidates;
  std::vector<float> best;  // Re-ranking: the k smallest exact distances, a max-heap.
};

QuantScratch& ThreadQuantScratch() {
  thread_local QuantScratch scratch;
  return scratch;
}

// Prefetches every line a code touches (int8 codes are short enough that
// every line of one pays for itself, unlike the first lines PrefetchRow takes
// of a float row). A code need not start a line: 96-byte codes start at
// offsets 0 and 32, and in shards of the earlier stride 100-byte codes at 48
// touch 3 lines. (Written out, not PrefetchRow with a line count made to
// handle such offsets: that build ran int8 searches 25-30% slower, 100-d,
// three interleaved rounds; its inlined loop differed.)
inline void PrefetchCode(const std::uint8_t* code, std::size_t bytes) {
  const std::uintptr_t first = reinterpret_cast<std::uintptr_t>(code) & ~std::uintptr_t{63};
  const std::uintptr_t last = (reinterpret_cast<std::uintptr_t>(code) + bytes - 1) & ~std::uintptr_t{63};
  for (std::uintptr_t line = first; line <= last; line += 64) {
    __builtin_prefetch(reinterpret_cast<const void*>(line), 0, 3);
  }
}

// The batch form of a scorer whose distances are computed one node at a time
// (SearchGraph's Distances), for the code scorers below.
template <typename Scorer>
class PerNodeDistances {
 public:
  void Distances(const std::uint32_t* nodes, std::size_t n, float* out) const {
    const Scorer& scorer = static_cast<const Scorer&>(*this);
    for (std::size_t i = 0; i < n; ++i) out[i] = scorer.Distance(nodes[i]);
  }
};

// A scorer's Distances for int8 codes: the nodes' codes scored by one call
// of the batch kernel (several codes per call, the query's loads shared),
// then turned into code distances by Finish(sum, node).
template <typename Scorer>
class Int8BatchDistances {
 public:
  void Distances(const std::uint32_t* nodes, std::size_t n, float* out) const {
    const Scorer& scorer = static_cast<const Scorer&>(*this);
    const std::uint8_t* codes[2 * kMaxM];  // SearchGraph's bound on n.
    std::uint32_t sums[2 * kMaxM];
    for (std::size_t i = 0; i < n; ++i) codes[i] = scorer.codes_.code(nodes[i]);
    scorer.batch_(scorer.query_, codes, n, scorer.dim_, sums);
    for (std::size_t i = 0; i < n; ++i) out[i] = scorer.Finish(sums[i], nodes[i]);
  }
};

// Code distances under l2: the exact integer sum of squared code differences.
class Int8L2Scorer : public Int8BatchDistances<Int8L2Scorer> {
 public:
  Int8L2Scorer(const std::uint8_t* query, const CodesView& codes, std::size_t dim, const DistanceKernels& kernels)
      : query_(query), codes_(codes), dim_(dim), l2_(kernels.l2_sq_u8), batch_(kernels.l2_sq_u8_batch) {}

  float Distance(std::uint32_t node) const { return Finish(l2_(query_, codes_.code(node), dim_), node); }
  float Finish(std::uint32_t sum, std::uint32_t /*node*/) const { return static_cast<float>(sum); }
  void Prefetch(std::uint32_t node) const { PrefetchCode(codes_.code(node), dim_); }

 private:
  friend class Int8BatchDistances<Int8L2Scorer>;
  const std::uint8_t* query_;
  const CodesView& codes_;
  std::size_t dim_;
  U8PairKernel l2_;
  U8BatchKernel batch_;
};

// Code distances under ip and cosine: -(bias(x) + step * codes' dot product).
class Int8DotScorer : public Int8BatchDistances<Int8DotScorer> {
 public:
  Int8DotScorer(const std::uint8_t* query, const CodesView& codes, std::size_t dim, float step,
                const DistanceKernels& kernels)
      : query_(query), codes_(codes), dim_(dim), step_(step), dot_(kernels.dot_u8), batch_(kernels.dot_u8_batch) {}

  float Distance(std::uint32_t node) const { return Finish(dot_(query_, codes_.code(node), dim_), node); }
  float Finish(std::uint32_t sum, std::uint32_t node) const {
    return -(codes_.biases[node] + step_ * static_cast<float>(sum));
  }
  void Prefetch(std::uint32_t node) const { PrefetchCode(codes_.code(node), dim_); }

 private:
  friend class Int8BatchDistances<Int8DotScorer>;
  const std::uint8_t* query_;
  const CodesView& codes_;
  std::size_t dim_;
  float step_;
  U8PairKernel dot_;
  U8BatchKernel batch_;
};

// pq code distances: sums of the query's table entries (negated dot products
// under ip and cosine).
class PqScorer : public PerNodeDistances<PqScorer> {
 public:
  PqScorer(const float* table, const CodesView& codes, const ProductQuantizer& pq)
      : table_(table), codes_(codes), pq_(pq) {}

  float Distance(std::uint32_t node) const { return pq_.TableDistance(table_, codes_.code(node)); }
  void Prefetch(std::uint32_t node) const { __builtin_prefetch(codes_.code(node), 0, 3); }

 private:
  const float* table_;
  const CodesView& codes_;
  const ProductQuantizer& pq_;
};

}  // namespace

Status MemoryRowSource::Read(std::uint32_t node, float* out) const {
  std::memcpy(out, rows_.row(node), rows_.stride * sizeof(float));
  return Status::Ok();
}

QuantizedSearcher::QuantizedSearcher(HnswGraphView graph, CodesView codes, const Quantizer& quantizer,
                                     const RowSource& rows, std::size_t stride, const DistanceKernels& kernels)
    : graph_(graph),
      codes_(codes),
      quantizer_(quantizer),
      rows_(rows),
      stride_(stride),
      kernels_(kernels),
      distance_(quantizer.metric(), kernels, stride),
      visited_pool_(graph.size) {}

void QuantizedSearcher::SearchCodes(const float* query, std::size_t ef, std::size_t keep, std::vector<ScoredNode>* out,
                                    std::span<const std::uint8_t> excluded) const {
  QuantScratch& scratch = ThreadQuantScratch();
  const bool l2 = quantizer_.metric() == Metric::kL2;
  if (const ProductQuantizer* pq = quantizer_.product()) {
    scratch.table.resize(pq->m() * ProductQuantizer::kCentroids);
    if (l2) {
      pq->ComputeL2Table(query, scratch.table.data());
    } else {
      pq->ComputeDotTable(query, scratch.table.data());
      for (float& t : scratch.table) t = -t;
    }
    SearchGraph(graph_, PqScorer(scratch.table.data(), codes_, *pq), ef, keep, excluded, visited_pool_, out);
    return;
  }
  const ScalarQuantizer* sq = quantizer_.scalar();
  scratch.query_code.resize(codes_.stride);  // Not code_stride(): that is computed, this is stored.
  sq->Encode(query, scratch.query_code.data());
  const std::size_t dim = quantizer_.dim();
  if (l2) {
    SearchGraph(graph_, Int8L2Scorer(scratch.query_code.data(), codes_, dim, kernels_), ef, keep, excluded,
                visited_pool_, out);
  } else {
    SearchGraph(graph_, Int8DotScorer(scratch.query_code.data(), codes_, dim, sq->step(), kernels_), ef, keep, excluded,
                visited_pool_, out);
  }
}

std::uint64_t QuantizedSearcher::ThreadRowReads() { return ThreadQuantScratch().row_reads; }

Status QuantizedSearcher::Search(const float* query, std::size_t ef, std::size_t k, std::size_t rerank,
                                 std::vector<ScoredNode>* out, std::span<const std::uint8_t> excluded) const {
  QuantScratch& scratch = ThreadQuantScratch();
  std::vector<ScoredNode>& candidates = scratch.candidates;
  SearchCodes(query, ef, std::max(ef, rerank), &candidates, excluded);
  if (ef >= graph_.size) rerank = candidates.size();
  const std::size_t n = std::min(rerank, candidates.size());
  if (scratch.row.size() < stride_) scratch.row = AlignedBuffer<float>(stride_);
  out->clear();

  // Under l2: the slack E between code and true distances (see the header).
  double error = std::numeric_limits<double>::infinity();
  double scale = 1.0;  // True distance = sqrt(code distance * scale) for lossless codes.
  const std::size_t dim = quantizer_.dim();
  if (quantizer_.metric() == Metric::kL2 && std::isfinite(codes_.error_bound)) {
    error = codes_.error_bound;
    if (const ScalarQuantizer* sq = quantizer_.scalar()) {
      scratch.decoded.resize(dim);
      sq->Decode(scratch.query_code.data(), scratch.decoded.data());
      double sq_error = 0.0;
      for (std::size_t d = 0; d < dim; ++d) {
        const double diff = static_cast<double>(query[d]) - static_cast<double>(scratch.decoded[d]);
        sq_error += diff * diff;
      }
      error += std::sqrt(sq_error);
      scale = static_cast<double>(sq->step()) * static_cast<double>(sq->step());
    }
    // Float rounding in the code distances and the kernels: a relative margin.
    error *= 1.0 + 1e-6;
  }
  const bool lossless = error == 0.0;

  // Rows in memory: every candidate's first 8 lines are requested before the
  // first distance waits on one (not needed when the codes are lossless).
  if (!lossless) {
    for (std::size_t i = 0; i < n; ++i) {
      if (const float* row = rows_.InPlace(candidates[i].node)) PrefetchRow(row, dim * sizeof(float), 8);
    }
  }

  // The k smallest exact distances so far, as a max-heap on distance.
  std::vector<float>& best = scratch.best;
  best.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const ScoredNode& c = candidates[i];
    if (best.size() >= k && std::isfinite(error)) {
      const double lower = std::sqrt(std::max(0.0, static_cast<double>(c.distance) * scale)) - error;
      if (lower > 0.0 && lower * lower > static_cast<double>(best.front()) * (1.0 + 1e-6)) break;
    }
    float exact;
    if (lossless) {
      exact = static_cast<float>(static_cast<double>(c.distance) * scale);
    } else {
      const float* row = rows_.InPlace(c.node);
      if (row == nullptr) {
        ZYPHYR_RETURN_IF_ERROR(rows_.Read(c.node, scratch.row.data()));
        row = scratch.row.data();
      }
      ++scratch.row_reads;
      exact = distance_(query, row);
    }
    out->push_back({exact, c.node});
    if (best.size() < k) {
      best.push_back(exact);
      std::push_heap(best.begin(), best.end());
    } else if (exact < best.front()) {
      std::pop_heap(best.begin(), best.end());
      best.back() = exact;
      std::push_heap(best.begin(), best.end());
    }
  }
  std::sort(out->begin(), out->end(), NearerFirst{});
  return Status::Ok();
}

}  // namespace zyphyr
