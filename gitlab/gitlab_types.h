// GitLab objects as patbot uses them. Field meanings follow reference/gitlab-api.md §2.1 and §3.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/secret.h"
#include "core/time_format.h"

namespace patbot::gitlab {

struct ServiceAccount {
  int64_t id = 0;
  std::string username;
  std::string name;
};

// A personal access token's metadata (never its value).
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
};

// A token just created or rotated: the only moment GitLab returns the value.
struct CreatedToken {
  AccessToken token;
  Secret value;
};

// One service account and every token it owns.
struct AccountTokens {
  ServiceAccount account;
  std::vector<AccessToken> tokens;
};

// The result of listing every service account's tokens.
struct Inventory {
  std::vector<AccountTokens> accounts;
  int requests = 0;              // GitLab calls made (for scan figures)
};

enum class Mode { kInstance, kGroup };

}  // namespace patbot::gitlab
