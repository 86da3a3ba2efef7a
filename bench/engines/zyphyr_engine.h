// Zyphyr's own HnswIndex as a benchmark engine.
#ifndef ZYPHYR_BENCH_ENGINES_ZYPHYR_ENGINE_H_
#define ZYPHYR_BENCH_ENGINES_ZYPHYR_ENGINE_H_

#include <memory>

#include "bench/engines/engine.h"
#include "src/index/hnsw_index.h"

namespace zyphyr {

class ZyphyrEngine final : public Engine {
 public:
  std::string_view name() const override { return "zyphyr"; }
  std::string description() const override;
  std::size_t MemoryBytes() const override;

 protected:
  Status DoBuild(std::span<const float> rows, std::size_t dim, Metric metric, const EngineBuildParams& params) override;
  Status DoSearch(std::span<const float> query, std::size_t k, std::size_t ef,
                  std::vector<std::uint64_t>* ids) const override;

 private:
  std::unique_ptr<HnswIndex> index_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_ENGINES_ZYPHYR_ENGINE_H_
