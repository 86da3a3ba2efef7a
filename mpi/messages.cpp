#include "mpi/messages.h"

namespace zyphyr {

Status StatusFromCode(int code, std::string message) {
  switch (static_cast<StatusCode>(code)) {
    case StatusCode::kOk: return Status::Ok();
    case StatusCode::kInvalidArgument: return Status::InvalidArgument(std::move(message));
    case StatusCode::kNotFound: return Status::NotFound(std::move(message));
    case StatusCode::kCorruption: return Status::Corruption(std::move(message));
    case StatusCode::kIOError: return Status::IOError(std::move(message));
    case StatusCode::kUnsupported: return Status::Unsupported(std::move(message));
    case StatusCode::kOutOfRange: return Status::OutOfRange(std::move(message));
    default: return Status::Internal(std::move(message));
  }
}

}  // namespace zyphyr
