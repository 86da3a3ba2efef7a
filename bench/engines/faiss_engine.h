// FAISS IndexHNSWFlat (Debian libfaiss-dev) as a benchmark engine, through
// FaissPeer. Debian's FAISS is built for a generic x86-64 CPU, about 2x slower
// than FAISS compiled for the host (measured): note() says so beside its figures.
#ifndef ZYPHYR_BENCH_ENGINES_FAISS_ENGINE_H_
#define ZYPHYR_BENCH_ENGINES_FAISS_ENGINE_H_

#include "bench/engines/peer_engine.h"
#include "bench/peers/faiss_peer.h"

namespace zyphyr {

class FaissEngine final : public PeerEngine<FaissPeer> {
 public:
  std::string_view name() const override { return "faiss"; }
  std::string description() const override;
  std::string note() const override;

 protected:
  Status DoBuild(std::span<const float> rows, std::size_t dim, Metric metric, const EngineBuildParams& params) override;
  Status DoSearch(std::span<const float> query, std::size_t k, std::size_t ef,
                  std::vector<std::uint64_t>* ids) const override;
};

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_ENGINES_FAISS_ENGINE_H_
