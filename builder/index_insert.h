// `zyphyr insert`: vectors appended to an index directory through its shards'
// mutation logs (storage/index_mutations.h), each routed to a shard.
#ifndef ZYPHYR_BUILDER_INDEX_INSERT_H_
#define ZYPHYR_BUILDER_INDEX_INSERT_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "src/core/status.h"
#include "storage/file_ops.h"

namespace zyphyr {

// Appends `count` vectors (row-major, dim floats each) to the index in `dir`
// through the mutation log of the last shard (range partition) or of the
// shard with the nearest centroid (k-means partition, so routed searches find
// them); they get ids next_id, next_id + 1, ... Every vector is checked
// (dimension, NaN/Inf, zero norm under cosine) before anything is written;
// errors as AppendToIndex. Returns the first id given. Durable on return.
Result<std::uint64_t> InsertIntoIndex(const std::string& dir, std::span<const float> rows, std::size_t count,
                                      const FileOps& ops = SystemFileOps());

}  // namespace zyphyr

#endif  // ZYPHYR_BUILDER_INDEX_INSERT_H_
