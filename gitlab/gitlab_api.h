// GitLabApi: everything patbot asks of GitLab, as values. Implementations are thread-safe.
// Every call returns an Error (never throws) for HTTP errors, transport failures, deadlines and
// malformed answers; Error::message is a plain sentence for a Slack user.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/secret.h"
#include "gitlab/gitlab_types.h"

namespace patbot::gitlab {

class GitLabApi {
 public:
  virtual ~GitLabApi() = default;

  // Service accounts of the instance (admin) or of GITLAB_GROUP (group mode), all pages.
  virtual Result<std::vector<ServiceAccount>> listServiceAccounts() = 0;
  // All tokens (active, expired and revoked) of one service account, all pages.
  virtual Result<std::vector<AccessToken>> listTokens(const ServiceAccount& account) = 0;
  // Every service account with its tokens, with at most GITLAB_CONCURRENCY calls in flight.
  // Fails as a whole if any page fails (a partial list would show tokens as missing).
  virtual Result<Inventory> inventory() = 0;
  // The bot's own token (GET /personal_access_tokens/self).
  virtual Result<AccessToken> selfToken() = 0;
  // The given token's own metadata, authenticating with that token (rotation's verify step).
  virtual Result<AccessToken> tokenSelf(const Secret& token) = 0;
};

}  // namespace patbot::gitlab
