#include "src/index/brute_force.h"

#include <algorithm>
#include <string>

#include "src/core/aligned_buffer.h"
#include "src/core/parallel_for.h"
#include "src/distance/dispatch.h"
#include "src/index/metric_distance.h"

namespace zyphyr {
namespace {

struct Candidate {
  float internal;
  std::uint64_t id;
};

// Nearest first: smaller internal distance, then smaller id.
bool Closer(const Candidate& a, const Candidate& b) {
  return a.internal < b.internal || (a.internal == b.internal && a.id < b.id);
}

// Rows handed to the batch kernel at once: one block of pointers and
// distances stays in L1.
constexpr std::size_t kBlock = 256;

void SearchOne(const VectorStore& store, const MetricDistance& distance, const float* query, std::size_t k,
               std::vector<Candidate>* heap, std::vector<Neighbor>* out) {
  const float* rows[kBlock];
  float dist[kBlock];

  // A max-heap (under Closer) of the k best so far: its front is the worst kept.
  heap->clear();
  for (std::size_t start = 0; start < store.size(); start += kBlock) {
    std::size_t count = std::min(kBlock, store.size() - start);
    for (std::size_t i = 0; i < count; ++i) rows[i] = store.row(start + i);
    distance.Batch(query, rows, count, dist);
    for (std::size_t i = 0; i < count; ++i) {
      Candidate c{dist[i], store.id(start + i)};
      if (heap->size() < k) {
        heap->push_back(c);
        std::push_heap(heap->begin(), heap->end(), Closer);
      } else if (Closer(c, heap->front())) {
        std::pop_heap(heap->begin(), heap->end(), Closer);
        heap->back() = c;
        std::push_heap(heap->begin(), heap->end(), Closer);
      }
    }
  }
  std::sort_heap(heap->begin(), heap->end(), Closer);
  out->clear();
  out->reserve(heap->size());
  for (const Candidate& c : *heap) out->push_back({ReportedDistance(store.metric(), c.internal), c.id});
}

}  // namespace

Result<std::vector<std::vector<Neighbor>>> ExactSearch(const VectorStore& store, std::span<const float> queries,
                                                       std::size_t k, std::size_t threads) {
  if (k == 0) return Status::InvalidArgument("exact search: k must be at least 1");
  const std::size_t dim = store.dim();
  if (queries.size() % dim != 0) {
    return Status::InvalidArgument("exact search: " + std::to_string(queries.size()) +
                                   " query floats is not a multiple of the dimension " + std::to_string(dim));
  }
  Result<const DistanceKernels*> kernels = ProcessKernels();
  if (!kernels.ok()) return kernels.status();

  // Prepare every query first so a bad one is reported before any work.
  const std::size_t num_queries = queries.size() / dim;
  const std::size_t stride = store.padded_dim();
  AlignedBuffer<float> prepared(num_queries * stride);
  for (std::size_t q = 0; q < num_queries; ++q) {
    ZYPHYR_RETURN_IF_ERROR(PrepareVector(queries.subspan(q * dim, dim), dim, store.metric(),
                                         "query " + std::to_string(q), prepared.data() + q * stride));
  }

  std::vector<std::vector<Neighbor>> results(num_queries);
  const std::size_t kept = std::min(k, store.size());
  const MetricDistance distance(store.metric(), **kernels, stride);
  ParallelFor(
      0, num_queries, threads,
      [kept] {
        std::vector<Candidate> heap;
        heap.reserve(kept + 1);
        return heap;
      },
      [&](std::size_t q, std::vector<Candidate>& heap) {
        SearchOne(store, distance, prepared.data() + q * stride, kept, &heap, &results[q]);
      });
  return results;
}

}  // namespace zyphyr
