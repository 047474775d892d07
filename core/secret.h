// Secret: a credential (GitLab token, Slack signing secret, bot token) that cannot leak by
// accident. It has no stream operator, fmt formats it as "[redacted]", and reading the value
// needs an explicit reveal() at the one place that puts it on the wire.
//
// It is move-only: a second copy exists only through an explicit clone(). Every buffer that held
// the value is zeroed up to its capacity when the Secret is destroyed, assigned over or moved
// from (a moved-from Secret is empty). Copies made from reveal() are the caller's to manage.
#pragma once

#include <string>
#include <utility>

#include <fmt/format.h>

namespace patbot {

class Secret {
 public:
  Secret() = default;
  // Moving a string in wipes the source; a copied-from string is the caller's to manage.
  explicit Secret(std::string&& value) : value_(std::move(value)) { wipe(value); }
  explicit Secret(const std::string& value) : value_(value) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { wipe(other.value_); }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      wipe(value_);
      value_ = std::move(other.value_);
      wipe(other.value_);
    }
    return *this;
  }
  ~Secret() { wipe(value_); }

  // A second, independent copy of the value.
  Secret clone() const { return Secret(value_); }

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend bool operator==(const Secret& a, const Secret& b) { return a.value_ == b.value_; }

  // Zeroes every byte of s's buffer, [0, capacity()), in a way the compiler may not elide, and
  // leaves s empty with the same buffer.
  static void wipe(std::string& s) noexcept;

 private:
  std::string value_;
};

}  // namespace patbot

template <>
struct fmt::formatter<patbot::Secret> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(const patbot::Secret&, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format("[redacted]", ctx);
  }
};
