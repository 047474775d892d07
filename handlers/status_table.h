// The pure part of `/pat status` and `patbot scan`: which tokens to show, in what order, and
// what state each is in. No I/O; used by the Slack handler, the CLI and (later) the watcher.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time_format.h"
#include "gitlab/gitlab_types.h"

namespace patbot::handlers {

enum class TokenState { kOk, kExpiring, kExpired, kRevoked };

const char* tokenStateName(TokenState state);

// A token is expired from 00:00 UTC of its expires_at, expiring when it expires within
// `expiringWindowDays` days of today, revoked when GitLab says so. A token without expiry is ok.
TokenState tokenState(const gitlab::AccessToken& token, Date today, int expiringWindowDays);

// `query` is a case-insensitive substring of any of: the token name; the owner's username or
// full path ("sec/app"); the owner as shown ("project sec/app"); the TOKEN text that names the
// token ("deploy-bot/registry", "project:sec/app/deploy-token"); and OWNER/NAME ("sec/app/deploy-token").
struct StatusFilter {
  std::string query;
  std::optional<int> expiringWithinDays;   // only tokens expiring (or expired) within N days
  bool includeRevoked = false;
};

struct StatusRow {
  std::string account;                  // the service account's username, or the project's / group's full path
  gitlab::TokenKind kind = gitlab::TokenKind::kPersonal;
  std::string tokenName;
  int64_t tokenId = 0;
  std::vector<std::string> scopes;
  std::optional<Date> expiresAt;
  std::optional<int> daysLeft;          // negative once expired; nullopt = never expires
  std::optional<TimePoint> lastUsedAt;
  TokenState state = TokenState::kOk;
  std::optional<int> accessLevel;       // project and group tokens: the bot user's role
};

// Owners are counted once each, by kind: `accounts` service accounts, `projects`, `groups`.
struct StatusCounts {
  int accounts = 0;
  int projects = 0;
  int groups = 0;
  int tokens = 0;
  int expired = 0;
  int expiring = 0;
  int revoked = 0;
};

// Rows sorted with the most urgent first: by expiry date ascending (never-expiring last), then
// revoked tokens; ties by owner, kind and name.
std::vector<StatusRow> statusRows(const gitlab::Inventory& inventory, Date today,
                                  int expiringWindowDays, const StatusFilter& filter);

StatusCounts countRows(const std::vector<StatusRow>& rows);

}  // namespace patbot::handlers
