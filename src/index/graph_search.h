// SearchGraph: the HNSW search over a finished graph (Malkov & Yashunin,
// Algorithms 2 and 5: greedy descent through the upper levels, then a beam
// search of width ef on level 0, here expanding up to ExpansionWidth(ef)
// candidates at a time), generic in how a node's distance to the query is
// computed, so that full-precision rows (HnswSearcher) and compact codes
// (QuantizedSearcher) share one traversal.
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

// How many candidates one step of the level-0 beam search expands together:
// 1 below ef 16, then ef / 8, at most 4. Expanding the w nearest candidates
// at once issues the memory loads of all their neighbours together, so their
// cache misses overlap, at the price of expansions the one-at-a-time order
// might have skipped (which weigh most in short searches). Measurements:
// docs/performance.md.
inline constexpr std::size_t kMaxExpansionWidth = 4;
inline constexpr std::size_t ExpansionWidth(std::size_t ef) {
  return std::clamp<std::size_t>(ef / 8, 1, kMaxExpansionWidth);
}

namespace graph_search_internal {

// Per-thread heaps reused across searches, so a query allocates nothing once
// they have grown to their working size.
struct Scratch {
  CandidateHeap candidates;
  ResultHeap results;
  ResultHeap spilled;  // The nearest scored nodes the results let go (SearchGraph's `keep`).
};

// Offers `node` to `spilled`, which keeps the `capacity` nearest offered.
inline void Spill(ResultHeap& spilled, std::size_t capacity, const ScoredNode& node) {
  if (spilled.size() < capacity) {
    spilled.Push(node);
  } else if (Nearer(node, spilled.top())) {
    spilled.Pop();
    spilled.Push(node);
  }
}
Scratch& ThreadScratch();

// The level-0 beam search. With kSpill, the `spill` nearest of the nodes it
// scored but did not keep among the ef results (evicted, or never nearer than
// the ef-th) are kept in `spilled`: they change nothing in the traversal.
template <bool kFiltered, bool kSpill, typename Scorer>
void BeamSearch(const HnswGraphView& graph, const Scorer& scorer, std::size_t ef, std::uint32_t entry,
                float entry_distance, std::span<const std::uint8_t> excluded, VisitedTable& visited,
                CandidateHeap& candidates, ResultHeap& results, std::size_t spill, ResultHeap& spilled) {
  constexpr std::size_t kMaxLinks = 2 * kMaxM;
  const std::size_t max_width = ExpansionWidth(ef);
  std::uint32_t ids[kMaxExpansionWidth * kMaxLinks];
  std::uint32_t unpacked[kMaxExpansionWidth][kMaxLinks];
  float dists[kMaxExpansionWidth * kMaxLinks];

  candidates.Clear();
  results.Clear();
  spilled.Clear();
  visited.TestAndSet(entry);
  candidates.Push({entry_distance, entry});
  if (!kFiltered || !excluded[entry]) results.Push({entry_distance, entry});

  // Algorithm 2's test: a candidate farther than the ef-th result found
  // cannot improve the results, and neither can any after it.
  const auto worth_expanding = [&](const ScoredNode& c) {
    return results.size() < ef || c.distance <= results.top().distance;
  };
  while (!candidates.empty() && worth_expanding(candidates.top())) {
    // The nearest candidates, up to max_width of them (see ExpansionWidth).
    std::uint32_t expand[kMaxExpansionWidth];
    std::size_t width = 0;
    do {
      expand[width++] = candidates.top().node;
      candidates.Pop();
    } while (width < max_width && !candidates.empty() && worth_expanding(candidates.top()));
    if (!candidates.empty()) {
      const std::uint32_t next = candidates.top().node;
      __builtin_prefetch(graph.Level0Address(next), 0, 3);
    }

    // Their unvisited neighbours: every code or row load is issued before the
    // first distance waits on one.
    const std::uint32_t* links[kMaxExpansionWidth];
    std::uint32_t counts[kMaxExpansionWidth];
    for (std::size_t e = 0; e < width; ++e) {
      links[e] = graph.Level0Neighbors(expand[e], unpacked[e], &counts[e]);
      for (std::uint32_t i = 0; i < counts[e]; ++i) visited.Prefetch(links[e][i]);
    }
    std::size_t fresh = 0;
    for (std::size_t e = 0; e < width; ++e) {
      for (std::uint32_t i = 0; i < counts[e]; ++i) {
        const std::uint32_t neighbor = links[e][i];
        if (visited.TestAndSet(neighbor)) continue;
        ids[fresh++] = neighbor;
        scorer.Prefetch(neighbor);
      }
    }
    for (std::size_t at = 0; at < fresh; at += kMaxLinks) {
      scorer.Distances(ids + at, std::min(kMaxLinks, fresh - at), dists + at);
    }
    for (std::size_t j = 0; j < fresh; ++j) {
      const float d = dists[j];
      if (results.size() < ef || d < results.top().distance) {
        candidates.Push({d, ids[j]});
        __builtin_prefetch(graph.Level0Address(ids[j]), 0, 3);  // Likely expanded soon.
        if (kFiltered && excluded[ids[j]]) continue;
        results.Push({d, ids[j]});
        if (results.size() > ef) {
          const ScoredNode evicted = results.Pop();
          if constexpr (kSpill) Spill(spilled, spill, evicted);
        }
      } else if constexpr (kSpill) {
        if (!kFiltered || !excluded[ids[j]]) Spill(spilled, spill, {d, ids[j]});
      }
    }
  }
}

}  // namespace graph_search_internal

// The up-to-ef nearest nodes to the scorer's query that the search found,
// nearest first by the scorer's distance, ties by node. Requires ef >= 1.
// With keep > ef, up to keep nodes: after the ef of the beam, the nearest of
// the other nodes the search scored (it scores many more than ef), at no
// change to the traversal; for searches whose distances are approximate
// (codes), so that re-ranking can look beyond the beam.
// Empty for an empty graph. When ef >= the number of nodes every node is
// scanned instead: the result is then exact (every node, in order), even for
// nodes no link reaches (which inner-product graphs can have).
//
// `excluded`, when not empty, has one entry per node: nodes marked in it
// (deleted ones) are walked through like any other but never returned.
// `visited_pool` must cover the graph's nodes.
template <typename Scorer>
void SearchGraph(const HnswGraphView& graph, const Scorer& scorer, std::size_t ef, std::size_t keep,
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
  const std::size_t spill = keep > ef ? keep - ef : 0;
  const auto beam = [&]<bool kFiltered, bool kSpill>() {
    graph_search_internal::BeamSearch<kFiltered, kSpill>(graph, scorer, ef, entry, entry_distance, excluded, *visited,
                                                         scratch.candidates, scratch.results, spill, scratch.spilled);
  };
  if (excluded.empty()) {
    spill == 0 ? beam.template operator()<false, false>() : beam.template operator()<false, true>();
  } else {
    spill == 0 ? beam.template operator()<true, false>() : beam.template operator()<true, true>();
  }
  *out = scratch.results.items();
  out->insert(out->end(), scratch.spilled.items().begin(), scratch.spilled.items().end());
  std::sort(out->begin(), out->end(), NearerFirst{});
}

// SearchGraph with keep = ef: the beam's results only.
template <typename Scorer>
void SearchGraph(const HnswGraphView& graph, const Scorer& scorer, std::size_t ef,
                 std::span<const std::uint8_t> excluded, VisitedPool& visited_pool, std::vector<ScoredNode>* out) {
  SearchGraph(graph, scorer, ef, ef, excluded, visited_pool, out);
}

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_GRAPH_SEARCH_H_
