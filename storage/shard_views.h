// The checks Shard::Open makes of a shard file's sections, each forming a
// view into the file only once the bytes it covers are checked (FORMAT.md,
// "What a reader checks", 6-8).
//
// Each takes the whole file image and its header, as ShardHeader::DecodeFrom
// and CheckSectionTable accepted them (so every section the encoding needs
// is present once, inside the image, with the length the header implies),
// and returns Corruption "<path>: <section> section at offset N: <what>" for
// the first fault it finds.
#ifndef ZYPHYR_STORAGE_SHARD_VIEWS_H_
#define ZYPHYR_STORAGE_SHARD_VIEWS_H_

#include <cstdint>
#include <span>
#include <string>

#include "src/core/status.h"
#include "src/index/hnsw_graph_view.h"
#include "src/index/quantized_searcher.h"
#include "src/quant/quantizer.h"
#include "storage/shard_header.h"

namespace zyphyr {

// The CRC of `section` (its `length` bytes of `file`).
Status CheckSectionChecksum(std::span<const unsigned char> file, const ShardSection& section, const std::string& path);

// The CRCs of every section in table order, the vectors' only when
// `vectors` (it reads every row).
Status CheckSectionChecksums(const ShardHeader& header, std::span<const unsigned char> file, bool vectors,
                             const std::string& path);

// The ids, strictly increasing.
Result<std::span<const std::uint64_t>> CheckIds(const ShardHeader& header, std::span<const unsigned char> file,
                                                const std::string& path);

// The graph of sections 3-6: every level at most the top level, which the
// entry point reaches; upper offsets the running sum of the levels, which
// add up to the header's upper links; every block's count within its bound
// and every link naming an existing node present on that level. The view has
// no compact links.
Result<HnswGraphView> CheckGraph(const ShardHeader& header, std::span<const unsigned char> file,
                                 const std::string& path);

// With codes: the compact links (sections 11-13) of `graph` (CheckGraph's),
// of the lengths its levels imply and byte for byte what encoding it gives.
Result<CompactLinksView> CheckCompactLinks(const ShardHeader& header, std::span<const unsigned char> file,
                                           const HnswGraphView& graph, const std::string& path);

// With codes: the quantizer (its model reads back for the header's encoding,
// metric and dimension, with the header's code stride), the codes, and the
// biases when the encoding has them, every one finite.
struct CheckedCodes {
  Quantizer quantizer;
  CodesView codes;
};
Result<CheckedCodes> CheckCodes(const ShardHeader& header, std::span<const unsigned char> file,
                                const std::string& path);

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_SHARD_VIEWS_H_
