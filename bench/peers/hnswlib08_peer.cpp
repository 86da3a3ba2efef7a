#include "bench/peers/hnswlib08_peer.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <queue>
#include <string>
#include <unordered_map>

// hnswlib 0.8 and Debian's 0.6.2 both define namespace hnswlib with inline
// functions and class templates of the same names but other layouts; linked
// into one binary, the linker would keep one version of each. Here 0.8 lives
// in a namespace of its own. (An angle-bracket header name is not
// macro-expanded, so the include itself is unaffected.)
#define hnswlib zyphyr_hnswlib08
#include <hnswlib/hnswlib.h>
#undef hnswlib

#include "bench/peers/peer_rows.h"
#include "src/core/parallel_for.h"

namespace zyphyr {

namespace h08 = ::zyphyr_hnswlib08;

struct Hnswlib08Peer::Impl {
  std::size_t dim = 0;
  bool normalize = false;
  std::unique_ptr<h08::SpaceInterface<float>> space;
  std::unique_ptr<h08::HierarchicalNSW<float>> index;
};

namespace {

void Normalize(std::span<const float> in, std::vector<float>* out) {
  double norm_sq = 0.0;
  for (float x : in) norm_sq += static_cast<double>(x) * x;
  const float inv = norm_sq > 0.0 ? static_cast<float>(1.0 / std::sqrt(norm_sq)) : 0.0f;
  out->resize(in.size());
  for (std::size_t j = 0; j < in.size(); ++j) (*out)[j] = in[j] * inv;
}

}  // namespace

Hnswlib08Peer::Hnswlib08Peer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Hnswlib08Peer::~Hnswlib08Peer() = default;

Result<std::unique_ptr<Hnswlib08Peer>> Hnswlib08Peer::Create(std::size_t dim, Metric metric,
                                                             std::size_t max_elements, std::size_t M,
                                                             std::size_t ef_construction, std::uint64_t seed) {
  if (dim == 0) return Status::InvalidArgument("hnswlib-0.8 peer: dimension must be at least 1");
  if (M < 2) return Status::InvalidArgument("hnswlib-0.8 peer: M must be at least 2");
  auto impl = std::make_unique<Impl>();
  try {
    impl->dim = dim;
    impl->normalize = metric == Metric::kCosine;
    if (metric == Metric::kL2) {
      impl->space = std::make_unique<h08::L2Space>(dim);
    } else {
      impl->space = std::make_unique<h08::InnerProductSpace>(dim);
    }
    impl->index =
        std::make_unique<h08::HierarchicalNSW<float>>(impl->space.get(), max_elements, M, ef_construction, seed);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("hnswlib-0.8 peer: ") + e.what());
  }
  return std::unique_ptr<Hnswlib08Peer>(new Hnswlib08Peer(std::move(impl)));
}

Status Hnswlib08Peer::AddBatch(std::span<const float> rows, std::uint64_t first_label, std::size_t threads,
                               const std::function<void(std::size_t, std::size_t)>& progress) {
  const std::size_t dim = impl_->dim;
  ZYPHYR_RETURN_IF_ERROR(CheckWholeRows("hnswlib-0.8 peer", rows, dim));
  const std::size_t n = rows.size() / dim;
  h08::HierarchicalNSW<float>& index = *impl_->index;
  if (index.cur_element_count + n > index.max_elements_) {
    return Status::InvalidArgument("hnswlib-0.8 peer: adding " + std::to_string(n) + " rows exceeds max_elements " +
                                   std::to_string(index.max_elements_));
  }
  threads = ResolveThreads(threads);
  if (n <= threads * 4) threads = 1;  // As the Python bindings: small batches stay serial.

  std::mutex error_mutex;
  std::string error;
  std::atomic<std::size_t> inserted{0};
  auto add = [&](std::size_t i, std::vector<float>* scratch) {
    try {
      const float* row = rows.data() + i * dim;
      if (impl_->normalize) {
        Normalize(rows.subspan(i * dim, dim), scratch);
        row = scratch->data();
      }
      index.addPoint(row, static_cast<h08::labeltype>(first_label + i));
      const std::size_t done = inserted.fetch_add(1, std::memory_order_relaxed) + 1;
      if (progress && (done % 1024 == 0 || done == n)) progress(done, n);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (error.empty()) error = e.what();
    }
  };
  std::size_t start = 0;
  std::vector<float> scratch;
  if (index.cur_element_count == 0 && n > 0) {
    add(0, &scratch);
    start = 1;
  }
  ParallelFor(
      start, n, threads, [] { return std::vector<float>(); },
      [&](std::size_t i, std::vector<float>& local) { add(i, &local); });
  if (!error.empty()) return Status::Internal("hnswlib-0.8 peer: " + error);
  return Status::Ok();
}

void Hnswlib08Peer::SetEf(std::size_t ef) { impl_->index->setEf(ef); }

std::vector<std::pair<float, std::uint64_t>> Hnswlib08Peer::Search(std::span<const float> query,
                                                                   std::size_t k) const {
  const float* q = query.data();
  thread_local std::vector<float> normalized;
  if (impl_->normalize) {
    Normalize(query, &normalized);
    q = normalized.data();
  }
  auto heap = impl_->index->searchKnn(q, k);  // Farthest first.
  std::vector<std::pair<float, std::uint64_t>> out(heap.size());
  for (std::size_t i = out.size(); i-- > 0;) {
    out[i] = {heap.top().first, static_cast<std::uint64_t>(heap.top().second)};
    heap.pop();
  }
  return out;
}

std::string Hnswlib08Peer::Version() { return "0.8.0"; }

std::size_t Hnswlib08Peer::MemoryBytes() const {
  const h08::HierarchicalNSW<float>& index = *impl_->index;
  std::size_t bytes = index.max_elements_ * index.size_data_per_element_;             // Level 0: links, vector, label.
  bytes += index.max_elements_ * (sizeof(char*) + sizeof(int) + sizeof(std::mutex));  // linkLists_, levels, locks.
  bytes += index.label_op_locks_.size() * sizeof(std::mutex);
  for (std::size_t i = 0; i < index.cur_element_count; ++i) {
    if (index.element_levels_[i] > 0) bytes += index.size_links_per_element_ * index.element_levels_[i];
  }
  bytes += index.label_lookup_.bucket_count() * sizeof(void*) +
           index.label_lookup_.size() *
               (sizeof(void*) + sizeof(h08::labeltype) + sizeof(h08::tableint) + sizeof(std::size_t));
  return bytes;
}

}  // namespace zyphyr
