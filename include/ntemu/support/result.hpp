// SPDX-License-Identifier: MIT
/// \file
/// `Result<T>`: what an internal fallible function returns — a `T`, or the failing `Status`.
/// Like `Status` it cannot be ignored. Reading the value of a failed result is a programming
/// error and throws `BadResultAccess` (never undefined behaviour).
///
/// \code
///   ntemu::Result<int> parse(std::string_view s);
///   auto r = parse("12");
///   if (!r) return r.status();
///   use(*r);
/// \endcode
#pragma once

#include <optional>
#include <stdexcept>
#include <utility>

#include "ntemu/support/status.hpp"

namespace ntemu {

class BadResultAccess : public std::logic_error {
 public:
  explicit BadResultAccess(Status s)
      : std::logic_error(fmt::format("value of a failed Result read ({})", s)), status_(s) {}
  Status status() const { return status_; }

 private:
  Status status_;
};

template <class T>
class [[nodiscard]] Result {
 public:
  /// A success carrying `value` (status STATUS_SUCCESS).
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  /// A failure. `failure` must not be a success status; if it is, the result is
  /// STATUS_UNSUCCESSFUL so a value-less success can never exist.
  Result(Status failure)  // NOLINT(google-explicit-constructor)
      : status_(failure.ok() ? STATUS_UNSUCCESSFUL : failure) {}

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  Status status() const { return status_; }

  T& value() & {
    check();
    return *value_;
  }
  const T& value() const& {
    check();
    return *value_;
  }
  T&& value() && {
    check();
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void check() const {
    if (!value_) throw BadResultAccess(status_);
  }
  std::optional<T> value_;
  Status status_ = STATUS_SUCCESS;
};

}  // namespace ntemu
