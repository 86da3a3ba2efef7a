#include "bench/peers/usearch_peer.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include <usearch/index_dense.hpp>

#include "bench/peers/peer_rows.h"
#include "src/core/parallel_for.h"

namespace zyphyr {

namespace us = unum::usearch;

struct UsearchPeer::Impl {
  std::size_t dim = 0;
  std::size_t contexts = 1;
  us::index_dense_t index;
  // A search names the context it uses: with none free, usearch's own pick
  // (any_thread) falls back to a context another search may be using, and the
  // two corrupt each other's results. Searches take one here and wait while
  // every context is in use.
  std::mutex free_mutex;
  std::condition_variable context_freed;
  std::vector<std::size_t> free_contexts;
};

namespace {

us::metric_kind_t MetricKind(Metric metric) {
  switch (metric) {
    case Metric::kL2:
      return us::metric_kind_t::l2sq_k;
    case Metric::kInnerProduct:
      return us::metric_kind_t::ip_k;
    case Metric::kCosine:
      return us::metric_kind_t::cos_k;
  }
  return us::metric_kind_t::l2sq_k;
}

// usearch's error_t throws from its destructor unless released: its message
// is copied out and released here.
std::string Take(us::error_t& error) {
  std::string message = error.what() ? error.what() : "unknown error";
  error.release();
  return message;
}

}  // namespace

UsearchPeer::UsearchPeer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
UsearchPeer::~UsearchPeer() = default;

Result<std::unique_ptr<UsearchPeer>> UsearchPeer::Create(std::size_t dim, Metric metric, std::size_t max_elements,
                                                         std::size_t M, std::size_t ef_construction,
                                                         std::size_t threads) {
  if (dim == 0) return Status::InvalidArgument("usearch peer: dimension must be at least 1");
  if (M < 2) return Status::InvalidArgument("usearch peer: M must be at least 2");
  auto impl = std::make_unique<Impl>();
  impl->dim = dim;
  impl->contexts = std::max<std::size_t>({ResolveThreads(threads), std::thread::hardware_concurrency(), 1});
  try {
    us::metric_punned_t metric_punned(dim, MetricKind(metric), us::scalar_kind_t::f32_k);
    us::index_dense_config_t config(M, ef_construction, us::default_expansion_search());
    us::index_dense_t::state_result_t made =
        us::index_dense_t::make(metric_punned, config, us::default_free_value<us::default_key_t>(),
                                us::index_limits_t(max_elements, impl->contexts));
    if (!made) return Status::Internal("usearch peer: " + Take(made.error));
    impl->index = std::move(made.index);
    for (std::size_t c = 0; c < impl->contexts; ++c) impl->free_contexts.push_back(c);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("usearch peer: ") + e.what());
  }
  return std::unique_ptr<UsearchPeer>(new UsearchPeer(std::move(impl)));
}

Status UsearchPeer::AddBatch(std::span<const float> rows, std::uint64_t first_key, std::size_t threads,
                             const std::function<void(std::size_t, std::size_t)>& progress) {
  const std::size_t dim = impl_->dim;
  ZYPHYR_RETURN_IF_ERROR(CheckWholeRows("usearch peer", rows, dim));
  const std::size_t n = rows.size() / dim;
  us::index_dense_t& index = impl_->index;
  if (index.size() + n > index.capacity()) {
    return Status::InvalidArgument("usearch peer: adding " + std::to_string(n) + " rows exceeds the capacity " +
                                   std::to_string(index.capacity()));
  }
  threads = std::min(ResolveThreads(threads), impl_->contexts);
  std::mutex error_mutex;
  std::string error;
  std::atomic<std::size_t> inserted{0};
  std::atomic<std::size_t> next_context{0};
  // Each thread of the call gets a context of its own (usearch's `thread`
  // argument), as usearch's bindings do for their parallel adds.
  ParallelFor(
      0, n, threads, [&] { return next_context.fetch_add(1); },
      [&](std::size_t i, std::size_t& context) {
        try {
          us::index_dense_t::add_result_t added =
              index.add(static_cast<us::default_key_t>(first_key + i), rows.data() + i * dim, context);
          if (!added) {
            std::lock_guard<std::mutex> lock(error_mutex);
            std::string message = Take(added.error);
            if (error.empty()) error = message;
            return;
          }
          const std::size_t done = inserted.fetch_add(1, std::memory_order_relaxed) + 1;
          if (progress && (done % 1024 == 0 || done == n)) progress(done, n);
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (error.empty()) error = e.what();
        }
      });
  if (!error.empty()) return Status::Internal("usearch peer: " + error);
  return Status::Ok();
}

void UsearchPeer::SetEf(std::size_t ef) { impl_->index.change_expansion_search(ef); }

Status UsearchPeer::Search(std::span<const float> query, std::size_t k, std::vector<std::uint64_t>* keys) const {
  std::size_t context;
  {
    std::unique_lock<std::mutex> lock(impl_->free_mutex);
    impl_->context_freed.wait(lock, [&] { return !impl_->free_contexts.empty(); });
    context = impl_->free_contexts.back();
    impl_->free_contexts.pop_back();
  }
  std::string error;
  {
    us::index_dense_t::search_result_t found = impl_->index.search(query.data(), k, context);
    if (!found) {
      error = Take(found.error);
    } else {
      thread_local std::vector<us::default_key_t> buffer;
      buffer.resize(k);
      const std::size_t count = found.dump_to(buffer.data(), k);
      keys->insert(keys->end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(count));
    }
  }
  {
    std::lock_guard<std::mutex> lock(impl_->free_mutex);
    impl_->free_contexts.push_back(context);
  }
  impl_->context_freed.notify_one();
  if (!error.empty()) return Status::Internal("usearch peer: " + error);
  return Status::Ok();
}

std::size_t UsearchPeer::MemoryBytes() const { return impl_->index.memory_usage(); }

std::string UsearchPeer::Version() {
  return std::to_string(USEARCH_VERSION_MAJOR) + "." + std::to_string(USEARCH_VERSION_MINOR) + "." +
         std::to_string(USEARCH_VERSION_PATCH);
}

std::string UsearchPeer::IsaName() const { return impl_->index.metric().isa_name(); }

std::string UsearchPeer::CompiledIsas() { return us::hardware_acceleration_compiled(); }

}  // namespace zyphyr
