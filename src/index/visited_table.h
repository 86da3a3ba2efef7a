// VisitedTable: "have I seen node i in this search?" in O(1) per query.
//
// Each slot holds the epoch in which it was last marked; starting a search
// bumps the epoch instead of clearing the array, so a reset costs nothing
// except once every 255 searches (a memset of one byte per node). One byte
// per node keeps the table small where it is resident beside compact codes
// and links, and cache-friendlier.
//
// VisitedPool hands tables to concurrent searches: Acquire() takes a free one
// (or makes one), the returned lease gives it back on destruction.
#ifndef ZYPHYR_SRC_INDEX_VISITED_TABLE_H_
#define ZYPHYR_SRC_INDEX_VISITED_TABLE_H_

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace zyphyr {

class VisitedTable {
 public:
  using Epoch = std::uint8_t;

  explicit VisitedTable(std::size_t size) : marks_(size, 0) {}

  std::size_t size() const { return marks_.size(); }

  // Forgets every mark.
  void Reset() {
    if (++epoch_ == 0) {
      std::fill(marks_.begin(), marks_.end(), Epoch{0});
      epoch_ = 1;
    }
  }

  bool Test(std::uint32_t node) const { return marks_[node] == epoch_; }

  // Marks `node`; returns whether it was already marked.
  bool TestAndSet(std::uint32_t node) {
    bool seen = marks_[node] == epoch_;
    marks_[node] = epoch_;
    return seen;
  }

  void Prefetch(std::uint32_t node) const { __builtin_prefetch(marks_.data() + node, 1, 3); }

 private:
  std::vector<Epoch> marks_;
  Epoch epoch_ = 1;
};

class VisitedPool {
 public:
  explicit VisitedPool(std::size_t table_size) : table_size_(table_size) {}

  class Lease {
   public:
    Lease(VisitedPool* pool, std::unique_ptr<VisitedTable> table) : pool_(pool), table_(std::move(table)) {}
    ~Lease() {
      if (table_) pool_->Release(std::move(table_));
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    VisitedTable& operator*() { return *table_; }
    VisitedTable* operator->() { return table_.get(); }

   private:
    VisitedPool* pool_;
    std::unique_ptr<VisitedTable> table_;
  };

  // A table, already Reset() for a new search.
  Lease Acquire() {
    std::unique_ptr<VisitedTable> table;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        table = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!table) table = std::make_unique<VisitedTable>(table_size_);
    table->Reset();
    return Lease(this, std::move(table));
  }

 private:
  void Release(std::unique_ptr<VisitedTable> table) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(table));
  }

  std::size_t table_size_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<VisitedTable>> free_;
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_INDEX_VISITED_TABLE_H_
