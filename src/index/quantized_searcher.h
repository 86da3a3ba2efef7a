// QuantizedSearcher: HNSW search with compact codes, re-ranked with the full
// rows.
//
// The graph is traversed (SearchGraph, src/index/graph_search.h) with
// distances computed from the nodes' codes (src/quant/quantizer.h), so a
// search touches codes and links only. The `rerank` nearest nodes by code
// distance then get their exact distances from the full-precision rows, read
// one by one from a RowSource (for a shard: the mapping, or pread from the
// file so that the rows never become resident in the process), and are
// returned in exact order.
//
// Code distances are for ranking only, in the encoding's own units:
//   int8, l2:         sum (q_d - x_d)^2 over the codes (the squared L2
//                     distance of the decoded vectors divided by step^2);
//   int8, ip/cosine:  -(bias(x) + step * sum q_d x_d), the negated dot
//                     product of the decoded vectors less terms equal for
//                     every node, divided by step;
//   pq, l2:           the squared L2 distance from the query to the decoded
//                     vector, from the query's table (ADC);
//   pq, ip/cosine:    minus the dot product of the query and the decoded
//                     vector, from the query's dot table.
// int8 encodes the query like the rows (symmetric distances); pq keeps it in
// floats (asymmetric).
//
// Thread safety: Search is thread-safe; each search uses thread-local scratch
// and borrows a visited table from a pool. The RowSource must be too.
#ifndef ZYPHYR_SRC_INDEX_QUANTIZED_SEARCHER_H_
#define ZYPHYR_SRC_INDEX_QUANTIZED_SEARCHER_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "src/core/rows_view.h"
#include "src/core/status.h"
#include "src/distance/kernels.h"
#include "src/index/hnsw_graph_view.h"
#include "src/index/hnsw_options.h"
#include "src/index/metric_distance.h"
#include "src/index/scored_node.h"
#include "src/index/visited_table.h"
#include "src/quant/quantizer.h"

namespace zyphyr {

// The re-rank depth a search with codes of `encoding` uses: options.rerank
// raised to k, or by default
//   int8: 1.5k (k + k/2, rounded up): int8 codes rank almost like the rows, so
//         a few rows beyond k suffice; when that is more than ef, the
//         candidates past the beam are the nearest other nodes the traversal
//         scored (QuantizedSearcher::Search). 2k gave the same recall@10 within
//         0.0003 at ef 10 and 16 on four float sets and Fashion-MNIST (within
//         0.0014 at larger ef; 1.5k stays within 0.0025 of float32 at every
//         ef), and every row re-ranked is a full row's misses (Fashion-MNIST
//         angular at ef 10: 11% more queries per second). The measurements:
//         docs/performance.md, "What a short int8 search spends besides the
//         walk";
//   pq:   ef: pq codes are coarse, so the whole beam is re-ranked.
inline std::size_t EffectiveRerank(const HnswSearchOptions& options, Encoding encoding) {
  if (options.rerank != 0) return std::max(options.rerank, options.k);
  return encoding == Encoding::kInt8 ? options.k + (options.k + 1) / 2 : EffectiveEf(options);
}

// EffectiveRerank's default (options.rerank 0) in words, for help texts and
// reports: "1.5k" under int8, "ef" under pq.
inline std::string_view DefaultRerankText(Encoding encoding) { return encoding == Encoding::kInt8 ? "1.5k" : "ef"; }

// The stored codes of a graph's nodes (see Quantizer for the layout).
struct CodesView {
  const std::uint8_t* codes = nullptr;  // size codes, stride bytes apart.
  std::size_t size = 0;
  std::size_t stride = 0;
  const float* biases = nullptr;  // size entries when the quantizer HasBiases(), else null.
  // At least |x - decode(code(x))| for every row x (EncodedRows::max_error);
  // infinity when unknown.
  float error_bound = std::numeric_limits<float>::infinity();

  const std::uint8_t* code(std::size_t node) const { return codes + node * stride; }
};

// Where re-ranking reads full-precision rows from.
class RowSource {
 public:
  virtual ~RowSource() = default;
  // Writes row `node` as stored (stride floats: padded, normalised under
  // cosine) to `out`, which is 64-byte aligned. IOError naming the file on a
  // failed read.
  virtual Status Read(std::uint32_t node, float* out) const = 0;

  // Row `node` where it lies in memory as Read would write it (stride
  // floats, 64-byte aligned), or nullptr when this source has no such row in
  // memory (rows read from a file, byte rows), for which Read is the way.
  virtual const float* InPlace(std::uint32_t /*node*/) const { return nullptr; }
};

// Rows already in memory (an index being built, tests).
class MemoryRowSource : public RowSource {
 public:
  explicit MemoryRowSource(RowsView rows) : rows_(rows) {}
  Status Read(std::uint32_t node, float* out) const override;
  const float* InPlace(std::uint32_t node) const override { return rows_.row(node); }

 private:
  RowsView rows_;
};

class QuantizedSearcher {
 public:
  // `graph` and `codes` cover the same nodes; `quantizer` made the codes;
  // `rows` gives the full rows: `dim` floats, `stride` apart, under `metric`
  // (the quantizer's). What they refer to must outlive the searcher.
  QuantizedSearcher(HnswGraphView graph, CodesView codes, const Quantizer& quantizer, const RowSource& rows,
                    std::size_t stride, const DistanceKernels& kernels);

  // The nearest nodes to `query` (stride floats, prepared with PrepareVector)
  // by exact internal distance (as HnswSearcher reports it), nearest first,
  // ties by node: the beam search of width ef runs on codes, then its best
  // candidates by code distance, at most `rerank` of them, get exact
  // distances from the rows. With rerank > ef the candidates are the beam's
  // ef and then the nearest by code of the other nodes the beam search
  // scored (SearchGraph's `keep`): the traversal is the same, the re-rank
  // reaches past it. Returns at least min(k, candidates) nodes: the k nearest
  // of the candidates re-ranked, and possibly more.
  //
  // Under l2 re-ranking stops early when the codes certify it: with E = the
  // query's own code error (int8) + the rows' error bound, a candidate at
  // code distance a is at true distance at least a - E, so once that exceeds
  // the k-th exact distance found, no later candidate can enter the k nearest
  // and none is read. When E is 0 (lossless codes) the code distances are the
  // exact distances and no row is read at all. Under ip and cosine every one
  // of the `rerank` best candidates is read.
  //
  // With ef >= the node count every node is a candidate and `rerank` is not
  // capped, so the k nearest returned are exact. Requires ef, k, rerank >= 1.
  // `excluded` as for HnswSearcher. Errors: the RowSource's.
  Status Search(const float* query, std::size_t ef, std::size_t k, std::size_t rerank, std::vector<ScoredNode>* out,
                std::span<const std::uint8_t> excluded = {}) const;

  // Rows read by this thread's searches since it started (for tests and
  // benchmarks).
  static std::uint64_t ThreadRowReads();

  // The beam search alone: up to max(ef, keep) nodes, nearest first by code
  // distance (SearchGraph's `keep`).
  void SearchCodes(const float* query, std::size_t ef, std::size_t keep, std::vector<ScoredNode>* out,
                   std::span<const std::uint8_t> excluded = {}) const;

  const Quantizer& quantizer() const { return quantizer_; }

 private:
  HnswGraphView graph_;
  CodesView codes_;
  const Quantizer& quantizer_;
  const RowSource& rows_;
  std::size_t stride_;
  const DistanceKernels& kernels_;
  MetricDistance distance_;
  mutable VisitedPool visited_pool_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_QUANTIZED_SEARCHER_H_
