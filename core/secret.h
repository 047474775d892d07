// Secret: a credential (GitLab token, Slack signing secret, bot token) that cannot leak by
// accident. It has no stream operator, fmt formats it as "[redacted]", and reading the value
// needs an explicit reveal() at the one place that puts it on the wire.
#pragma once

#include <string>
#include <utility>

#include <fmt/format.h>

namespace patbot {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend bool operator==(const Secret& a, const Secret& b) { return a.value_ == b.value_; }

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
