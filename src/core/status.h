// Status and Result<T>: errors as values at the library boundary.
//
// Every fallible call in the library returns a [[nodiscard]] Status (or a
// Result<T> carrying a value or a Status). Nothing in the library throws across
// its public boundary; the message names the thing at fault (file, dataset,
// option, dimension) so a caller can print it as the one-line error.
#ifndef ZYPHYR_SRC_CORE_STATUS_H_
#define ZYPHYR_SRC_CORE_STATUS_H_

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace zyphyr {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument = 1,
  kNotFound = 2,
  kCorruption = 3,
  kIOError = 4,
  kUnsupported = 5,
  kOutOfRange = 6,
  kInternal = 7,
};

// Returns a stable lower-case name ("invalid argument", "corruption", ...).
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK.

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return Status(StatusCode::kInvalidArgument, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(StatusCode::kCorruption, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(StatusCode::kIOError, std::move(msg)); }
  static Status Unsupported(std::string msg) { return Status(StatusCode::kUnsupported, std::move(msg)); }
  static Status OutOfRange(std::string msg) { return Status(StatusCode::kOutOfRange, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg)); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "invalid argument: query has dimension 3, index has 4"; "OK" when ok().
  std::string ToString() const;

  // The same code with "<context>: " put before the message (OK stays OK).
  Status WithContext(std::string_view context) const {
    if (ok()) return *this;
    return Status(code_, std::string(context) + ": " + message_);
  }

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Holds either a T or a non-OK Status. Accessing value() on an error aborts
// (an internal invariant violation, not a recoverable condition).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT: implicit by design.
  Result(Status status) : state_(std::move(status)) {  // NOLINT: implicit by design.
    if (std::get<Status>(state_).ok()) std::abort();   // A Result error must be an error.
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }

  T& value() & { return Checked(); }
  const T& value() const& { return const_cast<Result*>(this)->Checked(); }
  T&& value() && { return std::move(Checked()); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->Checked(); }
  T& operator*() & { return Checked(); }
  const T& operator*() const& { return const_cast<Result*>(this)->Checked(); }

 private:
  T& Checked() {
    if (!ok()) std::abort();
    return std::get<T>(state_);
  }

  std::variant<T, Status> state_;
};

}  // namespace zyphyr

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define ZYPHYR_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::zyphyr::Status zyphyr_status_ = (expr);        \
    if (!zyphyr_status_.ok()) return zyphyr_status_; \
  } while (0)

#endif  // ZYPHYR_SRC_CORE_STATUS_H_
