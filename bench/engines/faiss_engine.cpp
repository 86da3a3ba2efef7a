#include "bench/engines/faiss_engine.h"

#include <algorithm>

namespace zyphyr {
namespace {

// Rows handed to FAISS per Add call, so the build can report progress.
constexpr std::size_t kAddChunkRows = 4096;

}  // namespace

std::string FaissEngine::description() const { return "IndexHNSWFlat, " + FaissPeer::Version(); }

std::string FaissEngine::note() const {
  return "Debian's FAISS is a generic x86-64 build, about 2x slower than FAISS compiled for this CPU";
}

Status FaissEngine::DoBuild(std::span<const float> rows, std::size_t dim, Metric metric,
                            const EngineBuildParams& params) {
  Result<std::unique_ptr<FaissPeer>> peer = FaissPeer::Create(dim, metric, params.M, params.ef_construction);
  if (!peer.ok()) return peer.status();
  const std::size_t n = rows.size() / dim;
  for (std::size_t begin = 0; begin < n; begin += kAddChunkRows) {
    const std::size_t count = std::min(kAddChunkRows, n - begin);
    ZYPHYR_RETURN_IF_ERROR((*peer)->Add(rows.subspan(begin * dim, count * dim), params.threads));
    if (params.progress) params.progress(begin + count, n);
  }
  set_peer(std::move(*peer));
  return Status::Ok();
}

Status FaissEngine::DoSearch(std::span<const float> query, std::size_t k, std::size_t ef,
                             std::vector<std::uint64_t>* ids) const {
  // FAISS 1.7.3 sizes its candidate queue from the index's own efSearch (set
  // by PeerEngine::ApplyEf, see FaissPeer::SetEf); the per-search value is
  // passed as well. FAISS uses max(efSearch, k) itself; pass it explicitly so
  // all engines agree.
  for (const auto& [distance, id] : peer().Search(query, k, std::max(ef, k))) {
    ids->push_back(static_cast<std::uint64_t>(id));
  }
  return Status::Ok();
}

}  // namespace zyphyr
