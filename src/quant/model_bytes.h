// Helpers shared by the quantizers' serialised forms (scalar_quantizer.cpp,
// product_quantizer.cpp): little-endian loads and stores, and the texts
// their error messages quote. Internal to src/quant.
#ifndef ZYPHYR_SRC_QUANT_MODEL_BYTES_H_
#define ZYPHYR_SRC_QUANT_MODEL_BYTES_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>

#include "src/core/status.h"

namespace zyphyr::quant_internal {

// The serialised forms are little-endian; on such a host that is a plain copy.
static_assert(std::endian::native == std::endian::little, "Zyphyr supports little-endian hosts only");

template <typename T>
T Load(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
void Store(std::uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

// "0.25", "nan", "-inf": enough digits to tell any two floats apart.
inline std::string FloatText(float v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(v));
  return buf;
}

inline std::string Hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

// The checks every serialised model starts with, in this order: at least
// `header_bytes` bytes, the magic, the version (Unsupported otherwise) and a
// zero u32 at byte 20. Messages start with "<who>: ", e.g. "scalar
// quantizer: bad magic (expected \"ZSQ8\")".
inline Status CheckModelHeader(std::span<const std::uint8_t> bytes, const char (&magic)[4], std::uint32_t version,
                               std::size_t header_bytes, const std::string& who) {
  if (bytes.size() < header_bytes) {
    return Status::Corruption(who + ": truncated: " + std::to_string(bytes.size()) + " bytes, the header alone is " +
                              std::to_string(header_bytes));
  }
  const std::uint8_t* p = bytes.data();
  if (std::memcmp(p, magic, sizeof(magic)) != 0) {
    return Status::Corruption(who + ": bad magic (expected \"" + std::string(magic, sizeof(magic)) + "\")");
  }
  const auto stored = Load<std::uint32_t>(p + 4);
  if (stored != version) {
    return Status::Unsupported(who + ": version " + std::to_string(stored) + " (this build reads version " +
                               std::to_string(version) + ")");
  }
  const auto reserved = Load<std::uint32_t>(p + 20);
  if (reserved != 0) {
    return Status::Corruption(who + ": reserved header field is " + Hex32(reserved) + " (expected 0)");
  }
  return Status::Ok();
}

}  // namespace zyphyr::quant_internal

#endif  // ZYPHYR_SRC_QUANT_MODEL_BYTES_H_
