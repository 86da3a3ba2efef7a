// Inserts and deletes through an index directory's mutation logs
// (storage/mutation_log.h). Each takes the directory's lock
// (storage/index_directory.h), so concurrent ones from any processes
// serialize, and is durable when it returns (its records fsync'd).
#ifndef ZYPHYR_STORAGE_INDEX_MUTATIONS_H_
#define ZYPHYR_STORAGE_INDEX_MUTATIONS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "src/core/status.h"
#include "storage/file_ops.h"
#include "storage/index_manifest.h"

namespace zyphyr {

// The shard of `m` (a position in m.shards) each of `count` vectors
// (row-major, dim floats each, already checked) goes to. builder/index_insert.h
// routes them.
using InsertRouter = std::function<Result<std::vector<std::size_t>>(const IndexManifest& m, std::span<const float> rows,
                                                                    std::size_t count)>;

// Appends `count` vectors (row-major, dim floats each) to the index in `dir`
// through the mutation logs of the shards `route` picks, under the lock (with
// the manifest read under it); they get ids next_id, next_id + 1, ...
// Every vector is checked (dimension, NaN/Inf, zero norm under cosine) before
// anything is written: InvalidArgument "nothing to insert", "vectors have
// dimension 5, the index <dir> has 12", those of PrepareVector naming
// "vector i". Returns the first id given. Durable on return.
Result<std::uint64_t> AppendToIndex(const std::string& dir, std::span<const float> rows, std::size_t count,
                                    const InsertRouter& route, const FileOps& ops = SystemFileOps());

// Deletes `ids` (duplicates ignored) through the mutation logs of the shards
// holding them. InvalidArgument "id 7 is not in the index" (or "id 7 is
// already deleted") before anything is written if one is not live. Returns how
// many were deleted. Durable on return.
Result<std::size_t> DeleteFromIndex(const std::string& dir, std::span<const std::uint64_t> ids,
                                    const FileOps& ops = SystemFileOps());

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_INDEX_MUTATIONS_H_
