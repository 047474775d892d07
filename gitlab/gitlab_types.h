// GitLab objects as patbot uses them. Field meanings follow reference/gitlab-api.md §2.1 and §3.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret.h"
#include "core/token_kind.h"
#include "core/time_format.h"

namespace patbot::gitlab {

using TokenKind = patbot::TokenKind;
using patbot::parseTokenKind;
using patbot::tokenKindName;

// Who holds tokens: a service account (personal tokens), or a project or group (its access
// tokens, each issued to a bot user of its own).
struct TokenOwner {
  int64_t id = 0;           // the user's, project's or group's id
  std::string username;     // the service account's username, or the project's / group's full path
  std::string name;         // display name
  TokenKind kind = TokenKind::kPersonal;

  // How a person names it: "inventory-bot", "project sec/app", "group sec".
  std::string label() const;
};

// An access token's metadata, personal, project or group (never its value).
struct AccessToken {
  int64_t id = 0;
  std::string name;
  std::optional<std::string> description;    // null before GitLab 17.7 or when unset
  std::vector<std::string> scopes;
  int64_t userId = 0;
  bool revoked = false;
  bool active = false;
  std::optional<Date> expiresAt;             // null = never expires
  std::optional<TimePoint> lastUsedAt;       // null = never used
  std::optional<TimePoint> createdAt;
  std::optional<int> accessLevel;            // project/group tokens: 10, 15, 20, 30, 40 or 50
};

// A token just created or rotated: the only moment GitLab returns the value.
struct CreatedToken {
  AccessToken token;
  Secret value;
};

// One owner (service account, project or group) and every token it holds.
struct AccountTokens {
  TokenOwner account;
  std::vector<AccessToken> tokens;
};

// A project or group whose access tokens patbot lists beside the service accounts' (the
// inventory's RestGitLabOptions::resources): its numeric id or full path, as configured.
struct ResourceRef {
  TokenKind kind = TokenKind::kProject;   // kProject or kGroup
  std::string idOrPath;                   // "42" or "sec/app"
};

// The result of listing every service account's tokens (and every configured project's and
// group's, kind kProject / kGroup).
struct Inventory {
  std::vector<AccountTokens> accounts;
  int requests = 0;              // GitLab calls made (for scan figures)
};

enum class Mode { kInstance, kGroup };

// What a new token should be: the old token's name, description and scopes, and an explicit expiry.
struct TokenSpec {
  std::string name;
  std::optional<std::string> description;   // sent only when set
  std::vector<std::string> scopes;
  Date expiresAt;
  std::optional<int> accessLevel;           // project/group tokens only (GitLab's default: 40)
};

enum class VariableOwnerKind { kProject, kGroup };

// One CI/CD variable: owner (numeric id or full path, e.g. "sec/inventory-builder"), key, and the
// environment scope that selects it among same-key variables ("" = no filter).
struct VariableRef {
  VariableOwnerKind kind = VariableOwnerKind::kProject;
  std::string owner;
  std::string key;
  std::string environmentScope;
};

// A CI/CD variable's metadata. Never its value.
struct CiVariable {
  std::string key;
  std::string variableType;                 // "env_var" or "file"
  bool masked = false, isProtected = false, raw = false, hidden = false;
  std::string environmentScope;
  // The current value, kept only in memory (a rotation keeps it to roll back); nullopt when
  // GitLab does not return it (hidden variables answer `"value": null`).
  std::optional<Secret> value;
};

// GitLab's access levels (reference/gitlab-api.md §4): 10 Guest, 15 Planner, 20 Reporter,
// 30 Developer, 40 Maintainer, 50 Owner. "level N" for any other value.
std::string accessLevelName(int level);

// What patbot's own token may do on a project or group (the rotation plan and check-config).
struct CallerAccess {
  bool admin = false;             // an administrator (may manage every token of the instance)
  std::optional<int> level;       // its membership's access level, members inherited included
};

// Something tied to a project/group token's bot user that a new bot user would not have: a
// `replace` of that token (new bot user; GitLab deletes the old one on revoke) would lose it.
struct BotUserTie {
  std::string what;   // a sentence: "member of group sec/platform as Developer"
};

struct Project {
  int64_t id = 0;
  std::string pathWithNamespace;
  std::string webUrl;
};

struct Pipeline {
  int64_t id = 0;
  std::string status;   // reference/gitlab-api.md §6.1
  std::string ref;
  std::string webUrl;
};

// True when the pipeline will not change any more without a person: success, failed, canceled,
// skipped, and manual (blocked on a manual job; it never finishes by itself, and it is not a
// success, so a verification waiting on it fails at once instead of timing out).
// created, waiting_for_resource, preparing, waiting_for_callback, pending, running, canceling,
// scheduled and unknown statuses are not finished.
inline bool pipelineFinished(const std::string& status) {
  return status == "success" || status == "failed" || status == "canceled" || status == "skipped" ||
         status == "manual";
}

struct Issue {
  int64_t iid = 0;
  std::string title;
  std::string state;    // "opened" or "closed"
  std::string webUrl;
  std::vector<std::string> labels;
};

// A new issue (reference/gitlab-api.md §7): labels are sent comma-separated.
struct IssueSpec {
  std::string title;
  std::string description;
  std::vector<std::string> labels;
};

// Filters of GET /projects/:id/issues; empty members are not sent.
struct IssueQuery {
  std::string state = "opened";          // "opened", "closed" or "all"
  std::vector<std::string> labels;       // an issue must carry all of them
  std::string search;                    // in titles only (in=title)
};

}  // namespace patbot::gitlab
