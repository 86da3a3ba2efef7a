// usearch 2.26.2 (from the usearch@2.26.2 npm package) as the benchmark
// engine "usearch", through UsearchPeer. Its description names the NumKong
// kernel the metric dispatched to; a build whose kernel is "serial" (no SIMD
// kernel for this CPU) is refused, so the bench never reports usearch
// without its SIMD.
#ifndef ZYPHYR_BENCH_ENGINES_USEARCH_ENGINE_H_
#define ZYPHYR_BENCH_ENGINES_USEARCH_ENGINE_H_

#include <string>

#include "bench/engines/peer_engine.h"
#include "bench/peers/usearch_peer.h"

namespace zyphyr {

class UsearchEngine final : public PeerEngine<UsearchPeer> {
 public:
  std::string_view name() const override { return "usearch"; }
  // Once built: "usearch 2.26.2 (npm usearch@2.26.2, NumKong dynamic dispatch, kernel skylake; compiled for ...)".
  std::string description() const override;

 protected:
  // Errors: the peer's; Unsupported "usearch engine: NumKong dispatched the
  // f32 metric to its serial kernel ..." when no SIMD kernel was chosen.
  Status DoBuild(std::span<const float> rows, std::size_t dim, Metric metric, const EngineBuildParams& params) override;
  Status DoSearch(std::span<const float> query, std::size_t k, std::size_t ef,
                  std::vector<std::uint64_t>* ids) const override;

 private:
  std::string isa_;  // The built metric's kernel.
};

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_ENGINES_USEARCH_ENGINE_H_
