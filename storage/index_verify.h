// `zyphyr verify`: a shard file or an index directory checked completely.
#ifndef ZYPHYR_STORAGE_INDEX_VERIFY_H_
#define ZYPHYR_STORAGE_INDEX_VERIFY_H_

#include <string>
#include <vector>

#include "src/core/status.h"

namespace zyphyr {

// Checks a shard file or an index directory completely: every checksum (the
// vectors' too), the structure, the manifest against the shards, and the logs.
// Returns a line per thing checked; the first problem as the error.
Result<std::vector<std::string>> VerifyPath(const std::string& path);

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_INDEX_VERIFY_H_
