// Result<T>: a value or a Status (our own, because g++ 12 in C++20 mode and
// clang-14 have no usable std::expected).
//
//   Result<Manifest> m = ParseManifest(body);
//   if (!m.ok()) return m.status();
//   Use(*m);
#pragma once

#include <optional>
#include <utility>

#include "base/status.h"

namespace lucid {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status(StatusCode::kInternal, "Result constructed from OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace lucid

#define LUCID_CONCAT_INNER(a, b) a##b
#define LUCID_CONCAT(a, b) LUCID_CONCAT_INNER(a, b)
// LUCID_ASSIGN_OR_RETURN(auto x, MakeX());
#define LUCID_ASSIGN_OR_RETURN(lhs, expr) LUCID_ASSIGN_OR_RETURN_IMPL(LUCID_CONCAT(lucid_result_, __LINE__), lhs, expr)
#define LUCID_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
