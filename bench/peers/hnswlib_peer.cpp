// HnswlibPeer over Debian's hnswlib 0.6.2, and Hnswlib08Peer over hnswlib
// 0.8.0 from this same file: bench/CMakeLists.txt compiles it a second time
// with ZYPHYR_HNSWLIB08 defined and 0.8's headers on the include path. Both
// releases define namespace hnswlib with inline functions and class templates
// of the same names but other layouts; linked into one binary, the linker
// would keep one version of each, so there 0.8 is put in a namespace of its
// own (an angle-bracket header name is not macro-expanded, so the include
// itself is unaffected).
#ifdef ZYPHYR_HNSWLIB08
#include "bench/peers/hnswlib08_peer.h"
#define HnswlibPeer Hnswlib08Peer
#define hnswlib zyphyr_hnswlib08
#else
#include "bench/peers/hnswlib_peer.h"
#endif

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <queue>
#include <string>
#include <unordered_map>

#include <hnswlib/hnswlib.h>

#include "bench/peers/peer_rows.h"
#include "src/core/parallel_for.h"

namespace zyphyr {
namespace {

#ifdef ZYPHYR_HNSWLIB08
constexpr const char* kPeer = "hnswlib-0.8 peer";
#else
constexpr const char* kPeer = "hnswlib peer";
#endif

}  // namespace

struct HnswlibPeer::Impl {
  std::size_t dim = 0;
  bool normalize = false;
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index;
};

namespace {

void Normalize(std::span<const float> in, std::vector<float>* out) {
  double norm_sq = 0.0;
  for (float x : in) norm_sq += static_cast<double>(x) * x;
  // A zero vector stays zero (hnswlib's bindings add a tiny epsilon instead).
  const float inv = norm_sq > 0.0 ? static_cast<float>(1.0 / std::sqrt(norm_sq)) : 0.0f;
  out->resize(in.size());
  for (std::size_t j = 0; j < in.size(); ++j) (*out)[j] = in[j] * inv;
}

}  // namespace

std::unique_ptr<HnswlibPeer::Impl> HnswlibPeer::MakeImpl(std::size_t dim, Metric metric) {
  auto impl = std::make_unique<HnswlibPeer::Impl>();
  impl->dim = dim;
  impl->normalize = metric == Metric::kCosine;
  if (metric == Metric::kL2) {
    impl->space = std::make_unique<hnswlib::L2Space>(dim);
  } else {
    impl->space = std::make_unique<hnswlib::InnerProductSpace>(dim);
  }
  return impl;
}

HnswlibPeer::HnswlibPeer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HnswlibPeer::~HnswlibPeer() = default;

Result<std::unique_ptr<HnswlibPeer>> HnswlibPeer::Create(std::size_t dim, Metric metric, std::size_t max_elements,
                                                         std::size_t M, std::size_t ef_construction,
                                                         std::uint64_t seed) {
  if (dim == 0) return Status::InvalidArgument(std::string(kPeer) + ": dimension must be at least 1");
  if (M < 2) return Status::InvalidArgument(std::string(kPeer) + ": M must be at least 2");
  std::unique_ptr<Impl> impl;
  try {
    impl = MakeImpl(dim, metric);
    impl->index =
        std::make_unique<hnswlib::HierarchicalNSW<float>>(impl->space.get(), max_elements, M, ef_construction, seed);
  } catch (const std::exception& e) {
    return Status::Internal(std::string(kPeer) + ": " + e.what());
  }
  return std::unique_ptr<HnswlibPeer>(new HnswlibPeer(std::move(impl)));
}

Result<std::unique_ptr<HnswlibPeer>> HnswlibPeer::Load(const std::string& path, std::size_t dim, Metric metric) {
  std::unique_ptr<Impl> impl;
  try {
    impl = MakeImpl(dim, metric);
    impl->index = std::make_unique<hnswlib::HierarchicalNSW<float>>(impl->space.get(), path);
  } catch (const std::exception& e) {
    return Status::Internal(path + ": hnswlib loadIndex: " + e.what());
  }
  return std::unique_ptr<HnswlibPeer>(new HnswlibPeer(std::move(impl)));
}

Status HnswlibPeer::Save(const std::string& path) const {
  try {
    impl_->index->saveIndex(path);
  } catch (const std::exception& e) {
    return Status::Internal(path + ": hnswlib saveIndex: " + e.what());
  }
  return Status::Ok();
}

Status HnswlibPeer::AddBatch(std::span<const float> rows, std::uint64_t first_label, std::size_t threads,
                             const std::function<void(std::size_t, std::size_t)>& progress) {
  const std::size_t dim = impl_->dim;
  ZYPHYR_RETURN_IF_ERROR(CheckWholeRows(kPeer, rows, dim));
  const std::size_t n = rows.size() / dim;
  hnswlib::HierarchicalNSW<float>& index = *impl_->index;
  if (index.cur_element_count + n > index.max_elements_) {
    return Status::InvalidArgument(std::string(kPeer) + ": adding " + std::to_string(n) + " rows exceeds max_elements " +
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
      index.addPoint(row, static_cast<hnswlib::labeltype>(first_label + i));
      const std::size_t done = inserted.fetch_add(1, std::memory_order_relaxed) + 1;
      if (progress && (done % 1024 == 0 || done == n)) progress(done, n);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (error.empty()) error = e.what();
    }
  };

  // The first row of an empty index goes in alone, so that parallel inserts
  // start from an entry point (as the Python bindings do).
  std::size_t start = 0;
  std::vector<float> scratch;
  if (index.cur_element_count == 0 && n > 0) {
    add(0, &scratch);
    start = 1;
  }
  ParallelFor(
      start, n, threads, [] { return std::vector<float>(); },
      [&](std::size_t i, std::vector<float>& local) { add(i, &local); });
  if (!error.empty()) return Status::Internal(std::string(kPeer) + ": " + error);
  return Status::Ok();
}

void HnswlibPeer::SetEf(std::size_t ef) { impl_->index->setEf(ef); }

std::vector<std::pair<float, std::uint64_t>> HnswlibPeer::Search(std::span<const float> query, std::size_t k) const {
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

std::string HnswlibPeer::Version() {
#if defined(ZYPHYR_HNSWLIB08)
  return "0.8.0";
#elif defined(ZYPHYR_HNSWLIB_VERSION)
  return ZYPHYR_HNSWLIB_VERSION;
#else
  return "unknown version";
#endif
}

std::size_t HnswlibPeer::size() const { return impl_->index->cur_element_count; }
std::size_t HnswlibPeer::dim() const { return impl_->dim; }

std::size_t HnswlibPeer::MemoryBytes() const {
  const hnswlib::HierarchicalNSW<float>& index = *impl_->index;
  std::size_t bytes = index.max_elements_ * index.size_data_per_element_;             // Level 0: links, vector, label.
  bytes += index.max_elements_ * (sizeof(char*) + sizeof(int) + sizeof(std::mutex));  // linkLists_, levels, locks.
#ifdef ZYPHYR_HNSWLIB08
  bytes += index.label_op_locks_.size() * sizeof(std::mutex);
#else
  bytes += index.link_list_update_locks_.size() * sizeof(std::mutex);
#endif
  for (std::size_t i = 0; i < index.cur_element_count; ++i) {
    if (index.element_levels_[i] > 0) bytes += index.size_links_per_element_ * index.element_levels_[i];
  }
  // label_lookup_ (std::unordered_map): a bucket pointer plus a node holding
  // next pointer, key, value and cached hash per element.
  bytes += index.label_lookup_.bucket_count() * sizeof(void*) +
           index.label_lookup_.size() *
               (sizeof(void*) + sizeof(hnswlib::labeltype) + sizeof(hnswlib::tableint) + sizeof(std::size_t));
  return bytes;
}

}  // namespace zyphyr
