#include "bench/engines/hnswlib_engine.h"

#include <algorithm>

namespace zyphyr {

std::string HnswlibEngine::description() const {
  return "hnswlib " + HnswlibPeer::Version() + " (Debian libhnswlib-dev, header-only, -O3 -march=native)";
}

Status HnswlibEngine::Build(std::span<const float> rows, std::size_t dim, Metric metric,
                            const EngineBuildParams& params) {
  if (dim == 0 || rows.size() % dim != 0) {
    return Status::InvalidArgument("hnswlib engine: rows are not a whole number of vectors of the dimension");
  }
  const std::size_t n = rows.size() / dim;
  Result<std::unique_ptr<HnswlibPeer>> peer =
      HnswlibPeer::Create(dim, metric, std::max<std::size_t>(n, 1), params.M, params.ef_construction, params.seed);
  if (!peer.ok()) return peer.status();
  ZYPHYR_RETURN_IF_ERROR((*peer)->AddBatch(rows, 0, params.threads, params.progress));
  peer_ = std::move(*peer);
  return Status::Ok();
}

Status HnswlibEngine::SetEf(std::size_t ef) {
  if (!peer_) return Status::InvalidArgument("hnswlib engine: SetEf before build");
  if (ef == 0) return Status::InvalidArgument("ef must be at least 1");
  peer_->SetEf(ef);
  return Status::Ok();
}

Status HnswlibEngine::Search(std::span<const float> query, std::size_t k, std::vector<std::uint64_t>* ids) const {
  if (!peer_) return Status::InvalidArgument("hnswlib engine: search before build");
  if (query.size() != peer_->dim()) {
    return Status::InvalidArgument("query has dimension " + std::to_string(query.size()) + ", expected " +
                                   std::to_string(peer_->dim()));
  }
  ids->clear();
  for (const auto& [distance, label] : peer_->Search(query, k)) ids->push_back(label);
  return Status::Ok();
}

std::size_t HnswlibEngine::MemoryBytes() const { return peer_ ? peer_->MemoryBytes() : 0; }

}  // namespace zyphyr
