#include "bench/peers/faiss_peer.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <exception>
#include <string>

#include <faiss/Index.h>
#include <faiss/IndexFlatCodes.h>
#include <faiss/IndexHNSW.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/HNSW.h>
#include <omp.h>

#include "bench/peers/peer_rows.h"
#include "src/core/check.h"

namespace zyphyr {

struct FaissPeer::Impl {
  std::size_t dim = 0;
  bool normalize = false;
  std::unique_ptr<faiss::IndexHNSWFlat> index;
};

namespace {

void Normalize(std::span<const float> in, float* out) {
  double norm_sq = 0.0;
  for (float x : in) norm_sq += static_cast<double>(x) * x;
  const double inv = norm_sq > 0.0 ? 1.0 / std::sqrt(norm_sq) : 0.0;
  for (std::size_t j = 0; j < in.size(); ++j) out[j] = static_cast<float>(in[j] * inv);
}

template <typename T>
std::size_t CapacityBytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

// Sets the calling thread's OpenMP thread count for the lifetime of the
// object, then puts the previous one back.
class ScopedOmpThreads {
 public:
  explicit ScopedOmpThreads(int threads) : previous_(omp_get_max_threads()) { omp_set_num_threads(threads); }
  ~ScopedOmpThreads() { omp_set_num_threads(previous_); }
  ScopedOmpThreads(const ScopedOmpThreads&) = delete;
  ScopedOmpThreads& operator=(const ScopedOmpThreads&) = delete;

 private:
  int previous_;
};

}  // namespace

FaissPeer::FaissPeer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaissPeer::~FaissPeer() = default;

Result<std::unique_ptr<FaissPeer>> FaissPeer::Create(std::size_t dim, Metric metric, std::size_t M,
                                                     std::size_t ef_construction) {
  if (dim == 0) return Status::InvalidArgument("faiss peer: dimension must be at least 1");
  if (M < 2) return Status::InvalidArgument("faiss peer: M must be at least 2");
  if (ef_construction == 0) return Status::InvalidArgument("faiss peer: ef_construction must be at least 1");
  constexpr std::size_t kIntMax = INT_MAX;
  if (dim > kIntMax || M > kIntMax || ef_construction > kIntMax) {
    return Status::InvalidArgument("faiss peer: dimension, M and ef_construction must each be at most " +
                                   std::to_string(kIntMax));
  }
  auto impl = std::make_unique<Impl>();
  impl->dim = dim;
  impl->normalize = metric == Metric::kCosine;
  const faiss::MetricType faiss_metric = metric == Metric::kL2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT;
  try {
    impl->index = std::make_unique<faiss::IndexHNSWFlat>(static_cast<int>(dim), static_cast<int>(M), faiss_metric);
    impl->index->hnsw.efConstruction = static_cast<int>(ef_construction);
  } catch (const faiss::FaissException& e) {
    return Status::Internal(std::string("faiss peer: ") + e.what());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("faiss peer: ") + e.what());
  }
  return std::unique_ptr<FaissPeer>(new FaissPeer(std::move(impl)));
}

Status FaissPeer::Add(std::span<const float> rows, std::size_t threads) {
  const std::size_t dim = impl_->dim;
  ZYPHYR_RETURN_IF_ERROR(CheckWholeRows("faiss peer", rows, dim));
  const std::size_t n = rows.size() / dim;
  if (n == 0) return Status::Ok();
  const std::size_t have = size();
  if (n > static_cast<std::size_t>(INT_MAX) - have) {
    return Status::InvalidArgument("faiss peer: adding " + std::to_string(n) + " rows to " + std::to_string(have) +
                                   " exceeds FAISS's limit of " + std::to_string(INT_MAX) + " rows");
  }
  const float* data = rows.data();
  std::vector<float> normalized;
  try {
    if (impl_->normalize) {
      normalized.resize(rows.size());
      for (std::size_t i = 0; i < n; ++i) Normalize(rows.subspan(i * dim, dim), normalized.data() + i * dim);
      data = normalized.data();
    }
    const int procs = omp_get_num_procs();
    const int wanted = threads == 0 ? procs : static_cast<int>(std::min<std::size_t>(threads, INT_MAX));
    ScopedOmpThreads scoped(std::max(wanted, 1));
    impl_->index->add(static_cast<faiss::Index::idx_t>(n), data);
  } catch (const faiss::FaissException& e) {
    return Status::Internal(std::string("faiss peer: ") + e.what());
  } catch (const std::exception& e) {
    return Status::Internal(std::string("faiss peer: ") + e.what());
  }
  return Status::Ok();
}

std::vector<std::pair<float, std::int64_t>> FaissPeer::Search(std::span<const float> query, std::size_t k,
                                                              std::size_t ef) const {
  ZYPHYR_CHECK(query.size() == impl_->dim);
  std::vector<std::pair<float, std::int64_t>> out;
  if (k == 0 || size() == 0) return out;
  // FAISS 1.7.3 opens an OpenMP team for every search call, sized by the
  // calling thread's thread count: one query must run on this thread alone.
  if (omp_get_max_threads() != 1) omp_set_num_threads(1);

  thread_local std::vector<float> normalized;
  thread_local std::vector<float> distances;
  thread_local std::vector<faiss::Index::idx_t> labels;
  const float* q = query.data();
  try {
    if (impl_->normalize) {
      normalized.resize(impl_->dim);
      Normalize(query, normalized.data());
      q = normalized.data();
    }
    k = std::min(k, size());  // Past ntotal FAISS has nothing but -1 to give.
    distances.resize(k);
    labels.resize(k);
    faiss::SearchParametersHNSW params;
    params.efSearch = static_cast<int>(std::min<std::size_t>(ef, INT_MAX));
    impl_->index->search(1, q, static_cast<faiss::Index::idx_t>(k), distances.data(), labels.data(), &params);
  } catch (const std::exception&) {  // faiss::FaissException included.
    return out;
  }
  out.reserve(k);
  for (std::size_t i = 0; i < k; ++i) {
    if (labels[i] >= 0) out.emplace_back(distances[i], static_cast<std::int64_t>(labels[i]));
  }
  return out;
}

void FaissPeer::SetEf(std::size_t ef) {
  impl_->index->hnsw.efSearch = static_cast<int>(std::min<std::size_t>(std::max<std::size_t>(ef, 1), INT_MAX));
}

std::size_t FaissPeer::size() const { return static_cast<std::size_t>(impl_->index->ntotal); }
std::size_t FaissPeer::dim() const { return impl_->dim; }

std::size_t FaissPeer::MemoryBytes() const {
  const faiss::IndexHNSWFlat& index = *impl_->index;
  std::size_t bytes = 0;
  if (const auto* flat = dynamic_cast<const faiss::IndexFlatCodes*>(index.storage)) bytes += CapacityBytes(flat->codes);
  const faiss::HNSW& hnsw = index.hnsw;
  bytes += CapacityBytes(hnsw.neighbors) + CapacityBytes(hnsw.offsets) + CapacityBytes(hnsw.levels) +
           CapacityBytes(hnsw.assign_probas) + CapacityBytes(hnsw.cum_nneighbor_per_level);
  return bytes;
}

std::string FaissPeer::Version() {
  return "faiss " + std::to_string(FAISS_VERSION_MAJOR) + "." + std::to_string(FAISS_VERSION_MINOR) + "." +
         std::to_string(FAISS_VERSION_PATCH) + " (Debian libfaiss-dev, generic x86-64 build)";
}

}  // namespace zyphyr
