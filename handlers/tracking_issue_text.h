// The text of the GitLab issue the expiry watcher opens for an expiring token: a title that
// names the account, the token and its id (the watcher finds an open issue by it), and a
// description with the facts and the runbook steps a rotation performs. Pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "bot/config.h"
#include "gitlab/gitlab_types.h"

namespace patbot::handlers {

// "Service account token expiring: inventory-bot / <name> (id 101)"
std::string trackingIssueTitle(const std::string& account, const std::string& tokenName, int64_t tokenId);

// Markdown. `policy` is the token's [[token]] entry (null when none). Never a token value.
std::string trackingIssueDescription(const std::string& account, const gitlab::AccessToken& token, int daysLeft,
                                     const TokenPolicy* policy, const Config& config);

}  // namespace patbot::handlers
