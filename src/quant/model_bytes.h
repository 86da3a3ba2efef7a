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
#include <vector>

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

// A serialised model of header_bytes + 4 * payload.size() bytes with the
// header fields every model shares: the magic, the version (u32 at byte 4),
// `dim` (u64 at byte 8) and a zero u32 at byte 20, then the floats of
// `payload`. The model's own field at byte 16 is left 0 for the caller.
inline std::vector<std::uint8_t> ModelBytes(const char (&magic)[4], std::uint32_t version, std::size_t header_bytes,
                                            std::uint64_t dim, std::span<const float> payload) {
  std::vector<std::uint8_t> out(header_bytes + payload.size() * sizeof(float));
  std::memcpy(out.data(), magic, sizeof(magic));
  Store<std::uint32_t>(out.data() + 4, version);
  Store<std::uint64_t>(out.data() + 8, dim);
  Store<std::uint32_t>(out.data() + 20, 0);
  std::memcpy(out.data() + header_bytes, payload.data(), payload.size() * sizeof(float));
  return out;
}

// Ok when `bytes` is exactly the `need` bytes a model of dimension `dim`
// takes; else Corruption "<who>: truncated: 20 bytes, dimension 3 needs 36"
// or "<who>: 4 bytes past the end (dimension 3 needs 36)".
inline Status CheckModelSize(std::span<const std::uint8_t> bytes, std::size_t dim, std::size_t need,
                             const std::string& who) {
  if (bytes.size() < need) {
    return Status::Corruption(who + ": truncated: " + std::to_string(bytes.size()) + " bytes, dimension " +
                              std::to_string(dim) + " needs " + std::to_string(need));
  }
  if (bytes.size() > need) {
    return Status::Corruption(who + ": " + std::to_string(bytes.size() - need) + " bytes past the end (dimension " +
                              std::to_string(dim) + " needs " + std::to_string(need) + ")");
  }
  return Status::Ok();
}

}  // namespace zyphyr::quant_internal

#endif  // ZYPHYR_SRC_QUANT_MODEL_BYTES_H_
