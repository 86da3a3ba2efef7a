#include "src/core/element_type.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace zyphyr {

std::string_view ElementTypeName(ElementType type) {
  switch (type) {
    case ElementType::kFloat32:
      return "float32";
    case ElementType::kUint8:
      return "uint8";
    case ElementType::kInt8:
      return "int8";
  }
  return "unknown";
}

Result<ElementType> ParseElementType(std::string_view name) {
  if (name == "float32") return ElementType::kFloat32;
  if (name == "uint8") return ElementType::kUint8;
  if (name == "int8") return ElementType::kInt8;
  return Status::InvalidArgument("unknown element type '" + std::string(name) + "' (expected float32, uint8 or int8)");
}

namespace {

std::string FormatValue(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
  return buf;
}

}  // namespace

std::string StoresText(ElementType type) {
  return ": the index stores " + std::string(ElementTypeName(type)) + " rows";
}

Status CheckFitsElementType(std::span<const float> values, ElementType type, std::string_view what,
                            std::string_view context) {
  if (!IsByteElement(type)) return Status::Ok();
  const float lo = ElementMin(type);
  const float hi = ElementMax(type);
  for (std::size_t j = 0; j < values.size(); ++j) {
    const float v = values[j];
    if (!(v >= lo && v <= hi) || v != std::nearbyint(v)) {
      return Status::InvalidArgument(std::string(what) + " column " + std::to_string(j) + " holds " + FormatValue(v) +
                                     (type == ElementType::kInt8 ? ", not an " : ", not a ") +
                                     std::string(ElementTypeName(type)) + " (" + FormatValue(lo) + ".." +
                                     FormatValue(hi) + ")" + std::string(context));
    }
  }
  return Status::Ok();
}

}  // namespace zyphyr
