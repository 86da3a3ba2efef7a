// hnswlib (Debian libhnswlib-dev) as a benchmark engine, through HnswlibPeer.
#ifndef ZYPHYR_BENCH_ENGINES_HNSWLIB_ENGINE_H_
#define ZYPHYR_BENCH_ENGINES_HNSWLIB_ENGINE_H_

#include "bench/engines/peer_engine.h"
#include "bench/peers/hnswlib_peer.h"

namespace zyphyr {

class HnswlibEngine final : public PeerEngine<HnswlibPeer> {
 public:
  std::string_view name() const override { return "hnswlib"; }
  std::string description() const override;

 protected:
  Status DoBuild(std::span<const float> rows, std::size_t dim, Metric metric, const EngineBuildParams& params) override;
  Status DoSearch(std::span<const float> query, std::size_t k, std::size_t ef,
                  std::vector<std::uint64_t>* ids) const override;
};

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_ENGINES_HNSWLIB_ENGINE_H_
