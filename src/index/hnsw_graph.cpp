#include "src/index/hnsw_graph.h"

#include "src/core/check.h"

namespace zyphyr {

HnswGraph::HnswGraph(std::size_t M, std::vector<std::uint8_t> levels)
    : M_(M), level0_stride_(1 + 2 * M), levels_(std::move(levels)) {
  ZYPHYR_CHECK(M >= 1);
  level0_ = AlignedBuffer<std::uint32_t>(levels_.size() * level0_stride_);
  upper_offsets_.resize(levels_.size());
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < levels_.size(); ++i) {
    upper_offsets_[i] = total;
    total += static_cast<std::uint64_t>(levels_[i]) * (M_ + 1);
  }
  upper_.assign(total, 0);
}

std::size_t HnswGraph::MemoryBytes() const {
  return level0_.size() * sizeof(std::uint32_t) + upper_.capacity() * sizeof(std::uint32_t) +
         upper_offsets_.capacity() * sizeof(std::uint64_t) + levels_.capacity();
}

}  // namespace zyphyr
