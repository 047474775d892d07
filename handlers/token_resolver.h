// Resolves the TOKEN argument of SPEC §4 against an inventory. TOKEN is one of:
//   ID                  a numeric GitLab token id, of any kind (ids are unique across kinds);
//   ACCOUNT/NAME        a service account's personal token: username, then the token name (which
//                       may contain '/' and spaces); never a project or group token;
//   project:PATH/NAME   a project access token: PATH is the project's full path (it contains '/');
//   group:PATH/NAME     a group access token: PATH is the group's full path.
// For project:/group:, PATH is a watched owner of that kind whose full path, followed by '/',
// starts the text; the rest is the name. When watched paths nest (a/b and a/b/c), the longest
// path that holds a token of the remaining name wins, and when owners at two split points both
// hold one ("a/b/c" + "x" and "a/b" + "c/x") the text is ambiguous and the error lists their ids.
// A name matches unrevoked tokens (active or expired); several matches are an error that lists
// them with their ids so the user can pick one. Error kinds: kInvalidInput (not a TOKEN),
// kNotFound (no such owner or token, the sentence names what is missing), kConflict (several).
// Messages quote names as typed; escaping them for Slack is the message builder's job.
#pragma once

#include <string>

#include "core/result.h"
#include "gitlab/gitlab_types.h"

namespace patbot::handlers {

// What a TOKEN may be, for usage and error sentences.
inline constexpr const char* kTokenForms = "a token id, ACCOUNT/NAME, project:PATH/NAME or group:PATH/NAME";

struct ResolvedToken {
  gitlab::TokenOwner account;   // the owner: service account, project or group
  gitlab::AccessToken token;
};

Result<ResolvedToken> resolveToken(const gitlab::Inventory& inventory, const std::string& text);

}  // namespace patbot::handlers
