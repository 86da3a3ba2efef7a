// ElementType: how the components of stored rows are represented, as the
// dataset publishes them: float32 (DEEP1B, Text-to-Image, ann-benchmarks
// files), uint8 (BIGANN/SIFT1B) or int8 (MS SPACEV1B). A shard keeps rows in
// the type of its input, so byte rows take a quarter of float32's bytes.
//
// The numeric values are pinned: shard headers and manifests store them.
#ifndef ZYPHYR_SRC_CORE_ELEMENT_TYPE_H_
#define ZYPHYR_SRC_CORE_ELEMENT_TYPE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "src/core/status.h"

namespace zyphyr {

enum class ElementType : std::uint32_t {
  kFloat32 = 0,
  kUint8 = 1,
  kInt8 = 2,
};

// "float32", "uint8", "int8".
std::string_view ElementTypeName(ElementType type);

// Parses those names; anything else is InvalidArgument naming it.
Result<ElementType> ParseElementType(std::string_view name);

// Bytes of one component: 4, 1, 1.
inline constexpr std::size_t ElementBytes(ElementType type) { return type == ElementType::kFloat32 ? 4 : 1; }

// True for the byte types (uint8, int8).
inline constexpr bool IsByteElement(ElementType type) { return type != ElementType::kFloat32; }

// The range of values a byte type holds exactly: [0, 255] or [-128, 127].
inline constexpr float ElementMin(ElementType type) { return type == ElementType::kInt8 ? -128.0f : 0.0f; }
inline constexpr float ElementMax(ElementType type) { return type == ElementType::kInt8 ? 127.0f : 255.0f; }

// OK when every value of `values` is an integer in the byte type's range
// (always for float32). Else InvalidArgument "<what> column 5 holds 0.5, not
// a uint8 (0..255)" for the first that is not (columns count from 0), with
// `context` appended when not empty (e.g. ": the index stores uint8 rows").
Status CheckFitsElementType(std::span<const float> values, ElementType type, std::string_view what,
                            std::string_view context = {});

// ": the index stores uint8 rows", the context of CheckFitsElementType for
// queries and inserted vectors.
std::string StoresText(ElementType type);

}  // namespace zyphyr

#endif  // ZYPHYR_SRC_CORE_ELEMENT_TYPE_H_
