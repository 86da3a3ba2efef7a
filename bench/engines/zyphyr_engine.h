// Zyphyr as a benchmark engine: an HnswIndex built in memory, or a stored
// index directory (storage/stored_index.h) opened and searched in place, in
// which case "build" is the open and the rows given to Build are only checked
// against the index (same count and dimension).
#ifndef ZYPHYR_BENCH_ENGINES_ZYPHYR_ENGINE_H_
#define ZYPHYR_BENCH_ENGINES_ZYPHYR_ENGINE_H_

#include <memory>
#include <string>
#include <utility>

#include "bench/engines/engine.h"
#include "src/index/hnsw_index.h"
#include "storage/stored_index.h"

namespace zyphyr {

class ZyphyrEngine final : public Engine {
 public:
  // `index_dir` empty: build in memory; else open that index directory.
  explicit ZyphyrEngine(std::string index_dir = {}) : index_dir_(std::move(index_dir)) {}

  std::string_view name() const override { return "zyphyr"; }
  std::string note() const override;
  std::string description() const override;
  std::size_t MemoryBytes() const override;

 protected:
  Status DoBuild(std::span<const float> rows, std::size_t dim, Metric metric, const EngineBuildParams& params) override;
  Status DoSearch(std::span<const float> query, std::size_t k, std::size_t ef,
                  std::vector<std::uint64_t>* ids) const override;

 private:
  std::string index_dir_;
  std::unique_ptr<HnswIndex> index_;
  std::unique_ptr<StoredIndex> stored_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_ENGINES_ZYPHYR_ENGINE_H_
