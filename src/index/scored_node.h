// ScoredNode and the two heaps of a beam search: candidates still to expand
// (nearest on top) and the best results so far (farthest on top, so the worst
// is evicted first).
#ifndef ZYPHYR_SRC_INDEX_SCORED_NODE_H_
#define ZYPHYR_SRC_INDEX_SCORED_NODE_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "src/index/neighbor.h"

namespace zyphyr {

// A node with its internal distance to the query (smaller is closer).
struct ScoredNode {
  float distance;
  std::uint32_t node;
};

// Nearer first; equal distances by node id, so orders are deterministic.
inline bool Nearer(const ScoredNode& a, const ScoredNode& b) {
  return DistanceIdLess(a.distance, a.node, b.distance, b.node);
}

// Nearer as a function object, so std::sort and the heaps inline it (a
// function pointer passed to them is called, not inlined).
struct NearerFirst {
  bool operator()(const ScoredNode& a, const ScoredNode& b) const { return Nearer(a, b); }
};

// A binary heap over a reusable vector, ordered as Nearer orders: the
// farthest on top when kNearestOnTop is false (the results, so the worst is
// evicted first), the nearest when it is true (the candidates to expand).
template <bool kNearestOnTop>
class NodeHeap {
 public:
  void Clear() { items_.clear(); }
  void Reserve(std::size_t n) { items_.reserve(n); }
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const ScoredNode& top() const { return items_.front(); }

  void Push(ScoredNode item) {
    items_.push_back(item);
    std::push_heap(items_.begin(), items_.end(), Less{});
  }
  ScoredNode Pop() {
    std::pop_heap(items_.begin(), items_.end(), Less{});
    ScoredNode item = items_.back();
    items_.pop_back();
    return item;
  }

  // The items in no particular order; the heap is left as is.
  const std::vector<ScoredNode>& items() const { return items_; }

 private:
  // std heaps keep the "largest" on top.
  struct Less {
    bool operator()(const ScoredNode& a, const ScoredNode& b) const {
      if constexpr (kNearestOnTop) {
        return Nearer(b, a);
      } else {
        return Nearer(a, b);
      }
    }
  };

  std::vector<ScoredNode> items_;
};

using CandidateHeap = NodeHeap<true>;  // Nearest on top.
using ResultHeap = NodeHeap<false>;    // Farthest on top.

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_SCORED_NODE_H_
