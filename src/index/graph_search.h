// SearchGraph: the HNSW search over a finished graph (Malkov & Yashunin,
// Algorithms 2 and 5: greedy descent through the upper levels, then a beam
// search of width ef on level 0), generic in how a node's distance to the
// query is computed, so that full-precision rows (HnswSearcher) and compact
// codes (QuantizedSearcher) share one traversal.
//
// A Scorer is bound to one query and provides, for node numbers < the graph's
// size:
//   float Distance(std::uint32_t node) const;   the internal distance (smaller
//                                               is nearer)
//   void Prefetch(std::uint32_t node) const;     a hint that the node's data is
//                                               needed soon
//   void Distances(const std::uint32_t* nodes, std::size_t n, float* out) const;
//                                               out[i] = Distance(nodes[i])
// Distances is called with at most 2 * kMaxM nodes.
#ifndef ZYPHYR_SRC_INDEX_GRAPH_SEARCH_H_
#define ZYPHYR_SRC_INDEX_GRAPH_SEARCH_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "src/index/hnsw_graph_view.h"
#include "src/index/hnsw_options.h"
#include "src/index/scored_node.h"
#include "src/index/visited_table.h"

namespace zyphyr {

namespace graph_search_internal {

// Per-thread heaps reused across searches, so a query allocates nothing once
// they have grown to their working size.
struct Scratch {
  CandidateHeap candidates;
  ResultHeap results;
};
Scratch& ThreadScratch();

template <bool kFiltered, typename Scorer>
void BeamSearch(const HnswGraphView& graph, const Scorer& scorer, std::size_t ef, std::uint32_t entry,
                float entry_distance, std::span<const std::uint8_t> excluded, VisitedTable& visited,
                CandidateHeap& candidates, ResultHeap& results) {
  constexpr std::size_t kMaxLinks = 2 * kMaxM;
  std::uint32_t ids[kMaxLinks];
  std::uint32_t unpacked[kMaxLinks];
  float dists[kMaxLinks];

  candidates.Clear();
  results.Clear();
  visited.TestAndSet(entry);
  candidates.Push({entry_distance, entry});
  if (!kFiltered || !excluded[entry]) results.Push({entry_distance, entry});

  while (!candidates.empty()) {
    ScoredNode current = candidates.top();
    if (results.size() >= ef && current.distance > results.top().distance) break;
    candidates.Pop();
    if (!candidates.empty()) {
      const std::uint32_t next = candidates.top().node;
      __builtin_prefetch(graph.Level0Address(next), 0, 3);
    }

    std::uint32_t count = 0;
    const std::uint32_t* links = graph.Level0Neighbors(current.node, unpacked, &count);
    for (std::uint32_t i = 0; i < count; ++i) visited.Prefetch(links[i]);
    std::size_t fresh = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::uint32_t neighbor = links[i];
      if (visited.TestAndSet(neighbor)) continue;
      ids[fresh++] = neighbor;
      scorer.Prefetch(neighbor);
    }
    if (fresh == 0) continue;
    scorer.Distances(ids, fresh, dists);
    for (std::size_t j = 0; j < fresh; ++j) {
      const float d = dists[j];
      if (results.size() < ef || d < results.top().distance) {
        candidates.Push({d, ids[j]});
        __builtin_prefetch(graph.Level0Address(ids[j]), 0, 3);  // Likely expanded soon.
        if (kFiltered && excluded[ids[j]]) continue;
        results.Push({d, ids[j]});
        if (results.size() > ef) results.Pop();
      }
    }
  }
}

}  // namespace graph_search_internal

// The up-to-ef nearest nodes to the scorer's query that the search found,
// nearest first by the scorer's distance, ties by node. Requires ef >= 1.
// Empty for an empty graph. When ef >= the number of nodes every node is
// scanned instead: the result is then exact (every node, in order), even for
// nodes no link reaches (which inner-product graphs can have).
//
// `excluded`, when not empty, has one entry per node: nodes marked in it
// (deleted ones) are walked through like any other but never returned.
// `visited_pool` must cover the graph's nodes.
template <typename Scorer>
void SearchGraph(const HnswGraphView& graph, const Scorer& scorer, std::size_t ef,
                 std::span<const std::uint8_t> excluded, VisitedPool& visited_pool, std::vector<ScoredNode>* out) {
  out->clear();
  std::uint32_t entry = graph.entry_point;
  if (entry == kNoNode) return;
  if (ef >= graph.size) {
    for (std::uint32_t node = 0; node < graph.size; ++node) {
      if (!excluded.empty() && excluded[node]) continue;
      out->push_back({scorer.Distance(node), node});
    }
    std::sort(out->begin(), out->end(), NearerFirst());
    return;
  }

  constexpr std::size_t kMaxLinks = 2 * kMaxM;
  float dists[kMaxLinks];

  // Greedy descent: on each upper level move to the nearest neighbour until
  // none is nearer.
  float entry_distance = scorer.Distance(entry);
  if (graph.compact.present()) {
    // The same descent over the compact links, in the upper nodes' local numbers.
    const CompactLinksView& compact = graph.compact;
    std::uint32_t locals[kMaxM];
    std::uint32_t nodes[kMaxM];
    std::uint32_t local = graph.max_level > 0 ? compact.LocalOf(entry) : 0;
    for (int level = graph.max_level; level > 0; --level) {
      bool moved = true;
      while (moved) {
        moved = false;
        const std::uint32_t count = compact.Upper(local, level, locals);
        for (std::uint32_t i = 0; i < count; ++i) nodes[i] = compact.upper_nodes[locals[i]];
        scorer.Distances(nodes, count, dists);
        for (std::uint32_t i = 0; i < count; ++i) {
          if (dists[i] < entry_distance) {
            entry_distance = dists[i];
            entry = nodes[i];
            local = locals[i];
            moved = true;
          }
        }
      }
    }
  } else {
    for (int level = graph.max_level; level > 0; --level) {
      bool moved = true;
      while (moved) {
        moved = false;
        std::span<const std::uint32_t> links = graph.Neighbors(entry, level);
        scorer.Distances(links.data(), links.size(), dists);
        for (std::size_t i = 0; i < links.size(); ++i) {
          if (dists[i] < entry_distance) {
            entry_distance = dists[i];
            entry = links[i];
            moved = true;
          }
        }
      }
    }
  }

  // Beam search of width ef on level 0.
  VisitedPool::Lease visited = visited_pool.Acquire();
  graph_search_internal::Scratch& scratch = graph_search_internal::ThreadScratch();
  if (excluded.empty()) {
    graph_search_internal::BeamSearch<false>(graph, scorer, ef, entry, entry_distance, {}, *visited, scratch.candidates,
                                             scratch.results);
  } else {
    graph_search_internal::BeamSearch<true>(graph, scorer, ef, entry, entry_distance, excluded, *visited,
                                            scratch.candidates, scratch.results);
  }
  *out = scratch.results.items();
  std::sort(out->begin(), out->end(), NearerFirst{});
}

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_GRAPH_SEARCH_H_
