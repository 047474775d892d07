// TokenRoutes: where each token call of RestGitLabApi goes, by the owner's kind and patbot's mode
// (reference/gitlab-api.md §2, §3.1, §3.2, §4). A service account's personal tokens keep the
// instance routes (/personal_access_tokens, /users/:user_id/personal_access_tokens) or, in group
// mode, /groups/:id/service_accounts/:user_id/personal_access_tokens; a project's or group's
// access tokens go to /{projects,groups}/:owner.id/access_tokens whatever the mode.
// Each route comes as the path sent (after /api/v4, ids and paths URL-encoded) and the template
// that labels it in metrics (no id, no path, so no label ever names a project or account).
#pragma once

#include <cstdint>
#include <string>

#include "gitlab/gitlab_types.h"

namespace patbot::gitlab {

struct TokenRoute {
  std::string path;    // e.g. "/projects/42/access_tokens/7/rotate"
  std::string route;   // e.g. "/projects/:id/access_tokens/:token_id/rotate"
};

class TokenRoutes {
 public:
  // `group`: GITLAB_GROUP as configured (id or full path), used in group mode only.
  TokenRoutes(Mode mode, const std::string& group);

  // All of the owner's tokens, before pagination parameters (instance mode adds ?user_id=).
  TokenRoute list(const TokenOwner& owner) const;
  // One token: GET (project/group and instance mode) and DELETE.
  TokenRoute one(const TokenOwner& owner, int64_t tokenId) const;
  // POST a new token.
  TokenRoute create(const TokenOwner& owner) const;
  // POST …/:token_id/rotate.
  TokenRoute rotate(const TokenOwner& owner, int64_t tokenId) const;

 private:
  Mode mode_;
  std::string group_;   // URL-encoded
};

// How an Error names the owner: "service account inventory-bot", "project sec/app", "group sec".
std::string ownerPhrase(const TokenOwner& owner);

}  // namespace patbot::gitlab
