#include "builder/shard_build.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <random>

#include "src/index/hnsw_index.h"
#include "storage/index_directory.h"
#include "storage/shard.h"

namespace zyphyr {
namespace {

std::uint64_t RandomUid() {
  std::random_device rd;
  std::uint64_t uid = 0;
  while (uid == 0) uid = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  return uid;
}

// The quantizer and codes of shard `number`'s rows under `quantization`
// (none under float32). Errors name the shard, not the (staging) path:
// "shard 0: product quantizer: 100 training rows are fewer than ...".
struct ShardCodes {
  std::optional<Quantizer> quantizer;
  EncodedRows codes;
};
Result<ShardCodes> MakeShardCodes(std::size_t number, const HnswIndex& index, const QuantizerOptions& quantization) {
  ShardCodes out;
  if (quantization.encoding == Encoding::kFloat32) return out;
  Result<Quantizer> trained = Quantizer::Train(index.store().rows(), quantization);
  if (!trained.ok()) return trained.status().WithContext("shard " + std::to_string(number));
  out.quantizer = std::move(*trained);
  out.codes = out.quantizer->Encode(index.store().rows(), quantization.threads);
  return out;
}

// The shard at `path` of the index's rows and graph, with `codes` if any.
Result<WrittenShard> WriteShardWithCodes(const std::string& path, const HnswIndex& index, const ShardParams& base,
                                         const ShardCodes& codes, const FileOps& ops) {
  ShardParams params = base;
  if (codes.quantizer) {
    params.quantizer = &*codes.quantizer;
    params.codes = &codes.codes;
  }
  return WriteShard(path, index.store().rows(), index.store().ids(), index.graph().view(), params, ops);
}

// Shard `number` of `generation` over `store` (ids increasing) written into
// `dir`; WriteShard's errors prefixed "<dir>: " when `name_dir`.
Result<ManifestShard> BuildAndWrite(const std::string& dir, std::size_t number, std::uint64_t generation,
                                    VectorStore store, const HnswBuildOptions& hnsw,
                                    const QuantizerOptions& quantization, ElementType element_type,
                                    const FileOps& ops, bool name_dir) {
  const std::span<const std::uint64_t> ids = store.ids();
  ManifestShard entry;
  entry.file = ShardFileName(number, generation);
  entry.log = ShardLogName(number, generation);
  entry.uid = RandomUid();
  entry.rows = store.size();
  entry.id_begin = ids.empty() ? 0 : ids.front();
  entry.id_end = ids.empty() ? 0 : ids.back() + 1;
  Result<std::unique_ptr<HnswIndex>> index = HnswIndex::Build(std::move(store), hnsw);
  if (!index.ok()) return index.status();
  Result<ShardCodes> codes = MakeShardCodes(number, **index, quantization);
  if (!codes.ok()) return codes.status();
  Result<WrittenShard> written = WriteShardWithCodes(
      JoinPath(dir, entry.file), **index,
      ShardParams{.ef_construction = static_cast<std::uint32_t>(std::max(hnsw.ef_construction, hnsw.M)),
                  .seed = hnsw.seed,
                  .uid = entry.uid,
                  .element_type = element_type},
      *codes, ops);
  if (!written.ok()) return name_dir ? written.status().WithContext(dir) : written.status();
  entry.bytes = written->bytes;
  entry.header_crc32c = written->header_crc32c;
  return entry;
}

}  // namespace

QuantizerOptions QuantizationOf(const IndexManifest& m, std::size_t threads) {
  return {.encoding = m.encoding, .pq_m = m.pq_m, .threads = threads, .seed = m.seed};
}

Result<ManifestShard> BuildShardFile(const std::string& dir, std::size_t number, VectorStore store,
                                     const HnswBuildOptions& hnsw, const QuantizerOptions& quantization,
                                     ElementType element_type, const FileOps& ops) {
  const std::span<const std::uint64_t> ids = store.ids();
  for (std::size_t i = 1; i < ids.size(); ++i) {
    if (ids[i] <= ids[i - 1]) return Status::InvalidArgument(dir + ": ids must increase");
  }
  return BuildAndWrite(dir, number, 1, std::move(store), hnsw, quantization, element_type, ops, true);
}

Result<ManifestShard> RebuildShardFile(const std::string& dir, std::size_t number, std::uint64_t generation,
                                       VectorStore store, const HnswBuildOptions& hnsw,
                                       const QuantizerOptions& quantization, ElementType element_type,
                                       const FileOps& ops) {
  return BuildAndWrite(dir, number, generation, std::move(store), hnsw, quantization, element_type, ops, false);
}

}  // namespace zyphyr
