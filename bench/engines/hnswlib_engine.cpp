#include "bench/engines/hnswlib_engine.h"

#include <algorithm>

namespace zyphyr {

std::string HnswlibEngine::description() const {
  return "hnswlib " + HnswlibPeer::Version() + " (Debian libhnswlib-dev, header-only, -O3 -march=native)";
}

Status HnswlibEngine::DoBuild(std::span<const float> rows, std::size_t dim, Metric metric,
                              const EngineBuildParams& params) {
  const std::size_t n = rows.size() / dim;
  Result<std::unique_ptr<HnswlibPeer>> peer =
      HnswlibPeer::Create(dim, metric, std::max<std::size_t>(n, 1), params.M, params.ef_construction, params.seed);
  if (!peer.ok()) return peer.status();
  ZYPHYR_RETURN_IF_ERROR((*peer)->AddBatch(rows, 0, params.threads, params.progress));
  peer_ = std::move(*peer);
  return Status::Ok();
}

// hnswlib keeps ef in the index (it searches with max(ef, k)).
void HnswlibEngine::ApplyEf(std::size_t ef) { peer_->SetEf(ef); }

Status HnswlibEngine::DoSearch(std::span<const float> query, std::size_t k, std::size_t /*ef*/,
                               std::vector<std::uint64_t>* ids) const {
  for (const auto& [distance, label] : peer_->Search(query, k)) ids->push_back(label);
  return Status::Ok();
}

std::size_t HnswlibEngine::MemoryBytes() const { return peer_ ? peer_->MemoryBytes() : 0; }

}  // namespace zyphyr
