// Opening an index directory for search: StoredIndex::Open with the vectors
// inserted through the logs indexed (an HNSW graph each shard keeps beside it).
#ifndef ZYPHYR_BUILDER_OPEN_INDEX_H_
#define ZYPHYR_BUILDER_OPEN_INDEX_H_

#include <memory>
#include <string>

#include "src/core/status.h"
#include "storage/stored_index.h"

namespace zyphyr {

// StoredIndex::Open(dir, options) with options.index_inserted set to
// HnswIndex::Build (options.threads build those graphs), so Search finds the
// inserted vectors. Errors: those of StoredIndex::Open and HnswIndex::Build.
Result<std::unique_ptr<StoredIndex>> OpenSearchableIndex(const std::string& dir, StoredIndexOptions options = {});

}  // namespace zyphyr

#endif  // ZYPHYR_BUILDER_OPEN_INDEX_H_
