#include "src/index/hnsw_builder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>

#include "src/core/parallel_for.h"
#include "src/index/visited_table.h"

namespace zyphyr {

std::vector<std::uint8_t> DrawLevels(std::size_t count, std::size_t M, std::uint64_t seed) {
  std::vector<std::uint8_t> levels(count);
  const double ml = 1.0 / std::log(static_cast<double>(std::max<std::size_t>(M, 2)));
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < count; ++i) {
    // U in (0, 1]: 53 random bits, shifted off zero.
    double u = (static_cast<double>(rng() >> 11) + 1.0) * (1.0 / 9007199254740992.0);
    double level = std::floor(-std::log(u) * ml);
    levels[i] = static_cast<std::uint8_t>(std::min(level, 63.0));
  }
  return levels;
}

namespace {

// Blocks are shared between a writer (under the node's lock) and lock-free
// readers, so both sides access them as relaxed atomics (plain moves on x86).
std::uint32_t LoadRelaxed(const std::uint32_t& x) {
  return std::atomic_ref<std::uint32_t>(const_cast<std::uint32_t&>(x)).load(std::memory_order_relaxed);
}
void StoreRelaxed(std::uint32_t& x, std::uint32_t value) {
  std::atomic_ref<std::uint32_t>(x).store(value, std::memory_order_relaxed);
}

}  // namespace

struct HnswBuilder::Scratch {
  explicit Scratch(std::size_t n) : visited(n) {}

  VisitedTable visited;
  CandidateHeap candidates;
  ResultHeap results;
  std::vector<ScoredNode> layer;     // Beam result on the current level, nearest first.
  std::vector<ScoredNode> selected;  // Neighbours chosen for the new node.
  std::vector<ScoredNode> pruning;   // Candidates when shrinking a full block.
  std::vector<ScoredNode> kept;
  std::vector<std::uint32_t> links;
  std::vector<const float*> rows;  // Rows of `links` (float distances).
  std::vector<float> dists;
};

HnswBuilder::HnswBuilder(const VectorStore& store, HnswGraph* graph, const DistanceKernels& kernels,
                         const HnswBuildOptions& options)
    : store_(store),
      graph_(graph),
      distance_(store, kernels),
      options_(options),
      ef_construction_(std::max(options.ef_construction, options.M)),
      locks_(new std::atomic_flag[store.size()]),
      level0_distances_(new float[store.size() * 2 * options.M]) {}

void HnswBuilder::Lock(std::uint32_t node) {
  std::atomic_flag& flag = locks_[node];
  while (flag.test_and_set(std::memory_order_acquire)) {
    while (flag.test(std::memory_order_relaxed)) std::this_thread::yield();
  }
}

void HnswBuilder::Unlock(std::uint32_t node) { locks_[node].clear(std::memory_order_release); }

std::uint32_t HnswBuilder::ReadCount(const std::uint32_t* block, int level) const {
  return std::min(LoadRelaxed(block[0]), static_cast<std::uint32_t>(graph_->MaxDegree(level)));
}

void HnswBuilder::Run() {
  const std::size_t n = store_.size();
  if (n == 0) return;
  const auto make_scratch = [n] { return Scratch(n); };
  const auto report = [&] {
    const std::size_t done = inserted_.fetch_add(1) + 1;
    if (options_.progress && (done % 4096 == 0 || done == n)) options_.progress(done, n);
  };

  // First the nodes with upper levels, in index order: the frame every later
  // insertion descends through.
  std::vector<std::uint32_t> frame;
  std::vector<std::uint32_t> rest;
  for (std::uint32_t i = 0; i < n; ++i) (graph_->level(i) > 0 ? frame : rest).push_back(i);
  if (frame.empty()) {
    frame.push_back(rest.front());
    rest.erase(rest.begin());
  }
  ParallelFor(0, frame.size(), options_.threads, make_scratch, [&](std::size_t i, Scratch& scratch) {
    Insert(frame[i], scratch);
    report();
  });
  if (rest.empty()) return;

  // The upper levels are final now (level-0 nodes only add level-0 links),
  // so each remaining node's greedy descent can be done once, up front: it
  // gives the node's start on level 0 and its path, the node reached on each
  // level. Sorting by path (top level first) puts nodes of the same region
  // of space next to each other, and inserting them in that order keeps the
  // rows and links each beam search touches in cache for the next ones.
  const int top = graph_->max_level();
  const std::uint32_t entry = graph_->entry_point();
  const std::size_t width = static_cast<std::size_t>(top);
  std::vector<std::uint32_t> paths(rest.size() * width);
  std::vector<ScoredNode> starts(rest.size());
  ParallelFor(0, rest.size(), options_.threads, make_scratch, [&](std::size_t i, Scratch& scratch) {
    ScoredNode current{distance_(rest[i], entry), entry};
    for (int level = top; level > 0; --level) {
      current = GreedyClosest(rest[i], current, level, scratch);
      paths[i * width + static_cast<std::size_t>(top - level)] = current.node;
    }
    starts[i] = current;
  });
  std::vector<std::uint32_t> order(rest.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return std::lexicographical_compare(paths.begin() + a * width, paths.begin() + (a + 1) * width,
                                        paths.begin() + b * width, paths.begin() + (b + 1) * width);
  });
  paths = {};
  ParallelFor(0, order.size(), options_.threads, make_scratch, [&](std::size_t i, Scratch& scratch) {
    const std::uint32_t at = order[i];
    LinkLevels(rest[at], starts[at], 0, scratch);
    report();
  });
}

std::size_t HnswBuilder::CopyLinks(std::uint32_t node, int level, Scratch& scratch) {
  const std::uint32_t* block = graph_->Block(node, level);
  const std::uint32_t count = ReadCount(block, level);
  scratch.links.resize(count);
  for (std::uint32_t i = 0; i < count; ++i) scratch.links[i] = LoadRelaxed(block[1 + i]);
  return count;
}

ScoredNode HnswBuilder::GreedyClosest(std::uint32_t query, ScoredNode start, int level, Scratch& scratch) {
  ScoredNode best = start;
  bool moved = true;
  while (moved) {
    moved = false;
    std::size_t count = CopyLinks(best.node, level, scratch);
    scratch.dists.resize(count);
    distance_.Batch(query, scratch.links.data(), count, scratch.dists.data());
    for (std::size_t i = 0; i < count; ++i) {
      if (scratch.dists[i] < best.distance) {
        best = {scratch.dists[i], scratch.links[i]};
        moved = true;
      }
    }
  }
  return best;
}

void HnswBuilder::SearchLayer(std::uint32_t query, ScoredNode entry, int level, Scratch& scratch) {
  VisitedTable& visited = scratch.visited;
  CandidateHeap& candidates = scratch.candidates;
  ResultHeap& results = scratch.results;
  visited.Reset();
  candidates.Clear();
  results.Clear();
  visited.TestAndSet(entry.node);
  candidates.Push(entry);
  results.Push(entry);
  const std::size_t max_links = 2 * options_.M;
  scratch.links.resize(max_links);
  scratch.rows.resize(max_links);
  scratch.dists.resize(max_links);
  const bool bytes = distance_.exact_bytes();
  const float* query_row = store_.row(query);
  const std::size_t row_bytes = store_.padded_dim() * sizeof(float);

  while (!candidates.empty()) {
    ScoredNode current = candidates.top();
    if (results.size() >= ef_construction_ && current.distance > results.top().distance) break;
    candidates.Pop();
    if (!candidates.empty()) __builtin_prefetch(graph_->Block(candidates.top().node, level), 0, 3);
    // The unvisited links, read without a lock (see the header).
    const std::uint32_t* block = graph_->Block(current.node, level) + 1;
    const std::uint32_t count = ReadCount(block - 1, level);
    for (std::uint32_t i = 0; i < count; ++i) visited.Prefetch(LoadRelaxed(block[i]));
    // Two copies of the loop on purpose: the float one gathers its row
    // pointers as it goes, which measured 4-7% faster on 128-d float builds
    // than gathering them inside BuildDistance::Batch.
    std::size_t fresh = 0;
    if (bytes) {
      for (std::uint32_t i = 0; i < count; ++i) {
        const std::uint32_t neighbor = LoadRelaxed(block[i]);
        if (visited.TestAndSet(neighbor)) continue;
        scratch.links[fresh++] = neighbor;
        distance_.Prefetch(neighbor);
      }
      distance_.Batch(query, scratch.links.data(), fresh, scratch.dists.data());
    } else {
      for (std::uint32_t i = 0; i < count; ++i) {
        const std::uint32_t neighbor = LoadRelaxed(block[i]);
        if (visited.TestAndSet(neighbor)) continue;
        scratch.links[fresh] = neighbor;
        scratch.rows[fresh] = store_.row(neighbor);
        PrefetchRow(scratch.rows[fresh], row_bytes);
        ++fresh;
      }
      distance_.BatchRows(query_row, scratch.rows.data(), fresh, scratch.dists.data());
    }
    for (std::size_t j = 0; j < fresh; ++j) {
      float d = scratch.dists[j];
      if (results.size() < ef_construction_ || d < results.top().distance) {
        candidates.Push({d, scratch.links[j]});
        // Likely expanded soon (often next): its links' first line now.
        __builtin_prefetch(graph_->Block(scratch.links[j], level), 0, 3);
        results.Push({d, scratch.links[j]});
        if (results.size() > ef_construction_) results.Pop();
      }
    }
  }
  scratch.layer = results.items();
  std::sort(scratch.layer.begin(), scratch.layer.end(), NearerFirst{});
}

void HnswBuilder::SelectNeighbors(std::uint32_t base, const std::vector<ScoredNode>& sorted, std::size_t max_count,
                                  std::vector<ScoredNode>* selected) const {
  // Algorithm 4: keep a candidate only if it is nearer to the base than to
  // every neighbour already kept, so links spread in different directions.
  //
  // Exact duplicates need two amendments, or a block of identical vectors
  // traps searches: a copy of a kept neighbour adds no direction and is
  // skipped (else copies fill every slot), while copies of the base itself
  // may take up to half the slots regardless (else the block falls apart into
  // pieces no search can walk between).
  selected->clear();
  const std::size_t bytes = store_.dim() * sizeof(float);
  const float* base_row = store_.row(base);
  const float self_distance = distance_(base, base);
  std::size_t copies_of_base = 0;
  for (const ScoredNode& candidate : sorted) {
    if (selected->size() >= max_count) break;
    if (candidate.node == base) continue;
    const float* row = store_.row(candidate.node);
    if (candidate.distance == self_distance && std::memcmp(row, base_row, bytes) == 0) {
      if (2 * copies_of_base < max_count) {
        selected->push_back(candidate);
        ++copies_of_base;
      }
      continue;
    }
    // Distances to the kept neighbours four at a time (one batched kernel
    // call shares the candidate's loads), stopping after the first group
    // that holds a nearer one.
    bool keep = true;
    constexpr std::size_t kGroup = 4;
    for (std::size_t first = 0; keep && first < selected->size(); first += kGroup) {
      const std::size_t m = std::min(kGroup, selected->size() - first);
      std::uint32_t kept_nodes[kGroup];
      float between[kGroup];
      for (std::size_t j = 0; j < m; ++j) kept_nodes[j] = (*selected)[first + j].node;
      distance_.Batch(candidate.node, kept_nodes, m, between);
      for (std::size_t j = 0; j < m; ++j) {
        const ScoredNode& kept = (*selected)[first + j];
        if (between[j] < candidate.distance ||
            (candidate.distance == kept.distance && std::memcmp(row, store_.row(kept.node), bytes) == 0)) {
          keep = false;
          break;
        }
      }
    }
    if (keep) selected->push_back(candidate);
  }
}

void HnswBuilder::AppendScored(std::uint32_t base, const std::uint32_t* nodes, std::size_t count, Scratch& scratch) {
  scratch.dists.resize(count);
  distance_.Batch(base, nodes, count, scratch.dists.data());
  for (std::size_t i = 0; i < count; ++i) scratch.pruning.push_back({scratch.dists[i], nodes[i]});
}

void HnswBuilder::Link(std::uint32_t from, std::uint32_t to, float distance, int level, Scratch& scratch) {
  const std::size_t max_degree = graph_->MaxDegree(level);
  Lock(from);
  std::uint32_t* block = graph_->MutableBlock(from, level);
  std::uint32_t count = block[0];
  for (std::uint32_t i = 0; i < count; ++i) {
    if (block[1 + i] == to) {
      Unlock(from);
      return;
    }
  }
  float* cached = level == 0 ? Level0Distances(from) : nullptr;
  if (count < max_degree) {
    StoreRelaxed(block[1 + count], to);
    if (cached != nullptr) cached[count] = distance;
    StoreRelaxed(block[0], count + 1);
    Unlock(from);
    return;
  }
  // Full: re-select among the old links and the new one.
  scratch.pruning.clear();
  scratch.pruning.push_back({distance, to});
  if (cached != nullptr) {
    for (std::uint32_t i = 0; i < count; ++i) scratch.pruning.push_back({cached[i], block[1 + i]});
  } else {
    AppendScored(from, block + 1, count, scratch);
  }
  std::sort(scratch.pruning.begin(), scratch.pruning.end(), NearerFirst{});
  SelectNeighbors(from, scratch.pruning, max_degree, &scratch.kept);
  WriteBlock(block, cached, scratch.kept);
  Unlock(from);
}

void HnswBuilder::SetOwnLinks(std::uint32_t node, int level, Scratch& scratch) {
  Lock(node);
  std::uint32_t* block = graph_->MutableBlock(node, level);
  float* cached = level == 0 ? Level0Distances(node) : nullptr;
  const std::uint32_t existing = block[0];
  if (existing == 0) {
    WriteBlock(block, cached, scratch.selected);
    Unlock(node);
    return;
  }
  // Another thread reached this node through a level above and linked to it
  // here before its own links were set: keep those links too, pruning with
  // the heuristic if the union exceeds the degree bound.
  scratch.pruning = scratch.selected;
  scratch.links.clear();
  for (std::uint32_t i = 0; i < existing; ++i) {
    std::uint32_t other = block[1 + i];
    bool known = false;
    for (const ScoredNode& s : scratch.selected) known = known || s.node == other;
    if (known) continue;
    if (cached != nullptr) {
      scratch.pruning.push_back({cached[i], other});
    } else {
      scratch.links.push_back(other);
    }
  }
  AppendScored(node, scratch.links.data(), scratch.links.size(), scratch);
  std::sort(scratch.pruning.begin(), scratch.pruning.end(), NearerFirst{});
  const std::size_t max_degree = graph_->MaxDegree(level);
  if (scratch.pruning.size() <= max_degree) {
    scratch.kept = scratch.pruning;
  } else {
    SelectNeighbors(node, scratch.pruning, max_degree, &scratch.kept);
  }
  WriteBlock(block, cached, scratch.kept);
  Unlock(node);
}

void HnswBuilder::WriteBlock(std::uint32_t* block, float* cached, const std::vector<ScoredNode>& links) {
  for (std::size_t i = 0; i < links.size(); ++i) StoreRelaxed(block[1 + i], links[i].node);
  StoreRelaxed(block[0], static_cast<std::uint32_t>(links.size()));
  if (cached == nullptr) return;
  for (std::size_t i = 0; i < links.size(); ++i) cached[i] = links[i].distance;
}

void HnswBuilder::Insert(std::uint32_t node, Scratch& scratch) {
  const int node_level = graph_->level(node);

  std::unique_lock<std::mutex> entry_lock(entry_mutex_);
  std::uint32_t entry = graph_->entry_point();
  const int top_level = graph_->max_level();
  if (entry == kNoNode) {
    graph_->set_entry_point(node, node_level);
    return;
  }
  // A node that raises the top level keeps the entry lock until it is linked,
  // so no search starts from it half-built.
  if (node_level <= top_level) entry_lock.unlock();

  ScoredNode current{distance_(node, entry), entry};
  for (int level = top_level; level > node_level; --level) current = GreedyClosest(node, current, level, scratch);

  LinkLevels(node, current, std::min(node_level, top_level), scratch);

  if (node_level > top_level) graph_->set_entry_point(node, node_level);
}

void HnswBuilder::LinkLevels(std::uint32_t node, ScoredNode current, int from_level, Scratch& scratch) {
  for (int level = from_level; level >= 0; --level) {
    SearchLayer(node, current, level, scratch);
    // Up to the degree bound: 2M on level 0 (see the header).
    SelectNeighbors(node, scratch.layer, graph_->MaxDegree(level), &scratch.selected);
    SetOwnLinks(node, level, scratch);
    for (const ScoredNode& neighbor : scratch.selected) Link(neighbor.node, node, neighbor.distance, level, scratch);
    if (!scratch.layer.empty()) current = scratch.layer.front();
  }
}

}  // namespace zyphyr
