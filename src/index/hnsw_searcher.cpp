#include "src/index/hnsw_searcher.h"

#include <algorithm>

#include "src/index/hnsw_options.h"

namespace zyphyr {
namespace {

// Per-thread scratch reused across searches, so a query allocates nothing once
// the heaps have grown to their working size.
struct SearchScratch {
  CandidateHeap candidates;
  ResultHeap results;
};

SearchScratch& ThreadScratch() {
  thread_local SearchScratch scratch;
  return scratch;
}

}  // namespace

HnswSearcher::HnswSearcher(RowsView rows, HnswGraphView graph, const DistanceKernels& kernels)
    : store_(rows), graph_(graph), distance_(rows.metric, kernels, rows.stride), visited_pool_(rows.size) {}

template <bool kFiltered>
void HnswSearcher::BeamSearch(const float* query, std::size_t ef, std::uint32_t entry, float entry_distance,
                              std::span<const std::uint8_t> excluded, VisitedTable& visited, CandidateHeap& candidates,
                              ResultHeap& results) const {
  constexpr std::size_t kMaxLinks = 2 * kMaxM;
  std::uint32_t ids[kMaxLinks];
  const float* rows[kMaxLinks];
  float dists[kMaxLinks];
  const std::size_t row_bytes = store_.stride * sizeof(float);

  candidates.Clear();
  results.Clear();
  visited.TestAndSet(entry);
  candidates.Push({entry_distance, entry});
  if (!kFiltered || !excluded[entry]) results.Push({entry_distance, entry});

  while (!candidates.empty()) {
    ScoredNode current = candidates.top();
    if (results.size() >= ef && current.distance > results.top().distance) break;
    candidates.Pop();
    if (!candidates.empty()) __builtin_prefetch(graph_.Block(candidates.top().node, 0), 0, 3);

    const std::uint32_t* block = graph_.Block(current.node, 0);
    std::uint32_t count = block[0];
    for (std::uint32_t i = 0; i < count; ++i) visited.Prefetch(block[1 + i]);
    std::size_t fresh = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
      std::uint32_t neighbor = block[1 + i];
      if (visited.TestAndSet(neighbor)) continue;
      ids[fresh] = neighbor;
      rows[fresh] = store_.row(neighbor);
      PrefetchRow(rows[fresh], row_bytes);
      ++fresh;
    }
    if (fresh == 0) continue;
    distance_.Batch(query, rows, fresh, dists);
    for (std::size_t j = 0; j < fresh; ++j) {
      float d = dists[j];
      if (results.size() < ef || d < results.top().distance) {
        candidates.Push({d, ids[j]});
        if (kFiltered && excluded[ids[j]]) continue;
        results.Push({d, ids[j]});
        if (results.size() > ef) results.Pop();
      }
    }
  }
}

void HnswSearcher::Search(const float* query, std::size_t ef, std::vector<ScoredNode>* out,
                          std::span<const std::uint8_t> excluded) const {
  out->clear();
  std::uint32_t entry = graph_.entry_point;
  if (entry == kNoNode) return;
  if (ef >= store_.size) {
    // The beam would hold every node: scan them all instead. Faster than
    // walking the whole graph, and exact even for nodes no link reaches
    // (which inner-product graphs can have).
    for (std::uint32_t node = 0; node < store_.size; ++node) {
      if (!excluded.empty() && excluded[node]) continue;
      out->push_back({distance_(query, store_.row(node)), node});
    }
    std::sort(out->begin(), out->end(), NearerFirst());
    return;
  }

  constexpr std::size_t kMaxLinks = 2 * kMaxM;
  const float* rows[kMaxLinks];
  float dists[kMaxLinks];

  // Greedy descent: on each upper level move to the nearest neighbour until
  // none is nearer.
  float entry_distance = distance_(query, store_.row(entry));
  for (int level = graph_.max_level; level > 0; --level) {
    bool moved = true;
    while (moved) {
      moved = false;
      std::span<const std::uint32_t> links = graph_.Neighbors(entry, level);
      for (std::size_t i = 0; i < links.size(); ++i) rows[i] = store_.row(links[i]);
      distance_.Batch(query, rows, links.size(), dists);
      for (std::size_t i = 0; i < links.size(); ++i) {
        if (dists[i] < entry_distance) {
          entry_distance = dists[i];
          entry = links[i];
          moved = true;
        }
      }
    }
  }

  // Beam search of width ef on level 0.
  VisitedPool::Lease visited = visited_pool_.Acquire();
  SearchScratch& scratch = ThreadScratch();
  if (excluded.empty()) {
    BeamSearch<false>(query, ef, entry, entry_distance, {}, *visited, scratch.candidates, scratch.results);
  } else {
    BeamSearch<true>(query, ef, entry, entry_distance, excluded, *visited, scratch.candidates, scratch.results);
  }
  ResultHeap& results = scratch.results;
  *out = results.items();
  std::sort(out->begin(), out->end(), NearerFirst{});
}

}  // namespace zyphyr
