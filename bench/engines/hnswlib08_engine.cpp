#include "bench/engines/hnswlib08_engine.h"

#include <algorithm>

namespace zyphyr {

std::string Hnswlib08Engine::description() const {
  return "hnswlib " + Hnswlib08Peer::Version() + " (npm hnswlib-node@3.0.0's bundled headers, -O3 -march=native)";
}

Status Hnswlib08Engine::DoBuild(std::span<const float> rows, std::size_t dim, Metric metric,
                                const EngineBuildParams& params) {
  const std::size_t n = rows.size() / dim;
  Result<std::unique_ptr<Hnswlib08Peer>> peer =
      Hnswlib08Peer::Create(dim, metric, std::max<std::size_t>(n, 1), params.M, params.ef_construction, params.seed);
  if (!peer.ok()) return peer.status();
  ZYPHYR_RETURN_IF_ERROR((*peer)->AddBatch(rows, 0, params.threads, params.progress));
  set_peer(std::move(*peer));
  return Status::Ok();
}

// The beam is hnswlib's index state (PeerEngine::ApplyEf).
Status Hnswlib08Engine::DoSearch(std::span<const float> query, std::size_t k, std::size_t /*ef*/,
                                 std::vector<std::uint64_t>* ids) const {
  for (const auto& [distance, label] : peer().Search(query, k)) ids->push_back(label);
  return Status::Ok();
}

}  // namespace zyphyr
