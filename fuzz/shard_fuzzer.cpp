// libFuzzer target for the shard reader (storage/shard.h).
//
// Each input (see fuzz/fuzz_input.h: a mode byte, then a shard image) is
// written to a per-process scratch file and opened with Shard::Open. Whatever
// the bytes, opening must not crash or read out of bounds, and a refusal must
// name the file. A shard that opens must verify (when its vectors were
// checked at open), and be searchable: plain and filtered searches with fixed
// queries return at most ef distinct nodes, all of them existing rows.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "src/core/aligned_buffer.h"
#include "src/core/vector_store.h"
#include "src/index/scored_node.h"
#include "storage/shard.h"

namespace zyphyr::fuzz {
namespace {

// Searches `shard` with codes (the rows read back from the file for
// re-ranking) for `query`, prepared, with beam width `ef` and checks the result.
void SearchCodesAndCheck(const Shard& shard, const QuantizedSearcher& codes, const float* query, std::size_t ef,
                         std::span<const std::uint8_t> excluded) {
  std::vector<ScoredNode> reranked;
  Status st = codes.Search(query, ef, std::min<std::size_t>(ef, 10), ef, &reranked, excluded);
  if (!st.ok()) Fail("re-ranking failed: " + st.ToString());
  if (reranked.size() > ef) Fail("code search returned " + std::to_string(reranked.size()) + " nodes");
  for (const ScoredNode& n : reranked) {
    if (n.node >= shard.size()) Fail("code search returned node " + std::to_string(n.node));
    if (!excluded.empty() && excluded[n.node] != 0) Fail("code search returned excluded node");
  }
}

// Searches `shard` for `query` (dim floats) with beam width `ef` and checks
// the result, with the searcher of its encoding.
void SearchAndCheck(const Shard& shard, const std::vector<float>& query, std::size_t ef,
                    std::span<const std::uint8_t> excluded) {
  AlignedBuffer<float> prepared(PaddedDim(shard.dim()));
  if (!PrepareVector(query, shard.dim(), shard.metric(), "query", prepared.data()).ok()) return;
  if (const QuantizedSearcher* codes = shard.quantized_searcher()) {
    if (shard.searcher() != nullptr) Fail("a shard with codes built a searcher over its rows");
    SearchCodesAndCheck(shard, *codes, prepared.data(), ef, excluded);
    return;
  }
  if (shard.searcher() == nullptr) Fail("a float32 shard has no searcher");
  std::vector<ScoredNode> out;
  shard.searcher()->Search(prepared.data(), ef, &out, excluded);
  if (out.size() > ef) Fail("search returned " + std::to_string(out.size()) + " nodes for ef " + std::to_string(ef));
  if (shard.size() > 0 && out.empty() && excluded.empty()) Fail("search of a non-empty shard returned nothing");
  std::set<std::uint32_t> seen;
  for (const ScoredNode& n : out) {
    if (n.node >= shard.size())
      Fail("search returned node " + std::to_string(n.node) + " of " + std::to_string(shard.size()));
    if (!seen.insert(n.node).second) Fail("search returned node " + std::to_string(n.node) + " twice");
    if (!excluded.empty() && excluded[n.node] != 0) Fail("search returned excluded node " + std::to_string(n.node));
  }
}

void Exercise(const Shard& shard, bool vectors_checked) {
  const std::size_t n = shard.size();
  const std::size_t dim = shard.dim();
  if (shard.ids().size() != n || shard.rows().size != n || shard.graph().size != n) Fail("inconsistent sizes");
  Status verified = shard.Verify();
  if (vectors_checked && !verified.ok()) Fail("opened with verify_vectors but Verify() says " + verified.ToString());
  if (n > 0) {
    for (std::size_t i : {std::size_t{0}, n / 2, n - 1}) {
      const std::optional<std::uint32_t> node = shard.NodeOf(shard.ids()[i]);
      if (!node || *node != i) Fail("NodeOf(ids[" + std::to_string(i) + "]) is not " + std::to_string(i));
    }
  }
  // A fixed query, and one equal to the first row (when its floats are usable).
  std::vector<float> query(dim);
  for (std::size_t i = 0; i < dim; ++i) query[i] = 0.25f * static_cast<float>(static_cast<int>(i % 7) - 3) + 0.1f;
  for (std::size_t ef : {std::size_t{1}, std::size_t{16}}) SearchAndCheck(shard, query, ef, {});
  if (n > 0) {
    std::vector<float> row0(shard.rows().data, shard.rows().data + dim);
    SearchAndCheck(shard, row0, 16, {});
    // Every other node deleted: searches walk through them but never return them.
    std::vector<std::uint8_t> excluded(n);
    for (std::size_t i = 0; i < n; i += 2) excluded[i] = 1;
    SearchAndCheck(shard, query, 16, excluded);
  }
}

// Opens the shard at file.path and exercises it (see the top of the file).
void CheckShardFile(const FuzzFile& file) {
  ShardOpenOptions options;
  options.verify_vectors = (file.mode & kVerifyVectors) != 0;
  Result<std::unique_ptr<Shard>> shard = Shard::Open(*file.path, options);
  if (!shard.ok()) {
    CheckErrorNamesPath(shard.status(), *file.path);
    return;
  }
  Exercise(**shard, options.verify_vectors);
}

}  // namespace
}  // namespace zyphyr::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return zyphyr::fuzz::RunFuzzInput(data, size, zyphyr::fuzz::RepairShard, "zyphyr-shard-fuzz", ".zys",
                                    zyphyr::fuzz::CheckShardFile);
}
