#include "builder/open_index.h"

#include "src/index/hnsw_index.h"

namespace zyphyr {

Result<std::unique_ptr<StoredIndex>> OpenSearchableIndex(const std::string& dir, StoredIndexOptions options) {
  options.index_inserted = &HnswIndex::Build;
  return StoredIndex::Open(dir, options);
}

}  // namespace zyphyr
