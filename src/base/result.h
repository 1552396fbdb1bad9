#pragma once
// Result<T> holds either a value or an Error; Status is Result<void>. Both are [[nodiscard]], so
// a dropped error fails the -Werror build. We never throw across module boundaries.

#include <type_traits>
#include <utility>
#include <variant>

#include "base/check.h"
#include "base/error.h"

namespace atrium {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return std::holds_alternative<T>(state_); }

  const T& value() const& {
    ATRIUM_CHECK(ok(), "Result::value() on an error");
    return *std::get_if<0>(&state_);
  }
  T& value() & {
    ATRIUM_CHECK(ok(), "Result::value() on an error");
    return *std::get_if<0>(&state_);
  }
  T&& value() && {
    ATRIUM_CHECK(ok(), "Result::value() on an error");
    return std::move(*std::get_if<0>(&state_));
  }
  const Error& error() const& {
    ATRIUM_CHECK(!ok(), "Result::error() on a value");
    return *std::get_if<1>(&state_);
  }
  Error&& error() && {
    ATRIUM_CHECK(!ok(), "Result::error() on a value");
    return std::move(*std::get_if<1>(&state_));
  }

  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit

  bool ok() const { return ok_; }
  const Error& error() const& {
    ATRIUM_CHECK(!ok_, "Status::error() on success");
    return error_;
  }
  Error&& error() && {
    ATRIUM_CHECK(!ok_, "Status::error() on success");
    return std::move(error_);
  }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status OkStatus() { return Status(); }

}  // namespace atrium

#define ATRIUM_CONCAT_INNER_(a, b) a##b
#define ATRIUM_CONCAT_(a, b) ATRIUM_CONCAT_INNER_(a, b)

// Returns the error of `expr` (a Status or Result) from the enclosing function.
#define ATRIUM_RETURN_IF_ERROR(expr) \
  ATRIUM_RETURN_IF_ERROR_IMPL_(ATRIUM_CONCAT_(atrium_status_, __LINE__), expr)
#define ATRIUM_RETURN_IF_ERROR_IMPL_(tmp, expr) \
  do {                                          \
    auto tmp = (expr);                          \
    if (!tmp.ok()) {                            \
      return std::move(tmp).error();            \
    }                                           \
  } while (false)

// `lhs` = value of the Result `expr`, or returns its error from the enclosing function.
#define ATRIUM_ASSIGN_OR_RETURN(lhs, expr) \
  ATRIUM_ASSIGN_OR_RETURN_IMPL_(ATRIUM_CONCAT_(atrium_result_, __LINE__), lhs, expr)
#define ATRIUM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) {                                    \
    return std::move(tmp).error();                    \
  }                                                   \
  lhs = std::move(tmp).value()
