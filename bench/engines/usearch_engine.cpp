#include "bench/engines/usearch_engine.h"

#include <algorithm>

namespace zyphyr {

std::string UsearchEngine::description() const {
  return "usearch " + UsearchPeer::Version() + " (npm usearch@2.26.2, NumKong dynamic dispatch, kernel " +
         (isa_.empty() ? std::string("not chosen yet") : isa_) + "; compiled for " + UsearchPeer::CompiledIsas() +
         ")";
}

Status UsearchEngine::DoBuild(std::span<const float> rows, std::size_t dim, Metric metric,
                              const EngineBuildParams& params) {
  const std::size_t n = rows.size() / dim;
  Result<std::unique_ptr<UsearchPeer>> peer = UsearchPeer::Create(dim, metric, std::max<std::size_t>(n, 1), params.M,
                                                                  params.ef_construction, params.threads);
  if (!peer.ok()) return peer.status();
  const std::string isa = (*peer)->IsaName();
  if (isa == "serial") {
    return Status::Unsupported(
        "usearch engine: NumKong dispatched the f32 metric to its serial kernel (no SIMD kernel for this CPU or "
        "compiler); usearch would be measured without its SIMD");
  }
  ZYPHYR_RETURN_IF_ERROR((*peer)->AddBatch(rows, 0, params.threads, params.progress));
  isa_ = isa;
  set_peer(std::move(*peer));
  return Status::Ok();
}

Status UsearchEngine::DoSearch(std::span<const float> query, std::size_t k, std::size_t /*ef*/,
                               std::vector<std::uint64_t>* ids) const {
  return peer().Search(query, k, ids);
}

}  // namespace zyphyr
