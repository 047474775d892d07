// TokenWrites: when patbot last created or revoked a token in GitLab, whichever path did it
// (Slack, the watcher, recovery, the revoke scheduler). A cached inventory taken before then no
// longer shows GitLab as it is. patbot serve's GitLab decorator (bot/observed_gitlab_api.h)
// implements it.
#pragma once

#include <optional>

#include "core/clock.h"

namespace patbot::handlers {

class TokenWrites {
 public:
  virtual ~TokenWrites() = default;
  // When the last createToken or revokeToken returned (whatever its outcome); nullopt when none
  // has yet. Thread-safe.
  virtual std::optional<TimePoint> lastTokenWrite() const = 0;
};

}  // namespace patbot::handlers
