#include "src/quant/encoding.h"

#include <string>

namespace zyphyr {

std::string_view EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kFloat32:
      return "float32";
    case Encoding::kInt8:
      return "int8";
    case Encoding::kPq:
      return "pq";
  }
  return "unknown";
}

Result<Encoding> ParseEncoding(std::string_view name) {
  for (Encoding e : {Encoding::kFloat32, Encoding::kInt8, Encoding::kPq}) {
    if (name == EncodingName(e)) return e;
  }
  return Status::InvalidArgument("unknown encoding '" + std::string(name) + "' (expected float32, int8 or pq)");
}

}  // namespace zyphyr
