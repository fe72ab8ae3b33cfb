// Status: the error value returned across every Lucid module boundary.
//
// Libraries that throw (yaml-cpp, Boost.JSON value_to, ...) are caught inside
// the module that calls them and converted to a Status, so callers never need
// try/catch. Codes are few and map onto HTTP statuses and CLI exit codes.
//
//   Status s = DoThing();
//   if (!s.ok()) return s.WithContext("indexing layer " + digest);
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace lucid {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // caller's input is wrong (bad digest, bad JSON, bad config)
  kNotFound,         // the thing asked for does not exist
  kAlreadyExists,
  kCorrupt,      // untrusted data is malformed (truncated gzip, bad tar, bad feed)
  kUnsupported,  // understood but not handled (unknown compression, distro)
  kTooLarge,     // a size limit was hit (decompression bomb, huge file, body)
  kUnavailable,  // a remote peer or the database is unreachable; retry may help
  kPermissionDenied,
  kDeadlineExceeded,
  kCancelled,
  kInternal,  // a bug or an environment failure we cannot classify
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with where the error happened: "context: message".
  Status WithContext(std::string_view context) const;
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status Corrupt(std::string m) { return {StatusCode::kCorrupt, std::move(m)}; }
inline Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status TooLarge(std::string m) { return {StatusCode::kTooLarge, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status DeadlineExceeded(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }

}  // namespace lucid

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define LUCID_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::lucid::Status lucid_status_ = (expr);        \
    if (!lucid_status_.ok()) return lucid_status_; \
  } while (0)
