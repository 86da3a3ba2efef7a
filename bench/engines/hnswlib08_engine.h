// hnswlib 0.8.0 (from the hnswlib-node@3.0.0 npm package) as the benchmark
// engine "hnswlib-0.8", through Hnswlib08Peer.
#ifndef ZYPHYR_BENCH_ENGINES_HNSWLIB08_ENGINE_H_
#define ZYPHYR_BENCH_ENGINES_HNSWLIB08_ENGINE_H_

#include "bench/engines/peer_engine.h"
#include "bench/peers/hnswlib08_peer.h"

namespace zyphyr {

class Hnswlib08Engine final : public PeerEngine<Hnswlib08Peer> {
 public:
  std::string_view name() const override { return "hnswlib-0.8"; }
  std::string description() const override;

 protected:
  Status DoBuild(std::span<const float> rows, std::size_t dim, Metric metric, const EngineBuildParams& params) override;
  Status DoSearch(std::span<const float> query, std::size_t k, std::size_t ef,
                  std::vector<std::uint64_t>* ids) const override;
};

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_ENGINES_HNSWLIB08_ENGINE_H_
