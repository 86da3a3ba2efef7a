#include "src/core/element_type.h"

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

}  // namespace zyphyr
