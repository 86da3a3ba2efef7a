// Encoding: how an index's graph search sees its vectors. float32 searches the
// full-precision rows; int8 (ScalarQuantizer) and pq (ProductQuantizer)
// search compact codes and re-rank the best candidates with the full rows.
// The values are pinned: shard files store them (storage/FORMAT.md).
#ifndef ZYPHYR_SRC_QUANT_ENCODING_H_
#define ZYPHYR_SRC_QUANT_ENCODING_H_

#include <cstdint>
#include <string_view>

#include "src/core/status.h"

namespace zyphyr {

enum class Encoding : std::uint32_t {
  kFloat32 = 0,
  kInt8 = 1,
  kPq = 2,
};

// "float32", "int8", "pq".
std::string_view EncodingName(Encoding encoding);

// The inverse of EncodingName. InvalidArgument "unknown encoding 'x'
// (expected float32, int8 or pq)".
Result<Encoding> ParseEncoding(std::string_view name);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_QUANT_ENCODING_H_
