// Zyphyr as a benchmark engine, one of:
//  - an HnswIndex built in memory (encoding float32, no index directory);
//  - an index directory built by Build in `build_dir` with codes (encoding
//    int8 or pq: "build" is the graph, the quantizer, the codes and writing
//    the shard), then opened and searched in place, the rows re-read from
//    the file for re-ranking;
//  - an existing index directory opened and searched in place, in which case
//    "build" is the open and the rows given to Build are only checked against
//    the index (same count and dimension).
#ifndef ZYPHYR_BENCH_ENGINES_ZYPHYR_ENGINE_H_
#define ZYPHYR_BENCH_ENGINES_ZYPHYR_ENGINE_H_

#include <memory>
#include <string>
#include <utility>

#include "bench/engines/engine.h"
#include "src/index/hnsw_index.h"
#include "src/quant/quantizer.h"
#include "storage/stored_index.h"

namespace zyphyr {

struct ZyphyrEngineConfig {
  std::string index_dir;  // An existing index directory to open; empty: build one.
  // Empty index_dir: float32 builds in memory; int8 and pq build an index
  // directory at build_dir (which must not exist).
  QuantizerOptions quantization;
  std::string build_dir;
  std::size_t rerank = 0;  // HnswSearchOptions::rerank.
  RerankRows rerank_rows = RerankRows::kAuto;  // Codes: where re-ranking reads rows.
};

class ZyphyrEngine final : public Engine {
 public:
  ZyphyrEngine() = default;
  explicit ZyphyrEngine(ZyphyrEngineConfig config) : config_(std::move(config)) {
    if (config_.quantization.encoding != Encoding::kFloat32) {
      name_ += "-" + std::string(EncodingName(config_.quantization.encoding));
    }
  }

  // "zyphyr", or "zyphyr-int8" / "zyphyr-pq" when searching codes.
  std::string_view name() const override { return name_; }
  std::string note() const override;
  std::string description() const override;
  std::size_t MemoryBytes() const override;

 protected:
  Status DoBuild(std::span<const float> rows, std::size_t dim, Metric metric, const EngineBuildParams& params) override;
  Status DoSearch(std::span<const float> query, std::size_t k, std::size_t ef,
                  std::vector<std::uint64_t>* ids) const override;

 private:
  ZyphyrEngineConfig config_;
  std::string name_ = "zyphyr";
  std::unique_ptr<HnswIndex> index_;
  std::unique_ptr<StoredIndex> stored_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_BENCH_ENGINES_ZYPHYR_ENGINE_H_
