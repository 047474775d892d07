// Result<T>: a value or an Error, an std::expected look-alike (C++20 has none).
// Expected failures (GitLab 4xx/5xx, network, bad input) travel as values; exceptions are
// reserved for programming errors and are caught only at the HTTP and job boundaries.
#pragma once

#include <cassert>
#include <chrono>
#include <string>
#include <utility>
#include <variant>

namespace patbot {

enum class ErrorKind {
  kInvalidInput,    // bad argument, malformed data from the user
  kNotFound,        // the thing asked for does not exist
  kUnauthorized,    // credential missing, unknown, revoked or expired (HTTP 401)
  kForbidden,       // authenticated but not allowed (HTTP 403, insufficient_scope)
  kConflict,        // 409, already running, duplicate
  kRateLimited,     // 429 that outlived our retries
  kUnavailable,     // 5xx, connection refused, DNS, TLS handshake
  kTimeout,         // a deadline passed
  kProtocol,        // the other side answered something we cannot parse
  kStorage,         // SQLite failed (disk full, locked)
  kConfig,          // configuration missing or malformed
  kInternal,        // a bug
};

const char* errorKindName(ErrorKind kind);

// An error with two audiences: `message` is a plain sentence safe to show a Slack user (no
// secrets, no stack traces); `detail` is for operators' logs (still no secrets).
struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  std::string message;
  std::string detail;
  int httpStatus = 0;                        // status from the remote side, 0 when none
  std::chrono::seconds retryAfter{0};        // from Retry-After, 0 when absent

  static Error make(ErrorKind kind, std::string message, std::string detail = {}) {
    Error e;
    e.kind = kind;
    e.message = std::move(message);
    e.detail = std::move(detail);
    return e;
  }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}        // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
struct Ok {};
using Status = Result<Ok>;
inline Status okStatus() { return Ok{}; }

}  // namespace patbot
