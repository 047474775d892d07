// The `patbot serve` process of an E2eStack as the raw-socket clients see it (raw_client.h): its
// port, its pid for /proc figures, and a signed `/pat status` sent as Slack sends one.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include "tests/e2e/e2e_stack.h"
#include "tests/e2e/raw_client.h"

namespace patbot::e2e {

class RawBot {
 public:
  // nullopt (and `why`) when the stack did not start or its serve process cannot be found.
  // `responsePath`: the fake Slack path the status answers are posted to ("/commands/<tag>").
  static std::optional<RawBot> of(E2eStack& stack, const std::string& responsePath, std::string* why);

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& signingSecret() const { return signingSecret_; }
  // A signed `/pat status` by the operator on a fresh connection.
  RawReply signedStatus(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  int port_ = 0;
  pid_t pid_ = -1;
  std::string signingSecret_;
  std::string responseUrl_;
};

}  // namespace patbot::e2e
