// AlignedBuffer<T>: an owning, zero-initialised array aligned to 64 bytes (one
// cache line, one AVX-512 register), movable, not copyable.
//
// Buffers of kHugePageThreshold bytes or more (the rows and links of an
// index) are aligned to 2 MiB and marked MADV_HUGEPAGE before they are first
// touched, so the kernel backs them with transparent huge pages where it
// allows ("madvise" or "always" in /sys/kernel/mm/transparent_hugepage/enabled):
// searches jump between random rows, and one TLB entry then covers 2 MiB
// instead of 4 KiB. Where huge pages are unavailable the hint is ignored.
#ifndef ZYPHYR_SRC_CORE_ALIGNED_BUFFER_H_
#define ZYPHYR_SRC_CORE_ALIGNED_BUFFER_H_

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

namespace zyphyr {

inline constexpr std::size_t kCacheLine = 64;
inline constexpr std::size_t kHugePage = std::size_t{2} << 20;
inline constexpr std::size_t kHugePageThreshold = std::size_t{4} << 20;

template <typename T>
class AlignedBuffer {
  static_assert(std::is_trivially_copyable_v<T>, "AlignedBuffer holds plain data only");

 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t count) : size_(count) {
    if (count == 0) return;
    const std::size_t align = count * sizeof(T) >= kHugePageThreshold ? kHugePage : kCacheLine;
    const std::size_t bytes = (count * sizeof(T) + align - 1) / align * align;
    data_ = static_cast<T*>(std::aligned_alloc(align, bytes));
    if (data_ == nullptr) throw std::bad_alloc();
    if (align == kHugePage) ::madvise(static_cast<void*>(data_), bytes, MADV_HUGEPAGE);
    std::memset(static_cast<void*>(data_), 0, bytes);
  }
  ~AlignedBuffer() { std::free(data_); }

  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
    if (this != &other) {
      std::free(data_);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  std::span<T> span() { return {data_, size_}; }
  std::span<const T> span() const { return {data_, size_}; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_CORE_ALIGNED_BUFFER_H_
