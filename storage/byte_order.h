// Little-endian loads and stores of fixed-width integers at any byte address,
// for the headers of shard files and mutation logs. (Only little-endian hosts
// are supported: shard_format.h asserts it, so these are plain copies.)
#ifndef ZYPHYR_STORAGE_BYTE_ORDER_H_
#define ZYPHYR_STORAGE_BYTE_ORDER_H_

#include <cstdint>
#include <cstring>

namespace zyphyr {

template <typename T>
T LoadLe(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
void StoreLe(unsigned char* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

}  // namespace zyphyr

#endif  // ZYPHYR_STORAGE_BYTE_ORDER_H_
