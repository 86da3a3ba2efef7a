// The bytes of little-endian values, for tests that write files of the
// row-file and ground-truth formats by hand (headers, prefixes, payloads).
#ifndef ZYPHYR_TESTS_IO_LITTLE_ENDIAN_BYTES_H_
#define ZYPHYR_TESTS_IO_LITTLE_ENDIAN_BYTES_H_

#include <cstdint>
#include <string>

namespace zyphyr::testing {

inline std::string U32(std::uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
inline std::string I32(std::int32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
inline std::string F32(float v) { return std::string(reinterpret_cast<const char*>(&v), 4); }

}  // namespace zyphyr::testing

#endif  // ZYPHYR_TESTS_IO_LITTLE_ENDIAN_BYTES_H_
